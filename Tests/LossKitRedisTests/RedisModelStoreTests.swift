import Foundation
import LossKitArchive
import LossKitRedis
import Testing

@Suite(.needsRedisServer) struct RedisModelStoreTests {
  @Test func aSavedModelReadsBackByteForByte() throws {
    let server = try RedisServer()
    let store = try server.store()
    let model = SampleModels.model(seed: 1)
    try store.write(model, named: "focal")
    #expect(try store.read(named: "focal") == model)
  }

  @Test func aFiftyMegabyteFileRoundTripsInChunks() throws {
    let server = try RedisServer()
    let store = try server.store()
    let model = SampleModels.model(seed: 2, weightBytes: 50_000_000)
    try store.write(model, named: "big")
    #expect(try store.read(named: "big") == model)
    let chunks = try server.keys().filter { $0.contains("weights.safetensors#") }
    #expect(chunks.count == 3)  // 50 MB in 16 MiB chunks
  }

  @Test func theKeysAreThePointerAndTheChunksOfOneVersion() throws {
    let server = try RedisServer()
    var store = try server.store(prefix: "skol:classifier:model:")
    store.chunkBytes = 1000
    try store.write(SampleModels.model(seed: 3, weightBytes: 2500), named: "focal")
    let pointer = try #require(try server.connection().get("skol:classifier:model:focal"))
    let lines = String(decoding: pointer, as: UTF8.self).split(separator: "\n")
    #expect(lines.first == "losskit-redis-model 1")
    let version = try #require(lines.dropFirst().first?.split(separator: " ").last)
    let data = "skol:classifier:model:focal@\(version)/"
    #expect(
      try server.keys() == [
        "skol:classifier:model:focal", data + "manifest.json#0", data + "plugins/libbrier.so#0",
        data + "weights.safetensors#0", data + "weights.safetensors#1",
        data + "weights.safetensors#2",
      ])
    #expect(
      try server.connection().integer(RedisCommand("TTL", "skol:classifier:model:focal")) == -1)
    #expect(try server.connection().integer(RedisCommand("TTL", data + "manifest.json#0")) == -1)
  }

  @Test func aReplacementLeavesOnlyTheNewVersion() throws {
    let server = try RedisServer()
    var store = try server.store()
    store.chunkBytes = 1000
    try store.write(SampleModels.model(seed: 4), named: "m")
    let first = try server.keys()
    try store.write(SampleModels.model(seed: 5, weightBytes: 5000), named: "m")
    #expect(try store.read(named: "m") == SampleModels.model(seed: 5, weightBytes: 5000))
    let second = try server.keys()
    #expect(second.count == 1 + 1 + 1 + 5)
    #expect(Set(first).intersection(second) == ["losskit:model:m"])
  }

  @Test func namesListsModelsOnlySorted() throws {
    let server = try RedisServer()
    let store = try server.store()
    for name in ["zeta", "alpha", "m.v2_final-1"] {
      try store.write(SampleModels.model(seed: 6), named: name)
    }
    let connection = try server.connection()
    try connection.set("losskit:model:pickled", Data("not a model".utf8))
    try connection.run(RedisCommand("RPUSH", "losskit:model:list", "x"))
    try connection.set("other:model", Data("losskit-redis-model 1\n".utf8))
    #expect(try store.names() == ["alpha", "m.v2_final-1", "zeta"])
    #expect(try server.store(prefix: "other:").names() == ["model"])
    #expect(try server.store(prefix: "nothing:").names() == [])
  }

  @Test func aStoreOnAnotherDatabaseOrPrefixSeesNothingOfThisOne() throws {
    let server = try RedisServer()
    try server.store().write(SampleModels.model(seed: 7), named: "m")
    let elsewhere = try RedisModelStore(url: server.url(database: 1))
    #expect(try elsewhere.names() == [])
    #expect(try server.store(prefix: "skol:classifier:model:").names() == [])
  }

  @Test func removeDeletesEveryKeyOfTheModel() throws {
    let server = try RedisServer()
    let store = try server.store()
    try store.write(SampleModels.model(seed: 8), named: "gone")
    try store.write(SampleModels.model(seed: 9), named: "kept")
    try store.remove(named: "gone")
    #expect(try store.names() == ["kept"])
    #expect(try server.keys().allSatisfy { $0.hasPrefix("losskit:model:kept") })
    #expect(throws: ArchiveError.notFound(name: "gone", store: store.location, available: ["kept"]))
    {
      try store.remove(named: "gone")
    }
  }

  @Test func aMissingModelIsNotFoundListingTheStoredOnes() throws {
    let server = try RedisServer()
    let store = try server.store()
    try store.write(SampleModels.model(seed: 10), named: "a")
    #expect(throws: ArchiveError.notFound(name: "b", store: store.location, available: ["a"])) {
      try store.read(named: "b")
    }
    #expect(store.location == "redis://127.0.0.1:\(server.port)/0, key prefix 'losskit:model:'")
  }

  @Test func aModelWithExpiryVanishesWhole() throws {
    let server = try RedisServer()
    let store = try server.store(expiry: .milliseconds(800))
    try store.write(SampleModels.model(seed: 11), named: "brief")
    #expect(try store.read(named: "brief") == SampleModels.model(seed: 11))
    let connection = try server.connection()
    for key in try server.keys() {
      let left = try connection.integer(RedisCommand("PTTL", key))
      #expect((1...800).contains(left), "\(key) expires in \(left) ms")
    }
    Thread.sleep(forTimeInterval: 1)
    #expect(throws: ArchiveError.notFound(name: "brief", store: store.location, available: [])) {
      try store.read(named: "brief")
    }
    #expect(try server.keys() == [])
  }

  @Test func aNonPositiveExpiryIsRefused() {
    #expect(throws: RedisError.invalidExpiry(seconds: 0)) {
      try RedisModelStore(url: "redis://h", expiry: .zero)
    }
  }

  @Test func invalidNamesAreRefusedBeforeConnecting() throws {
    let store = try RedisModelStore(endpoint: RedisEndpoint(host: "127.0.0.1", port: 1))
    for name in ["", "a/b", "a@b", ".hidden", "a b"] {
      #expect(throws: ArchiveError.invalidName(name)) { try store.read(named: name) }
      #expect(throws: ArchiveError.invalidName(name)) { try store.write(ModelFiles(), named: name) }
      #expect(throws: ArchiveError.invalidName(name)) { try store.remove(named: name) }
    }
  }

  @Test func anEmptyModelAndEmptyFilesRoundTrip() throws {
    let server = try RedisServer()
    let store = try server.store()
    try store.write(ModelFiles(), named: "empty")
    #expect(try store.read(named: "empty") == ModelFiles())
    let withEmptyFile = ModelFiles(["manifest.json": Data()])
    try store.write(withEmptyFile, named: "empty")
    #expect(try store.read(named: "empty") == withEmptyFile)
    #expect(try server.keys() == ["losskit:model:empty"])
  }
}

@Suite(.needsRedisServer) struct RedisModelStoreFileTests {
  @Test func readFileReadsOneFileAndNamesAMissingOne() throws {
    let server = try RedisServer()
    let store = try server.store()
    let model = SampleModels.model(seed: 8, weightBytes: 40_000)
    try store.write(model, named: "m")
    #expect(try store.readFile("manifest.json", of: "m") == model["manifest.json"])
    #expect(try store.readFile("weights.safetensors", of: "m") == model["weights.safetensors"])
    #expect(throws: ArchiveError.self) { try store.readFile("nothing.json", of: "m") }
    #expect(throws: ArchiveError.self) { try store.readFile("manifest.json", of: "absent") }
  }
}
