import Foundation

/// Runs a program for the tests that check what a fresh process sees.
public enum ProcessRunner {
  /// Runs `executable` with `arguments` and extra `environment`, and returns its standard
  /// output and error, combined, and its exit status.
  public static func run(
    _ executable: URL, _ arguments: [String], environment: [String: String] = [:]
  ) throws -> (output: String, status: Int32) {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    let output = Pipe()
    process.standardOutput = output
    process.standardError = output
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (String(decoding: data, as: UTF8.self), process.terminationStatus)
  }

  /// A program built beside the test bundle, such as `losskit`.
  public static func builtProgram(_ name: String) -> URL {
    URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
      .appendingPathComponent(name)
  }
}
