import Foundation

/// The files of one saved model by file name (`manifest.json`, `weights.safetensors`, and
/// any `plugins/…`): exactly what a ``ModelStore`` keeps, byte for byte.
public struct ModelFiles: Sendable, Equatable {
  /// The contents of each file, by its path inside the model (`manifest.json`,
  /// `plugins/libbrier.so`).
  public var files: [String: Data]

  /// Creates a set of files.
  public init(_ files: [String: Data] = [:]) { self.files = files }

  /// The contents of one file, or `nil`.
  public subscript(name: String) -> Data? {
    get { files[name] }
    set { files[name] = newValue }
  }

  /// The total number of bytes.
  public var byteCount: Int { files.values.reduce(0) { $0 + $1.count } }
}

/// A place that keeps saved models by name: a directory (``DirectoryStore``, the default) or
/// a server such as Redis (the `LossKitRedis` product).
///
/// Every store promises the same to its readers: a save is atomic (a reader sees the old
/// complete model or the new complete one, never a mixture), a failed save leaves the old
/// model in place, and two concurrent saves of one name end with one complete model.
public protocol ModelStore: Sendable {
  /// Where the store is, for messages: a directory path or a `redis://` URL.
  var location: String { get }

  /// Saves a model's files under `name`, replacing any model of that name atomically.
  ///
  /// - Throws: ``ArchiveError/invalidName(_:)`` or ``ArchiveError/writeFailed(path:reason:)``;
  ///   on any error the previous model of that name is unchanged.
  func write(_ files: ModelFiles, named name: String) throws

  /// The files of the model called `name`.
  ///
  /// - Throws: ``ArchiveError/notFound(name:store:available:)`` listing the stored names, or
  ///   ``ArchiveError/corrupt(path:reason:)`` when what is stored is not a LossKit model.
  func read(named name: String) throws -> ModelFiles

  /// One file of the model called `name` (a manifest, to list or inspect it without reading
  /// the weights). The default reads every file and picks one.
  ///
  /// - Throws: ``ArchiveError/notFound(name:store:available:)`` or
  ///   ``ArchiveError/missingFile(path:)``.
  func readFile(_ file: String, of name: String) throws -> Data

  /// The names of every stored model, sorted (interrupted saves are never listed).
  ///
  /// - Throws: ``ArchiveError`` when the store cannot be read.
  func names() throws -> [String]

  /// Deletes the model called `name`.
  ///
  /// - Throws: ``ArchiveError/notFound(name:store:available:)``.
  func remove(named name: String) throws
}

extension ModelStore {
  /// Reads every file and returns one.
  public func readFile(_ file: String, of name: String) throws -> Data {
    guard let data = try read(named: name)[file] else {
      throw ArchiveError.missingFile(path: "\(location)/\(name)/\(file)")
    }
    return data
  }
}

/// The rule every store applies to model names.
public enum ModelName {
  /// Whether `name` is a usable model name in any store: letters, digits, `.`, `_`, `-`, not
  /// starting with `.`, at most 128 characters (so a name can never escape a directory or a
  /// key prefix).
  public static func isValid(_ name: String) -> Bool {
    !name.isEmpty && name.count <= 128 && !name.hasPrefix(".")
      && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }
  }
}
