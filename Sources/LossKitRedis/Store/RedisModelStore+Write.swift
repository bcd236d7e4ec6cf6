import Foundation
import LossKitArchive

extension RedisModelStore {
  /// How long the data keys of a save live until the save commits (then they take the
  /// model's expiry): a save killed halfway leaves nothing for longer than this.
  static var stagingExpiry: Duration { .seconds(3600) }
  /// How long a replaced version's keys may outlive the switch, should deleting them fail.
  static var replacedExpiry: Duration { .seconds(60) }
  /// How often a save tries to switch the pointer while concurrent saves keep switching it.
  static var commitAttempts: Int { 32 }

  /// Saves a model's files under `name`, replacing any model of that name atomically.
  ///
  /// Writes the files under a new version's keys, checks that all of them are there, switches
  /// the pointer with `WATCH`/`MULTI`/`EXEC` (retried when another save switched it first),
  /// then deletes the replaced version. On any error before the switch, the keys written are
  /// deleted and the old model stays.
  ///
  /// - Throws: ``ArchiveError/invalidName(_:)`` for the name or a file name,
  ///   ``ArchiveError/writeFailed(path:reason:)``, ``ArchiveError/corrupt(path:reason:)``
  ///   when the name's key holds something that is not a LossKit model (it is left alone),
  ///   or ``RedisError``.
  public func write(_ files: ModelFiles, named name: String) throws {
    let pointerKey = try layout.pointerKey(for: name)
    let pointer = try ModelPointer(
      version: ModelPointer.newVersion(), chunkBytes: chunkBytes, files: files,
      location: describe(pointerKey))
    let keys = layout.dataKeys(name: name, pointer: pointer)
    let connection = try connect()
    // Refuse a key that is not a LossKit model before uploading anything.
    _ = try readPointer(pointerKey, on: connection)
    do {
      try stage(files, as: pointer, named: name, keys: keys, on: connection)
    } catch {
      discard(keys, on: connection)
      throw error
    }
    try commit(pointer, named: name, keys: keys, on: connection)
  }

  /// Writes every chunk with the staging expiry, then renews that expiry on all of them in
  /// one round trip, which fails if any has vanished meanwhile.
  private func stage(
    _ files: ModelFiles, as pointer: ModelPointer, named name: String, keys: [String],
    on connection: RedisConnection
  ) throws {
    for file in pointer.files {
      let data = files[file.name]!
      for index in 0..<pointer.chunkCount(of: file) {
        let lower = data.startIndex + index * pointer.chunkBytes
        let upper = min(lower + pointer.chunkBytes, data.endIndex)
        let key = layout.chunkKey(
          name: name, version: pointer.version, file: file.name, index: index)
        try connection.set(key, data[lower..<upper], expiry: Self.stagingExpiry)
      }
    }
    let renewals = keys.map { RedisCommand.expire($0, after: Self.stagingExpiry) }
    for (reply, renewal) in zip(try connection.pipeline(renewals), renewals) {
      guard try connection.checked(reply, for: renewal) == .integer(1) else {
        throw ArchiveError.writeFailed(
          path: describe(layout.prefix + name),
          reason: "some of the keys this save wrote vanished before it finished (another "
            + "client deleted them, or the server evicts keys: use maxmemory-policy "
            + "noeviction); the old model is unchanged")
      }
    }
  }

  /// Switches the pointer to the staged version and deletes the version it replaced.
  private func commit(
    _ pointer: ModelPointer, named name: String, keys: [String], on connection: RedisConnection
  ) throws {
    let pointerKey = layout.prefix + name
    for _ in 0..<Self.commitAttempts {
      let replaced: [String]
      do {
        replaced =
          try readPointer(pointerKey, on: connection, watching: true)
          .map { layout.dataKeys(name: name, pointer: $0) } ?? []
      } catch {
        discard(keys, on: connection)
        throw error
      }
      var commands = keys.map { RedisCommand.expire($0, after: expiry) }
      commands.append(.set(pointerKey, pointer.encoded, expiry: expiry))
      commands += replaced.map { RedisCommand.expire($0, after: Self.replacedExpiry) }
      let results: [RESPValue]?
      do {
        results = try connection.transaction(commands)
      } catch let error as RedisError {
        if case .serverError = error {
          discard(keys, on: connection)
          throw error
        }
        try settle(after: error, pointer: pointer, pointerKey: pointerKey, keys: keys)
        return
      }
      guard let results else { continue }
      guard results[keys.count] == .simple("OK") else {
        throw connection.unexpected(results[keys.count], for: commands[keys.count])
      }
      _ = try? connection.delete(replaced)
      return
    }
    discard(keys, on: connection)
    throw ArchiveError.writeFailed(
      path: describe(pointerKey),
      reason: "other saves of this name switched it first \(Self.commitAttempts) times in a "
        + "row; save again")
  }

  /// After the connection failed with `EXEC` sent, finds out on a new connection whether the
  /// switch happened: if so the save succeeded (the replaced keys expire shortly); if not,
  /// deletes the staged keys and throws. When the server cannot be asked, the staged keys are
  /// left to their staging expiry.
  private func settle(
    after failure: RedisError, pointer: ModelPointer, pointerKey: String, keys: [String]
  ) throws {
    let connection: RedisConnection
    let current: ModelPointer?
    do {
      connection = try connect()
      current = try readPointer(pointerKey, on: connection)
    } catch {
      throw failure
    }
    guard current?.version == pointer.version else {
      discard(keys, on: connection)
      throw failure
    }
  }
}
