import Foundation
import LossKit
import Testing

@Suite struct PluginPathTests {
  let here = FileManager.default.currentDirectoryPath

  @Test("a bare file name means the current directory, never the system's library paths")
  func bareNameIsTheCurrentDirectory() {
    // libm.so.6 is on the system search path; as a bare name it must not be found there.
    var registry = LossRegistry()
    #expect(
      throws: NativePluginError.cannotOpen(path: here + "/libm.so.6", reason: "no such file")
    ) {
      try NativeLossPlugin.load(path: "libm.so.6", into: &registry)
    }
    #expect(
      throws: ForeignLossError.cannotOpenLibrary(path: here + "/libm.so.6", reason: "no such file")
    ) {
      try ForeignLoss.register(
        "libm.so.6:double fdim(double prediction, double target)", into: &registry)
    }
  }

  @Test("a relative path is resolved against the current directory, once, and loaded from there")
  func relativePath() throws {
    let path = try PluginBuilder.brier()
    let depth = URL(fileURLWithPath: here).standardizedFileURL.pathComponents.count - 1
    let relative = String(repeating: "../", count: depth) + "./" + String(path.dropFirst())
    let library = try NativeLossPlugin.open(path: relative)
    #expect(library.path == path)
  }

  @Test("a directory is not a library")
  func directory() throws {
    let folder = try PluginBuilder.folder("dir")
    var registry = LossRegistry()
    #expect(throws: NativePluginError.self) {
      try NativeLossPlugin.load(path: folder.path, into: &registry)
    }
  }
}
