import Foundation
import LossKitArchive

extension RedisModelStore {
  /// The names of every model under the prefix, sorted: keys whose rest is a valid model
  /// name and whose value is a LossKit pointer (data keys and other values are skipped).
  ///
  /// - Throws: ``RedisError``.
  public func names() throws -> [String] { try names(on: try connect()) }

  /// ``names()`` on an open connection.
  func names(on connection: RedisConnection) throws -> [String] {
    let candidates = try connection.scan(matching: layout.scanPattern)
      .filter { layout.name(ofPointerKey: $0) != nil }
    let magic = Data((ModelPointer.magic + " ").utf8)
    var names: [String] = []
    for start in stride(from: 0, to: candidates.count, by: 1000) {
      let keys = candidates[start..<min(start + 1000, candidates.count)]
      let replies = try connection.pipeline(
        keys.map { RedisCommand("GETRANGE", $0, 0, magic.count - 1) })
      for (key, reply) in zip(keys, replies) where reply == .bulk(magic) {
        names.append(String(key.dropFirst(prefix.count)))
      }
    }
    return names.sorted()
  }

  /// Deletes the model called `name`: its pointer and its version's keys, in one transaction.
  ///
  /// - Throws: ``ArchiveError/invalidName(_:)``,
  ///   ``ArchiveError/notFound(name:store:available:)``,
  ///   ``ArchiveError/corrupt(path:reason:)`` when the key is not a LossKit model (it is left
  ///   alone), or ``RedisError``.
  public func remove(named name: String) throws {
    let pointerKey = try layout.pointerKey(for: name)
    let connection = try connect()
    for _ in 0..<Self.commitAttempts {
      guard let pointer = try readPointer(pointerKey, on: connection, watching: true) else {
        throw ArchiveError.notFound(
          name: name, store: location, available: try names(on: connection))
      }
      let keys = [pointerKey] + layout.dataKeys(name: name, pointer: pointer)
      if try connection.transaction([RedisCommand("DEL", arguments: keys)]) != nil { return }
    }
    throw RedisError.modelKeptChanging(key: pointerKey, attempts: Self.commitAttempts)
  }
}
