import Foundation
import LossKit
import Testing

@testable import LossKitArchive

/// Saves that cannot lose a model: a failure injected at each step of a replacing save.
@Suite struct AtomicSaveTests {
  static func files(_ marker: String) -> ModelFiles {
    ModelFiles([
      "manifest.json": Data("{\"marker\": \"\(marker)\"}".utf8),
      "weights.safetensors": Data(repeating: UInt8(marker.utf8.first!), count: 4096),
      "plugins/lib.so": Data(marker.utf8),
    ])
  }

  static func entries(_ directory: URL) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
  }

  static let steps: [(AtomicFolder.Swap, AtomicFolder.Step)] =
    AtomicFolder.Step.allCases.filter { $0 != .moveAside && $0 != .moveIntoPlace }.map {
      (.atomic, $0)
    } + AtomicFolder.Step.allCases.map { (.twoRenames, $0) }

  @Test(
    "a failure at any step of a replacing save leaves the previous model, and no folder",
    arguments: steps)
  func failureAtEachStep(_ swap: AtomicFolder.Swap, _ step: AtomicFolder.Step) throws {
    let directory = try Fixture.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let store = DirectoryStore(directory: directory)
    let folder = try store.url(for: "m")
    try DirectoryStore.write(Self.files("A"), to: folder, swap: swap, failingAt: nil)
    if step == .removePrevious {
      try DirectoryStore.write(Self.files("B"), to: folder, swap: swap, failingAt: step)
      #expect(try store.read(named: "m") == Self.files("B"))
      #expect(try store.names() == ["m"])
      try store.write(Self.files("C"), named: "m")
      #expect(try Self.entries(directory) == ["m"])
      return
    }
    #expect(throws: ArchiveError.self) {
      try DirectoryStore.write(Self.files("B"), to: folder, swap: swap, failingAt: step)
    }
    // Checked before reading through the store, which would also repair a missing name.
    #expect(try Self.entries(directory) == ["m"])
    #expect(try DirectoryStore.read(folder: folder) == Self.files("A"))
  }

  @Test(
    "a failure at any step of a first save leaves no model and no folder",
    arguments: AtomicFolder.Step.allCases.filter { $0 != .removePrevious && $0 != .moveAside })
  func failureAtEachStepOfAFirstSave(_ step: AtomicFolder.Step) throws {
    let directory = try Fixture.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let folder = directory.appendingPathComponent("m")
    let swap: AtomicFolder.Swap = step == .moveIntoPlace ? .twoRenames : .atomic
    #expect(throws: ArchiveError.self) {
      try DirectoryStore.write(Self.files("A"), to: folder, swap: swap, failingAt: step)
    }
    #expect(try Self.entries(directory) == [])
  }

  @Test("the body's own error leaves the previous model")
  func bodyError() throws {
    let directory = try Fixture.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let folder = directory.appendingPathComponent("m")
    try DirectoryStore.write(Self.files("A"), to: folder)
    struct Interrupted: Error {}
    #expect(throws: ArchiveError.self) {
      try AtomicFolder.write(to: folder) { temporary in
        try Data("partial".utf8).write(to: temporary.appendingPathComponent("manifest.json"))
        throw Interrupted()
      }
    }
    #expect(try DirectoryStore.read(folder: folder) == Self.files("A"))
    #expect(try Self.entries(directory) == ["m"])
  }

  @Test(
    "a save that died between the two fallback renames: the previous model loads again",
    arguments: ["previous", "replaced"])
  func crashBetweenRenames(_ kind: String) throws {
    let directory = try Fixture.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let store = DirectoryStore(directory: directory)
    try store.write(Self.files("A"), named: "m")
    try FileManager.default.moveItem(
      at: directory.appendingPathComponent("m"),
      to: directory.appendingPathComponent(".m.\(kind)-\(UUID().uuidString)"))
    let unfinished = directory.appendingPathComponent(".m.saving-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: unfinished, withIntermediateDirectories: false)
    #expect(try store.names() == [])
    #expect(try store.read(named: "m") == Self.files("A"))
    #expect(try Self.entries(directory) == ["m"])
  }

  @Test("stale temporaries are never listed, and the next save of the name deletes them")
  func staleTemporaries() throws {
    let directory = try Fixture.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let store = DirectoryStore(directory: directory)
    try store.write(Self.files("A"), named: "m")
    try store.write(Self.files("A"), named: "m.saving-x")
    let stale = [
      ".m.saving-\(UUID().uuidString)", ".m.writing-\(UUID().uuidString)",
      ".m.removing-\(UUID().uuidString)", ".m.previous-\(UUID().uuidString)",
    ]
    // Another model's temporary, whose name starts like one of m's: left alone.
    let other = ".m.saving-x.saving-\(UUID().uuidString)"
    for name in stale + [other] {
      try FileManager.default.createDirectory(
        at: directory.appendingPathComponent(name), withIntermediateDirectories: false)
    }
    #expect(try store.names() == ["m", "m.saving-x"])
    try store.write(Self.files("B"), named: "m")
    #expect(try Self.entries(directory) == [other, "m", "m.saving-x"].sorted())
    #expect(try store.read(named: "m") == Self.files("B"))
  }

  @Test("deleting a model removes its folder in one rename, and nothing else is left")
  func delete() throws {
    let directory = try Fixture.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let store = DirectoryStore(directory: directory)
    try store.write(Self.files("A"), named: "m")
    try store.remove(named: "m")
    #expect(try Self.entries(directory) == [])
    #expect(throws: ArchiveError.notFound(name: "m", store: directory.path, available: [])) {
      try store.remove(named: "m")
    }
  }

  @Test("a symbolic link inside a model is refused rather than followed")
  func symbolicLink() throws {
    let directory = try Fixture.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let store = DirectoryStore(directory: directory)
    try store.write(Self.files("A"), named: "m")
    let weights = directory.appendingPathComponent("m/weights.safetensors")
    try FileManager.default.removeItem(at: weights)
    try FileManager.default.createSymbolicLink(
      atPath: weights.path, withDestinationPath: "/etc/passwd")
    #expect {
      try store.read(named: "m")
    } throws: { error in
      "\(error)".contains(weights.path) && "\(error)".contains("not a plain file")
    }
  }

  @Test("the system swaps two folders atomically here, and refuses to replace on a first save")
  func systemRenames() throws {
    let directory = try Fixture.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let (a, b) = (directory.appendingPathComponent("a"), directory.appendingPathComponent("b"))
    try DirectoryStore.write(Self.files("A"), to: a)
    try DirectoryStore.write(Self.files("B"), to: b)
    let exchanged = FolderRename.exchange(a.path, b.path)
    #expect(exchanged == 0, "renameat2/renamex_np unavailable: saves fall back to two renames")
    if exchanged == 0 { #expect(try DirectoryStore.read(folder: a) == Self.files("B")) }
    #expect(FolderRename.moveWithoutReplacing(a.path, to: b.path) == EEXIST)
  }

  @Test(
    "plain file names stay inside the folder",
    arguments: [
      ("weights.safetensors", true), ("w-2.bin", true), ("../../x", false), ("/etc/passwd", false),
      ("a/b", false), ("..", false), (".", false), ("", false), (".hidden", false),
      ("a\\b", false), ("a\u{0}b", false), (String(repeating: "x", count: 256), false),
    ])
  func plainFileNames(_ name: String, _ plain: Bool) {
    #expect(DirectoryStore.isPlainFileName(name) == plain)
  }

  @Test(
    "relative paths inside a model may have folders but never leave it",
    arguments: [
      ("manifest.json", true), ("plugins/lib.so", true), ("../x", false), ("a/../../x", false),
      ("/abs", false), ("a//b", false), ("./a", false), ("a\u{0}", false),
    ])
  func relativePaths(_ name: String, _ plain: Bool) {
    #expect(DirectoryStore.isPlainRelativePath(name) == plain)
  }
}
