import Foundation
import LossKitArchive
import LossKitCore
import LossKitTraining

/// A saved model as a user names it: a name in a store, a folder, a single-file model, or a
/// model in Redis by URL. The command line's `--model`, `--resume` and `inspect`, the C API
/// and the Python package all read `NAME_OR_PATH` this way:
///
/// | text | the model |
/// |---|---|
/// | `skol` (no `/`) | the model of that name in the store (`--store`, `$LOSSKIT_MODELS`) |
/// | `models/skol`, `/tmp/skol` | the folder (its parent is a directory store) |
/// | `./skol.safetensors` | the single-file model (an existing file, not a folder) |
/// | `redis://[[USER]:PASSWORD@]HOST[:PORT][/DB]/NAME` | the model `NAME` in that Redis database |
public enum ModelSource: Sendable, CustomStringConvertible {
  /// A model by name in a store.
  case stored(any ModelStore, name: String)
  /// A single-file model (``SingleFileModel``).
  case file(URL)

  /// Reads what `text` names.
  ///
  /// - Parameters:
  ///   - store: The store a bare name is looked up in (only called for a bare name).
  ///   - redisPrefix: The key prefix for `redis://…/NAME`.
  ///   - expiry: The expiry of models saved through `redis://…/NAME`.
  /// - Throws: ``ArchiveError/invalidName(_:)``, ``RedisError/invalidURL(_:reason:)``, and
  ///   what `store` throws.
  public init(
    _ text: String, store: () throws -> any ModelStore,
    redisPrefix: String = RedisModelStore.defaultPrefix, expiry: Duration? = nil
  ) throws {
    if ModelStores.isRedisURL(text) {
      let (redis, name) = try ModelStores.redisModel(at: text, prefix: redisPrefix, expiry: expiry)
      self = .stored(redis, name: name)
      return
    }
    guard text.contains("/") else {
      guard ModelName.isValid(text) else { throw ArchiveError.invalidName(text) }
      self = .stored(try store(), name: text)
      return
    }
    let url = URL(fileURLWithPath: text).standardizedFileURL
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory),
      !isDirectory.boolValue
    {
      self = .file(url)
      return
    }
    let name = url.lastPathComponent
    guard ModelName.isValid(name) else { throw ArchiveError.invalidName(text) }
    self = .stored(DirectoryStore(directory: url.deletingLastPathComponent()), name: name)
  }

  /// Where the model is, for messages.
  public var description: String {
    switch self {
    case .stored(let store, let name): return "'\(name)' in \(store.location)"
    case .file(let url): return url.path
    }
  }

  /// The source as messages name its files: `STORE/NAME` or the file's path.
  public var path: String {
    switch self {
    case .stored(let store, let name): return "\(store.location)/\(name)"
    case .file(let url): return url.path
    }
  }

  /// The model's files.
  ///
  /// - Throws: The store's errors, or ``ArchiveError/corrupt(path:reason:)`` for a file that
  ///   is not a single-file model.
  public func files() throws -> ModelFiles {
    switch self {
    case .stored(let store, let name): return try store.read(named: name)
    case .file(let url):
      let data: Data
      do {
        data = try Data(contentsOf: url, options: .mappedIfSafe)
      } catch {
        throw ArchiveError.corrupt(
          path: url.path, reason: "it cannot be read (\(error.localizedDescription))")
      }
      return try SingleFileModel.split(data, path: url.path)
    }
  }

  /// The model, rebuilt (see ``SavedModel/decode(_:source:registry:for:)``).
  ///
  /// - Throws: As ``files()`` and decoding.
  public func load(registry: Registry, for purpose: LoadPurpose) throws -> TrainedModel {
    try SavedModel.decode(try files(), source: path, registry: registry, for: purpose)
  }

  /// The model's manifest (a store reads no weights for it).
  ///
  /// - Throws: As ``files()``.
  public func manifest() throws -> ModelManifest {
    switch self {
    case .stored(let store, let name): return try store.manifest(named: name)
    case .file:
      let files = try files()
      return try SavedModel.manifest(
        files[SavedModel.manifestFile]!, path: path + " (its \(SingleFileModel.manifestKey))")
    }
  }
}
