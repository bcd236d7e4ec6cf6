import Foundation
import LossKitArchive

extension RedisModelStore {
  /// How often a read starts again after finding that the version it was reading is gone.
  static var readAttempts: Int { 16 }
  /// How often a read may find the same pointer with a data key missing before it calls the
  /// model damaged (the pointer of an expiring model goes within a millisecond).
  static var stalePointerAttempts: Int { 3 }

  /// The files of the model called `name`.
  ///
  /// Reads the pointer, then the chunks of the version it names. A chunk that is gone means
  /// a newer save replaced that version (or the model expired): the read starts again from
  /// the pointer, so it never returns a mixture of two versions.
  ///
  /// - Throws: ``ArchiveError/invalidName(_:)``,
  ///   ``ArchiveError/notFound(name:store:available:)`` listing the stored names,
  ///   ``ArchiveError/corrupt(path:reason:)`` for a key that is not a LossKit model or a
  ///   model with missing or wrong-sized chunks,
  ///   ``ArchiveError/unsupportedFormat(path:found:supported:)``,
  ///   ``RedisError/modelKeptChanging(key:attempts:)``, or another ``RedisError``.
  public func read(named name: String) throws -> ModelFiles {
    try read(named: name, only: nil)
  }

  /// One file of the model called `name`, reading only that file's chunks (a manifest, to
  /// list or inspect a model without its weights).
  ///
  /// - Throws: As ``read(named:)``, and ``ArchiveError/missingFile(path:)`` when the model
  ///   has no such file.
  public func readFile(_ file: String, of name: String) throws -> Data {
    guard let data = try read(named: name, only: file)[file] else {
      throw ArchiveError.missingFile(path: "\(describe(layout.prefix + name)) file '\(file)'")
    }
    return data
  }

  /// The files of a model, or only the file called `only`.
  private func read(named name: String, only: String?) throws -> ModelFiles {
    let pointerKey = try layout.pointerKey(for: name)
    let connection = try connect()
    var previous: ModelPointer?
    var stale = 0
    for _ in 0..<Self.readAttempts {
      guard let pointer = try readPointer(pointerKey, on: connection) else {
        throw ArchiveError.notFound(
          name: name, store: location, available: try names(on: connection))
      }
      if let files = try readFiles(of: pointer, named: name, only: only, on: connection) {
        return files
      }
      stale = pointer == previous ? stale + 1 : 0
      guard stale < Self.stalePointerAttempts else {
        throw ArchiveError.corrupt(
          path: describe(pointerKey),
          reason: "some data keys of its version \(pointer.version) are missing (deleted by "
            + "another client, or evicted: use maxmemory-policy noeviction); save it again")
      }
      if stale > 0 { Thread.sleep(forTimeInterval: 0.001 * Double(1 << stale)) }
      previous = pointer
    }
    throw RedisError.modelKeptChanging(key: pointerKey, attempts: Self.readAttempts)
  }

  /// The files of the version `pointer` names (or its file `only`), or `nil` when one of
  /// their chunks is gone.
  private func readFiles(
    of pointer: ModelPointer, named name: String, only: String?, on connection: RedisConnection
  ) throws -> ModelFiles? {
    guard pointer.chunkBytes <= options.maxBulkBytes else {
      throw ArchiveError.corrupt(
        path: describe(layout.prefix + name),
        reason: "its chunks of \(pointer.chunkBytes) bytes are larger than this client accepts "
          + "(RedisConnectionOptions.maxBulkBytes, \(options.maxBulkBytes))")
    }
    var files = ModelFiles()
    for file in pointer.files where only == nil || file.name == only {
      var data = Data()
      for index in 0..<pointer.chunkCount(of: file) {
        let key = layout.chunkKey(
          name: name, version: pointer.version, file: file.name, index: index)
        guard let chunk = try connection.get(key) else { return nil }
        let expected = min(pointer.chunkBytes, file.byteCount - index * pointer.chunkBytes)
        guard chunk.count == expected else {
          throw ArchiveError.corrupt(
            path: describe(key),
            reason: "it holds \(chunk.count) bytes where the model's pointer says \(expected); "
              + "save the model again")
        }
        if index == 0 {
          data = chunk
          data.reserveCapacity(min(file.byteCount, 1 << 30))
        } else {
          data.append(chunk)
        }
      }
      files[file.name] = data
    }
    return files
  }
}
