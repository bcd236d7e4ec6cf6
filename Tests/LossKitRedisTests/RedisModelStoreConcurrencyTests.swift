import Foundation
import LossKitArchive
import LossKitRedis
import Synchronization
import Testing

@Suite(.needsRedisServer) struct RedisModelStoreConcurrencyTests {
  // Every store call opens its own connection, so to the server these threads are separate
  // clients, as separate processes would be.
  @Test func concurrentSavesOfOneNameEndWithOneCompleteModelAndNoOrphans() throws {
    let server = try RedisServer()
    var store = try server.store()
    store.chunkBytes = 4096
    let models = (0..<4).map { SampleModels.model(seed: UInt64(20 + $0), weightBytes: 10_000 + $0) }
    let writer = store
    let errors = concurrently(
      models.map { model in
        { for _ in 0..<15 { try writer.write(model, named: "shared") } }
      })
    #expect(errors.isEmpty, "\(errors)")
    let final = try store.read(named: "shared")
    #expect(models.contains(final))
    let chunks = (final["weights.safetensors"]!.count + 4095) / 4096
    #expect(try server.keys().count == 1 + 1 + 1 + chunks)
  }

  @Test func aReaderRacingAWriterAlwaysGetsOneWholeModel() throws {
    let server = try RedisServer()
    var store = try server.store()
    store.chunkBytes = 2048
    let models = [
      SampleModels.model(seed: 30, weightBytes: 9000),
      SampleModels.model(seed: 31, weightBytes: 3000),
    ]
    let done = Atomic(false)
    let reads = Atomic(0)
    let shared = store
    try shared.write(models[0], named: "raced")
    let errors = concurrently([
      {
        defer { done.store(true, ordering: .sequentiallyConsistent) }
        for round in 0..<150 { try shared.write(models[round % 2], named: "raced") }
      },
      {
        while !done.load(ordering: .sequentiallyConsistent) {
          let files = try shared.read(named: "raced")
          #expect(models.contains(files), "a read returned a mixture of two versions")
          reads.add(1, ordering: .relaxed)
        }
      },
    ])
    #expect(errors.isEmpty, "\(errors)")
    #expect(reads.load(ordering: .relaxed) > 10)
  }
}
