import ArgumentParser
import Foundation
import LossKit

/// `losskit conformance FILE...`: checks LossKit against reference values.
struct Conformance: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Check LossKit's losses against reference values in losskit-golden/1 files.",
    discussion: """
      Prints one line per case (name, value error, largest gradient error, pass/FAIL) and a \
      final 'N passed, M failed'. Exits with status 1 when any case fails or has an unknown \
      kind. The format is described in docs/conformance.md.
      """)

  @Argument(help: "Golden files in the losskit-golden/1 format.")
  var files: [String]

  @Flag(name: .long, help: "Print only failing cases and the summary.")
  var failuresOnly = false

  func run() throws {
    var passed = 0
    var failed = 0
    for path in files {
      let file = try GoldenFile(contentsOf: URL(fileURLWithPath: path))
      for golden in file.cases {
        let result = ConformanceRunner.run(golden)
        if result.passed { passed += 1 } else { failed += 1 }
        if !failuresOnly || !result.passed { print(result.line) }
      }
    }
    print("\(passed) passed, \(failed) failed")
    if failed > 0 { throw ExitCode(1) }
  }
}
