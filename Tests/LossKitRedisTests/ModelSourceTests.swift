import Foundation
import LossKitArchive
import LossKitRedis
import Testing

/// How names, paths and URLs choose a store and a model (no server needed).
@Suite struct ModelSourceTests {
  func store() throws -> any ModelStore {
    DirectoryStore(directory: URL(fileURLWithPath: "/default"))
  }

  @Test("a bare name is in the given store, a path with '/' is a folder, a file is a single file")
  func namesAndPaths() throws {
    guard case .stored(let named, "skol") = try ModelSource("skol", store: store) else {
      Issue.record("a name is not a stored model")
      return
    }
    #expect(named.location == "/default")
    guard case .stored(let folder, "skol") = try ModelSource("/srv/models/skol", store: store)
    else {
      Issue.record("a path is not a folder")
      return
    }
    #expect(folder.location == "/srv/models")
    let file = FileManager.default.temporaryDirectory.appendingPathComponent(
      "m-\(UUID()).safetensors")
    try Data("x".utf8).write(to: file)
    defer { try? FileManager.default.removeItem(at: file) }
    guard case .file(let url) = try ModelSource(file.path, store: store) else {
      Issue.record("a file is not a single-file model")
      return
    }
    #expect(url.path == file.standardizedFileURL.path)
    #expect(throws: ArchiveError.invalidName("bad name")) {
      try ModelSource("bad name", store: store)
    }
  }

  @Test(
    "redis://HOST:PORT[/DB]/NAME names a model: the last segment is the name",
    arguments: [
      ("redis://10.0.0.5:6380/2/skol", "10.0.0.5", 6380, 2, "skol"),
      ("redis://10.0.0.5/skol", "10.0.0.5", 6379, 0, "skol"),
      ("redis://:p%40ss@h:7000/3/rnn_standard", "h", 7000, 3, "rnn_standard"),
    ])
  func redisModels(url: String, host: String, port: Int, database: Int, name: String) throws {
    let (store, found) = try ModelStores.redisModel(at: url, prefix: "skol:classifier:model:")
    #expect(store.endpoint.host == host && store.endpoint.port == port)
    #expect(store.endpoint.database == database && found == name)
    #expect(store.prefix == "skol:classifier:model:")
    guard case .stored(_, name) = try ModelSource(url, store: { fatalError("not a name") }) else {
      Issue.record("\(url) is not a Redis model")
      return
    }
  }

  @Test(
    "a Redis URL without a name, with extra segments or a bad name is refused",
    arguments: ["redis://h:6379", "redis://h:6379/", "redis://h/0/a/b", "redis://h/0/"])
  func badRedisModels(url: String) throws {
    #expect(throws: RedisError.self) { try ModelStores.redisModel(at: url) }
  }

  @Test("--store and LOSSKIT_MODELS choose Redis for redis:// and a directory otherwise")
  func stores() throws {
    let redis = try ModelStores.store(
      at: nil, redisPrefix: "p:", environment: ["LOSSKIT_MODELS": "redis://127.0.0.1:6390/1"])
    #expect((redis as? RedisModelStore)?.endpoint.database == 1)
    #expect((redis as? RedisModelStore)?.prefix == "p:")
    let directory = try ModelStores.store(at: nil, environment: ["LOSSKIT_MODELS": "/srv/m"])
    #expect((directory as? DirectoryStore)?.directory.path == "/srv/m")
    let given = try ModelStores.store(at: "redis://h:1", environment: ["LOSSKIT_MODELS": "/srv/m"])
    #expect(given is RedisModelStore)
    #expect(throws: ArchiveError.self) {
      try ModelStores.store(at: "/srv/m", expiry: .seconds(5), environment: [:])
    }
    #expect(throws: RedisError.self) { try ModelStores.store(at: "rediss://h", environment: [:]) }
  }
}
