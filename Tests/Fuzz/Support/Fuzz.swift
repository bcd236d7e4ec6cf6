import CLossKitFuzzDriver
import Foundation

/// The test of the running harness; set once, before libFuzzer starts calling it.
nonisolated(unsafe) private var currentTest: ((Data) -> Void)?

/// Runs libFuzzer over `test` with the command line's options (`-max_total_time=60`, corpus
/// folders, …) and exits with its status.
///
/// A harness is a `main.swift` of one line, `fuzz { data in … }`: it feeds the bytes to the
/// code under test and ignores thrown errors, which are the right answer to bad input. A
/// trap, a sanitizer report, a hang past `-timeout` or memory past `-rss_limit_mb` is a
/// finding; libFuzzer writes the input that caused it to a `crash-…` file.
public func fuzz(_ test: @escaping (Data) -> Void) -> Never {
  currentTest = test
  let status = losskit_fuzz_run(CommandLine.argc, CommandLine.unsafeArgv) { bytes, size in
    let data = bytes.map { Data(bytes: $0, count: size) } ?? Data()
    currentTest?(data)
    return 0
  }
  exit(status)
}

/// Stops the harness with a message, for a property that must hold for every input (a
/// decoded value that does not survive re-encoding, say): libFuzzer reports it as a crash.
public func fuzzFailure(_ message: String) -> Never {
  FileHandle.standardError.write(Data("fuzz property violated: \(message)\n".utf8))
  abort()
}
