import Foundation
import LossKit
import LossKitRedis
import LossKitTesting
import Testing

/// The `losskit` command line against `--store redis://…`: every command that takes a store,
/// the seed's key layout, expiry, `compare --save`, and the errors users meet.
@Suite(
  .needsRedisServer,
  .enabled(
    if: FileManager.default.fileExists(atPath: ProcessRunner.builtProgram("losskit").path),
    "skipped: the losskit executable is not built"))
struct CommandLineStoreTests {
  static var executable: URL { ProcessRunner.builtProgram("losskit") }

  func run(_ arguments: [String]) throws -> (String, Int32) {
    try ProcessRunner.run(Self.executable, arguments)
  }

  /// Synthetic `.ann` pages in a new folder.
  func pages(_ count: Int, seed: UInt64) throws -> String {
    let folder = FileManager.default.temporaryDirectory
      .appendingPathComponent("losskit-cli-redis-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    for (index, page) in SyntheticPages(pages: count, linesPerPage: 60, seed: seed).documents()
      .enumerated()
    {
      let text = page.lines.map { "[@\($0.text)#\($0.rawLabel)*]" }.joined(separator: "\n")
      try text.write(
        to: folder.appendingPathComponent("p\(index).ann"), atomically: true, encoding: .utf8)
    }
    return folder.path
  }

  static let small = [
    "--model", "logistic", "--epochs", "1", "--buckets", "1024", "--quiet",
  ]

  @Test("train --save, models, inspect, evaluate, predict and export work against Redis")
  func everyCommand() throws {
    let server = try RedisServer()
    let url = server.url()
    let data = try pages(3, seed: 1)
    var (output, status) = try run(
      ["train", "--data", data, "--save", "focal", "--store", url, "--loss", "focal"] + Self.small)
    #expect(status == 0, "\(output)")
    (output, status) = try run(["models", "--store", url])
    #expect(status == 0 && output.hasPrefix("focal\tlogistic\tfocal"), "\(output)")
    (output, status) = try run(["inspect", "focal", "--store", url])
    #expect(status == 0 && output.contains("Model: logistic"), "\(output)")
    let (viaStore, _) = try run(["predict", "--model", "focal", "--store", url, "--data", data])
    let (viaURL, _) = try run(["predict", "--model", "\(url)/focal", "--data", data])
    let rows = try LoadedData.load([data]).rowCount
    #expect(viaStore == viaURL && viaStore.split(separator: "\n").count == rows && rows > 0)
    (output, status) = try run(["evaluate", "--model", "\(url)/focal", "--data", data, "--json"])
    #expect(status == 0 && output.contains("macro_f1"), "\(output)")
    (output, status) = try run(["export", "\(url)/focal", "\(url)/focal-small"])
    #expect(status == 0 && output.contains("Exported"), "\(output)")
    let (exported, _) = try run(["predict", "--model", "\(url)/focal-small", "--data", data])
    #expect(exported == viaStore)
    let manifest = try server.store().manifest(named: "focal-small")
    #expect(manifest.optimizer == nil && !manifest.training.hasLastWeights)
    (output, status) = try run(["train", "--resume", "\(url)/focal-small", "--data", data])
    #expect(status != 0 && output.contains("inference-only export"), "\(output)")
  }

  @Test("--prefix keeps the seed's skol:classifier:model: keys; --expiry sets a TTL")
  func prefixAndExpiry() throws {
    let server = try RedisServer()
    let data = try pages(2, seed: 2)
    let (output, status) = try run(
      [
        "train", "--data", data, "--save", "rnn_standard", "--store", server.url(), "--prefix",
        "skol:classifier:model:", "--expiry", "600",
      ] + Self.small)
    #expect(status == 0, "\(output)")
    #expect(try server.keys().contains("skol:classifier:model:rnn_standard"))
    let ttl = try server.connection().integer(
      RedisCommand("TTL", "skol:classifier:model:rnn_standard"))
    #expect((590...600).contains(ttl))
    let (listed, _) = try run(
      ["models", "--store", server.url(), "--prefix", "skol:classifier:model:"])
    #expect(listed.hasPrefix("rnn_standard\t"))
    let (other, _) = try run(["models", "--store", server.url()])
    #expect(other.hasPrefix("No models in"), "\(other)")
  }

  @Test("compare --save saves each loss's model under its own name")
  func compareSavesEveryLoss() throws {
    let server = try RedisServer()
    let data = try pages(3, seed: 3)
    let test = try pages(1, seed: 4)
    let (output, status) = try run(
      [
        "compare", "--data", data, "--test", test, "--losses",
        "standard,weighted,0.5*focal+0.5*weighted",
        "--save", "rnn", "--store", server.url(), "--report",
        FileManager.default.temporaryDirectory.appendingPathComponent("r-\(UUID()).html").path,
      ]
        + Self.small)
    #expect(status == 0, "\(output)")
    #expect(
      try server.store().names() == ["rnn-0.5_focal_0.5_weighted", "rnn-standard", "rnn-weighted"])
    let manifest = try server.store().manifest(named: "rnn-weighted")
    #expect(manifest.loss?.name == "weighted-cross-entropy" && manifest.metrics["test"] != nil)
  }

  @Test("a refused connection, a wrong password and a key that is not a model are one-line errors")
  func errors() throws {
    let server = try RedisServer(password: "secret")
    let data = try pages(1, seed: 5)
    var (output, status) = try run(
      ["predict", "--model", "redis://127.0.0.1:1/0/m", "--data", data])
    #expect(status != 0 && output.contains("connection refused"), "\(output)")
    (output, status) = try run(["models", "--store", "redis://:wrong@127.0.0.1:\(server.port)"])
    #expect(status != 0 && output.contains("rejected the credentials"), "\(output)")
    (output, status) = try run(["models", "--store", "redis://127.0.0.1:\(server.port)"])
    #expect(status != 0 && output.contains("needs a password"), "\(output)")
    try server.connection().set("losskit:model:pickled", Data("keras".utf8))
    (output, status) = try run(["inspect", "pickled", "--store", server.url()])
    #expect(status != 0 && output.contains("is not a LossKit model"), "\(output)")
    (output, status) = try run(
      ["train", "--data", data, "--save", "pickled", "--store", server.url()] + Self.small)
    #expect(status != 0 && output.contains("not a LossKit model"), "\(output)")
    #expect(try server.connection().get("losskit:model:pickled") == Data("keras".utf8))
    (output, status) = try run(["models", "--store", "/tmp/x", "--expiry", "5"])
    #expect(status != 0 && output.contains("needs a Redis store"), "\(output)")
  }
}
