import Foundation
import LossKitArchive
import Testing

@testable import LossKitRedis

@Suite struct ModelPointerTests {
  let files = ModelFiles([
    "manifest.json": Data("{}".utf8), "weights.safetensors": Data(count: 2500),
    "plugins/libbrier.so": Data(), "plugins/notes v2.txt": Data(count: 1000),
  ])

  @Test func aPointerReadsBackAsWritten() throws {
    let pointer = try ModelPointer(
      version: ModelPointer.newVersion(), chunkBytes: 1000, files: files, location: "here")
    #expect(try ModelPointer(parsing: pointer.encoded, path: "here") == pointer)
    #expect(pointer.files.map(\.name) == files.files.keys.sorted())
    #expect(pointer.files.map { pointer.chunkCount(of: $0) } == [1, 0, 1, 3])
    #expect(pointer.version.count == 32 && pointer.version != ModelPointer.newVersion())
  }

  @Test func theTextFormatIsTheDocumentedOne() throws {
    let pointer = try ModelPointer(
      version: "v1", chunkBytes: 16, files: ModelFiles(["a": Data(count: 40), "b/c": Data()]),
      location: "here")
    #expect(
      String(decoding: pointer.encoded, as: UTF8.self)
        == "losskit-redis-model 1\nversion v1\nchunk-bytes 16\nfile 40 a\nfile 0 b/c\n")
  }

  @Test(arguments: ["", "/etc/passwd", "../x", "a/../b", "a//b", "./a", "a\nfile 1 b", "tab\there"])
  func fileNamesThatCouldEscapeOrBreakThePointerAreRefused(name: String) {
    #expect(throws: ArchiveError.invalidName(name)) {
      try ModelPointer(
        version: "v", chunkBytes: 16, files: ModelFiles([name: Data()]), location: "")
    }
  }

  @Test(arguments: [
    ("a pickled model", "it is not a LossKit model (a string of 15 bytes: 'a pickled model')"),
    ("losskit-redis-model 1\nversion V\nchunk-bytes 16\n", "lacks a valid 'version'"),
    (
      "losskit-redis-model 1\nversion v\nchunk-bytes 0\n",
      "lacks a valid 'version' or 'chunk-bytes'"
    ),
    ("losskit-redis-model 1\nversion v\nchunk-bytes 16\nfile -1 a\n", "line 4 of its pointer"),
    ("losskit-redis-model 1\nversion v\nchunk-bytes 16\nfile 1 b\nfile 1 a\n", "line 5"),
    ("losskit-redis-model 1\nversion v\nchunk-bytes 16\nfile 1 ../a\n", "line 4"),
    ("losskit-redis-model 1\nversion v\nchunk-bytes 16", "not UTF-8 text ending in a newline"),
    (
      "losskit-redis-model 1\nversion v\nchunk-bytes 1\nfile 9999999 a\n",
      "more than 1048576 chunks"
    ),
  ])
  func valuesThatAreNotPointersAreCorruptSayingWhy(text: String, reason: String) {
    #expect {
      try ModelPointer(parsing: Data(text.utf8), path: "k")
    } throws: { error in
      guard case .corrupt("k", let found) = error as? ArchiveError else { return false }
      return found.contains(reason)
    }
  }

  @Test func aNewerFormatIsUnsupportedNotCorrupt() {
    #expect(
      throws: ArchiveError.unsupportedFormat(
        path: "k", found: "losskit-redis-model 2", supported: "losskit-redis-model 1")
    ) {
      try ModelPointer(parsing: Data("losskit-redis-model 2\nwhatever\n".utf8), path: "k")
    }
  }

  @Test func binaryValuesAreDescribedBySizeOnly() {
    #expect {
      try ModelPointer(parsing: Data([0x80, 0x04, 0x95, 0, 1]), path: "k")
    } throws: { error in
      "\(error)".contains("it is not a LossKit model (a string of 5 bytes)")
    }
  }
}

@Suite struct RedisKeyLayoutTests {
  let layout = RedisKeyLayout(prefix: "skol:classifier:model:")

  @Test func keysFollowTheDocumentedLayout() throws {
    #expect(try layout.pointerKey(for: "focal") == "skol:classifier:model:focal")
    #expect(
      layout.chunkKey(name: "focal", version: "v", file: "plugins/a.so", index: 2)
        == "skol:classifier:model:focal@v/plugins/a.so#2")
    #expect(throws: ArchiveError.invalidName("a@b")) { try layout.pointerKey(for: "a@b") }
  }

  @Test func onlyPointerKeysNameModels() {
    #expect(layout.name(ofPointerKey: "skol:classifier:model:focal") == "focal")
    #expect(layout.name(ofPointerKey: "skol:classifier:model:focal@v/manifest.json#0") == nil)
    #expect(layout.name(ofPointerKey: "other:focal") == nil)
  }

  @Test func theScanPatternEscapesGlobCharacters() {
    #expect(RedisKeyLayout(prefix: "a*b?[c]\\:").scanPattern == "a\\*b\\?\\[c\\]\\\\:*")
  }
}
