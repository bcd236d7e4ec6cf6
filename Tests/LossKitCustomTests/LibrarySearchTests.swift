import Foundation
import LossKit
import Testing

@Suite struct LibrarySearchTests {
  let hinge = "double smooth_hinge(double prediction, double target, double margin=1)"

  @Test("search folders: plugins/ inside the saved model, then LOSSKIT_PLUGIN_PATH in order")
  func searchFolders() {
    let folders = LossLibraries.searchFolders(
      savedModel: URL(fileURLWithPath: "/models/m"),
      environment: ["LOSSKIT_PLUGIN_PATH": "/opt/a::/opt/b/"])
    #expect(folders.map(\.path) == ["/models/m/plugins", "/opt/a", "/opt/b"])
    #expect(LossLibraries.searchFolders(savedModel: nil, environment: [:]).isEmpty)
  }

  @Test("the first folder with the right contents wins, past a same-named different file")
  func locateSkipsADifferentFile() throws {
    let first = try PluginBuilder.folder("first")
    let second = try PluginBuilder.folder("second")
    _ = try PluginBuilder.brierV1(in: first)
    let wanted = try PluginBuilder.brier(in: second)
    let digest = try SHA256Digest(contentsOfFile: wanted).hex
    #expect(
      try LossLibraries.locate(fileName: "libbrier.so", sha256: digest, in: [first, second])
        == wanted)
  }

  @Test("a same-named library with other contents is refused, naming the file and both hashes")
  func hashMismatch() throws {
    let folder = try PluginBuilder.folder("mismatch")
    let path = try PluginBuilder.brierV1(in: folder)
    let found = try SHA256Digest(contentsOfFile: path).hex
    let expected = String(repeating: "ab", count: 32)
    #expect(throws: LibrarySearchError.hashMismatch(file: path, expected: expected, found: found)) {
      try LossLibraries.locate(fileName: "libbrier.so", sha256: expected, in: [folder])
    }
    let text = "\(LibrarySearchError.hashMismatch(file: path, expected: expected, found: found))"
    #expect(text.contains(path) && text.contains(expected) && text.contains(found))
  }

  @Test("a missing library is an error naming the file and every folder searched")
  func notFound() throws {
    let folders = [URL(fileURLWithPath: "/nowhere/a"), URL(fileURLWithPath: "/nowhere/b")]
    let error = LibrarySearchError.notFound(
      file: "libgone.so", searched: ["/nowhere/a", "/nowhere/b"])
    #expect(throws: error) {
      try LossLibraries.locate(
        fileName: "libgone.so", sha256: String(repeating: "0", count: 64), in: folders)
    }
    #expect("\(error)".contains("libgone.so") && "\(error)".contains("/nowhere/a, /nowhere/b"))
  }

  @Test(
    "a recorded file name with a folder in it is refused",
    arguments: ["../libx.so", "a/b.so", "..", ""])
  func fileNameWithFolder(name: String) {
    #expect(throws: LibrarySearchError.self) {
      try LossLibraries.locate(fileName: name, sha256: String(repeating: "0", count: 64), in: [])
    }
  }

  @Test(
    "resolve loads a recorded plugin from a folder; a loaded one with other contents is refused"
  )
  func resolvePlugin() throws {
    let folder = try PluginBuilder.folder("resolve")
    let original = try PluginBuilder.brier(in: folder)
    var saving = LossRegistry()
    try NativeLossPlugin.load(path: original, into: &saving)
    let loss = 0.5 * FocalLoss() + 0.5 * (try saving.makeLoss(named: "brier") as! NativeLoss)
    let recorded = LossLibraries.provenances(of: loss)
    #expect(Array(recorded.keys) == ["brier"])

    var fresh = LossRegistry.standard
    #expect(try LossLibraries.resolve(recorded, searching: [folder], into: &fresh) == [original])
    #expect(try fresh.makeLoss(from: LossSpec(loss)) is CompositeLoss)
    #expect(try LossLibraries.resolve(recorded, searching: [], into: &fresh).isEmpty)

    let rebuilt = try PluginBuilder.brierV1()
    var other = LossRegistry.standard
    try NativeLossPlugin.load(path: rebuilt, into: &other)
    #expect(
      throws: LibrarySearchError.hashMismatch(
        file: rebuilt, expected: recorded["brier"]!.sha256,
        found: try SHA256Digest(contentsOfFile: rebuilt).hex)
    ) {
      try LossLibraries.resolve(recorded, searching: [folder], into: &other)
    }
  }

  @Test("resolve finds a foreign function by its recorded hash and declaration")
  func resolveForeign() throws {
    let folder = try PluginBuilder.folder("foreign")
    let path = try PluginBuilder.fixture("smooth_hinge.c", fileName: "libhinge.so", in: folder)
    var saving = LossRegistry()
    try ForeignLoss.register("\(path):\(hinge)", into: &saving)
    let loss = try saving.makeLoss(named: "smooth_hinge", parameters: ["margin": .number(0.5)])
    let recorded = LossLibraries.provenances(of: loss)
    #expect(recorded["smooth_hinge"]?.declaration == hinge)
    #expect(recorded["smooth_hinge"]?.kind == .foreign)
    let json = try JSONEncoder().encode(recorded)
    let decoded = try JSONDecoder().decode([String: LossProvenance].self, from: json)
    #expect(decoded == recorded)

    var fresh = LossRegistry()
    try LossLibraries.resolve(decoded, searching: [folder], into: &fresh)
    let reloaded = try fresh.makeLoss(from: LossSpec(loss))
    #expect(try LossSpec(reloaded) == LossSpec(loss))
  }

  @Test("a loss the found library does not define is an error listing what it defines")
  func lossNotProvided() throws {
    let folder = try PluginBuilder.folder("notprovided")
    let path = try PluginBuilder.brier(in: folder)
    var loaded = LossRegistry()
    try NativeLossPlugin.load(path: path, into: &loaded)
    var recorded = LossLibraries.provenances(of: try loaded.makeLoss(named: "brier"))
    recorded["calibrated"] = recorded.removeValue(forKey: "brier")
    var registry = LossRegistry()
    #expect(
      throws: LibrarySearchError.lossNotProvided(
        loss: "calibrated", library: path, provided: ["brier"])
    ) {
      try LossLibraries.resolve(recorded, searching: [folder], into: &registry)
    }
  }

  @Test("bundle copies each library a loss tree uses under its file name, once")
  func bundle() throws {
    let hingePath = try PluginBuilder.fixture("smooth_hinge.c", fileName: "libhinge.so")
    var registry = LossRegistry.standard
    try NativeLossPlugin.load(path: try PluginBuilder.brier(), into: &registry)
    try ForeignLoss.register("\(hingePath):\(hinge)", into: &registry)
    let loss =
      0.3 * (try registry.makeLoss(named: "brier") as! NativeLoss)
      + 0.7 * (try registry.makeLoss(named: "smooth_hinge") as! ForeignLoss)
    let target = try PluginBuilder.folder("bundle").appendingPathComponent("plugins")
    #expect(try LossLibraries.bundle(loss, into: target) == ["libbrier.so", "libhinge.so"])
    #expect(try LossLibraries.bundle(loss, into: target) == ["libbrier.so", "libhinge.so"])
    var fresh = LossRegistry.standard
    try LossLibraries.resolve(
      LossLibraries.provenances(of: loss), searching: [target], into: &fresh)
    #expect(fresh.entry(named: "brier") != nil && fresh.entry(named: "smooth_hinge") != nil)
  }
}
