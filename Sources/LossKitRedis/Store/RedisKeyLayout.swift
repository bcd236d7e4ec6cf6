import LossKitArchive

/// Where a model's keys are, under a prefix `P` (`losskit:model:` by default):
///
/// ```
/// P{name}                      the pointer: which version is current (``ModelPointer``)
/// P{name}@{version}/{file}#{i} chunk i of a file of that version (bytes i·C ..< (i+1)·C)
/// ```
///
/// Model names cannot contain `@` or `/` (``ModelName/isValid(_:)``), so a pointer key is
/// never mistaken for a data key, and `P*` keys whose rest is a valid name are the pointers.
struct RedisKeyLayout: Sendable, Equatable {
  /// The prefix of every key.
  let prefix: String

  /// The pointer key of a model.
  ///
  /// - Throws: ``ArchiveError/invalidName(_:)``.
  func pointerKey(for name: String) throws -> String {
    guard ModelName.isValid(name) else { throw ArchiveError.invalidName(name) }
    return prefix + name
  }

  /// The key of chunk `index` of `file` in a version of a model.
  func chunkKey(name: String, version: String, file: String, index: Int) -> String {
    "\(prefix)\(name)@\(version)/\(file)#\(index)"
  }

  /// Every data key of the version a pointer names, file by file, chunk by chunk.
  func dataKeys(name: String, pointer: ModelPointer) -> [String] {
    pointer.files.flatMap { file in
      (0..<pointer.chunkCount(of: file)).map {
        chunkKey(name: name, version: pointer.version, file: file.name, index: $0)
      }
    }
  }

  /// The model name of a key, when it is a pointer key under this prefix.
  func name(ofPointerKey key: String) -> String? {
    guard key.hasPrefix(prefix) else { return nil }
    let name = String(key.dropFirst(prefix.count))
    return ModelName.isValid(name) ? name : nil
  }

  /// A `SCAN MATCH` pattern for every key under the prefix (its glob characters escaped).
  var scanPattern: String {
    prefix.reduce(into: "") { pattern, character in
      if "*?[]\\".contains(character) { pattern.append("\\") }
      pattern.append(character)
    } + "*"
  }
}
