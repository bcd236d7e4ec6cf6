import Foundation

/// Builds C plugins and foreign-function libraries with the system compiler for the tests.
enum PluginBuilder {
  static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()
  static let header = repository.appendingPathComponent("Sources/CLossKitPlugin/include")
  static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("Fixtures")

  struct CompilerFailed: Error, CustomStringConvertible {
    var source: String
    var description: String { "cc could not compile \(source)" }
  }

  /// A new empty folder under the temporary directory.
  static func folder(_ name: String) throws -> URL {
    let url = FileManager.default.temporaryDirectory
      .appendingPathComponent("losskit-\(name)-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }

  /// Compiles `source` into a shared library called `fileName` (in a new folder unless one is
  /// given) and returns its path.
  static func build(
    source: URL, fileName: String, in folder: URL? = nil, defines: [String] = []
  ) throws -> String {
    let output = try (folder ?? self.folder("lib")).appendingPathComponent(fileName)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments =
      ["cc", "-shared", "-fPIC", "-O2", "-I", header.path, "-I", fixtures.path]
      + defines.map { "-D\($0)" } + ["-o", output.path, source.path, "-lm"]
    try process.run()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { throw CompilerFailed(source: source.path) }
    return output.path
  }

  /// Compiles C code given as text.
  static func build(code: String, fileName: String, in folder: URL? = nil) throws -> String {
    let source = try self.folder("src").appendingPathComponent("source.c")
    try code.write(to: source, atomically: true, encoding: .utf8)
    return try build(source: source, fileName: fileName, in: folder)
  }

  /// Compiles a file of `Fixtures/`.
  static func fixture(
    _ name: String, fileName: String, in folder: URL? = nil, defines: [String] = []
  ) throws -> String {
    try build(
      source: fixtures.appendingPathComponent(name), fileName: fileName, in: folder,
      defines: defines)
  }

  /// The example plugin, `Examples/NativePlugin/plugin/brier.c` (ABI 2).
  static func brier(in folder: URL? = nil) throws -> String {
    try build(
      source: repository.appendingPathComponent("Examples/NativePlugin/plugin/brier.c"),
      fileName: "libbrier.so", in: folder)
  }

  /// The example plugin as it shipped for ABI 1, built against the ABI 1 header.
  static func brierV1(in folder: URL? = nil) throws -> String {
    try fixture("brier_v1.c", fileName: "libbrier.so", in: folder)
  }

  /// The address of a global a test library exports.
  static func global<T>(_ name: String, in path: String, as type: T.Type) -> T? {
    guard let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL) else { return nil }
    return dlsym(handle, name).map { $0.assumingMemoryBound(to: T.self).pointee }
  }
}
