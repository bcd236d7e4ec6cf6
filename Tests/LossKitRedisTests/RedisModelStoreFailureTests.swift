import Foundation
import LossKitArchive
import LossKitRedis
import Testing

@Suite(.needsRedisServer) struct RedisModelStoreFailureTests {
  @Test func aKeyThatIsNotAModelIsACorruptModelOnRead() throws {
    let server = try RedisServer()
    let store = try server.store(prefix: "skol:classifier:model:")
    let connection = try server.connection()
    try connection.set("skol:classifier:model:seed", Data("\u{80}\u{4}pickled keras model".utf8))
    try connection.run(RedisCommand("HSET", "skol:classifier:model:hash", "f", "v"))
    #expect {
      try store.read(named: "seed")
    } throws: { error in
      guard case .corrupt(let path, let reason) = error as? ArchiveError else { return false }
      return path == "redis://127.0.0.1:\(server.port)/0 key 'skol:classifier:model:seed'"
        && reason.contains("it is not a LossKit model (a string of 22 bytes)")
        && reason.contains("delete the key or use another name or key prefix")
    }
    #expect {
      try store.read(named: "hash")
    } throws: { error in
      "\(error)".contains("it is not a LossKit model (it holds a hash)")
    }
  }

  @Test func aSaveNeverOverwritesOrRemovesAKeyThatIsNotAModel() throws {
    let server = try RedisServer()
    let store = try server.store()
    let foreign = Data("someone else's value".utf8)
    try server.connection().set("losskit:model:taken", foreign)
    #expect(throws: ArchiveError.self) {
      try store.write(SampleModels.model(seed: 1), named: "taken")
    }
    #expect(throws: ArchiveError.self) { try store.remove(named: "taken") }
    #expect(try server.connection().get("losskit:model:taken") == foreign)
    #expect(try server.keys() == ["losskit:model:taken"])
  }

  @Test func aSaveTheServerRefusesLeavesTheOldModelAndNothingElse() throws {
    let server = try RedisServer(arguments: [
      "--maxmemory", "8mb", "--maxmemory-policy", "noeviction",
    ])
    var store = try server.store()
    store.chunkBytes = 1 << 20
    let old = SampleModels.model(seed: 2)
    try store.write(old, named: "m")
    let before = try server.keys()
    #expect {
      try store.write(SampleModels.model(seed: 3, weightBytes: 20 << 20), named: "m")
    } throws: { error in
      guard case .serverError(_, "SET", let message) = error as? RedisError else { return false }
      return message.hasPrefix("OOM") && "\(error)".contains("nothing of this save was kept")
    }
    #expect(try store.read(named: "m") == old)
    #expect(try server.keys() == before)
  }

  @Test func aWrongPasswordIsAnAuthenticationFailureForEveryOperation() throws {
    let server = try RedisServer(password: "right")
    let store = try RedisModelStore(url: "redis://:wrong@127.0.0.1:\(server.port)")
    for operation in [{ _ = try store.names() }, { _ = try store.read(named: "m") }] {
      #expect {
        try operation()
      } throws: { error in
        guard case .authenticationFailed = error as? RedisError else { return false }
        return true
      }
    }
    try server.store().write(SampleModels.model(seed: 5), named: "m")
    #expect(try server.store().read(named: "m") == SampleModels.model(seed: 5))
  }

  @Test func aChunkOfTheWrongSizeIsCorrupt() throws {
    let server = try RedisServer()
    var store = try server.store()
    store.chunkBytes = 1000
    try store.write(SampleModels.model(seed: 6, weightBytes: 1500), named: "m")
    let chunk = try #require(try server.keys().first { $0.hasSuffix("weights.safetensors#1") })
    try server.connection().set(chunk, Data(count: 10))
    #expect {
      try store.read(named: "m")
    } throws: { error in
      "\(error)".contains("it holds 10 bytes where the model's pointer says 500")
    }
  }

  @Test func aModelWhoseChunksWereDeletedByHandIsCorruptNotAHang() throws {
    let server = try RedisServer()
    let store = try server.store()
    try store.write(SampleModels.model(seed: 7), named: "m")
    let chunk = try #require(try server.keys().first { $0.hasSuffix("manifest.json#0") })
    try server.connection().delete([chunk])
    #expect {
      try store.read(named: "m")
    } throws: { error in
      "\(error)".contains("some data keys of its version") && "\(error)".contains("save it again")
    }
  }
}

/// Store operations against fake servers and unused ports (no redis-server needed).
@Suite struct RedisModelStoreTransportTests {
  @Test func aConnectionRefusedSaveOrReadNamesTheServer() throws {
    let port = LoopbackListener.freePort()
    let store = try RedisModelStore(url: "redis://127.0.0.1:\(port)")
    let refused = RedisError.connectionRefused(address: "127.0.0.1:\(port)")
    #expect(throws: refused) { try store.write(SampleModels.model(seed: 4), named: "m") }
    #expect(throws: refused) { try store.read(named: "m") }
    #expect(throws: refused) { try store.names() }
  }

  @Test func aServerGoneMidReadIsAClosedConnection() throws {
    let pointer = "losskit-redis-model 1\nversion v1\nchunk-bytes 100\nfile 100 manifest.json\n"
    let server = FakeRedisServer { command, _ in
      switch command.first {
      case "TYPE": return .send("+string\r\n")
      case "GETRANGE": return .send("$\(pointer.utf8.count)\r\n\(pointer)\r\n")
      default: return .sendAndClose("$100\r\n{\"format\":")
      }
    }
    let store = try RedisModelStore(endpoint: server.endpoint)
    #expect(
      throws: RedisError.connectionClosed(
        address: "127.0.0.1:\(server.port)", activity: "reading the reply to GET")
    ) {
      try store.read(named: "m")
    }
  }
}

@Suite(.needsRedisServer) struct RedisModelStoreInterruptedCommitTests {
  @Test func aSaveCutOffBeforeItsSwitchRanLeavesTheOldModelAndNothingElse() throws {
    let server = try RedisServer()
    let old = SampleModels.model(seed: 1)
    try server.store().write(old, named: "m")
    let before = try server.keys()
    let proxy = DroppingProxy(to: server.endpoint, dropping: .beforeExec)
    let store = try RedisModelStore(endpoint: proxy.endpoint)
    #expect(
      throws: RedisError.connectionClosed(
        address: "127.0.0.1:\(proxy.port)", activity: "reading the reply to MULTI")
    ) {
      try store.write(SampleModels.model(seed: 2), named: "m")
    }
    #expect(try server.store().read(named: "m") == old)
    #expect(try server.keys() == before)
  }

  @Test func aSaveCutOffAfterItsSwitchRanSucceedsAndKeepsItsKeys() throws {
    let server = try RedisServer()
    try server.store().write(SampleModels.model(seed: 3), named: "m")
    let before = Set(try server.keys())
    let proxy = DroppingProxy(to: server.endpoint, dropping: .afterExec)
    let new = SampleModels.model(seed: 4)
    try RedisModelStore(endpoint: proxy.endpoint).write(new, named: "m")
    #expect(try server.store().read(named: "m") == new)
    let connection = try server.connection()
    for key in try server.keys() where key != "losskit:model:m" {
      let left = try connection.integer(RedisCommand("PTTL", key))
      // The new version's keys are kept for good, the replaced ones expire within a minute.
      #expect(before.contains(key) ? (1...60_000).contains(left) : left == -1, "\(key): \(left)")
    }
  }
}
