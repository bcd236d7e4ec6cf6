import Foundation
import LossKitCore
import LossKitTraining

/// A directory of saved models addressed by name.
///
/// The directory is, in order: the one given, `$LOSSKIT_MODELS`, or `~/.losskit/models`.
/// Writes are atomic; names are validated so they cannot escape the directory.
///
/// ```swift
/// let store = ModelStore()
/// try store.save(classifier, named: "skol-bilstm")
/// let classifier = try store.load(named: "skol-bilstm", registry: .standard)
/// ```
public struct ModelStore: Sendable {
  /// The store's directory.
  public let directory: URL

  /// A store in `directory`, or the default location.
  public init(directory: URL? = nil, environment: [String: String] = ProcessInfo.processInfo.environment) {
    if let directory {
      self.directory = directory
    } else if let path = environment["LOSSKIT_MODELS"], !path.isEmpty {
      self.directory = URL(fileURLWithPath: path)
    } else {
      self.directory = FileManager.default.homeDirectoryForCurrentUser
        .appendingPathComponent(".losskit/models")
    }
  }

  /// Whether `name` is a usable model name: letters, digits, `.`, `_`, `-`, not starting with
  /// `.`, at most 128 characters.
  public static func isValidName(_ name: String) -> Bool {
    !name.isEmpty && name.count <= 128 && !name.hasPrefix(".")
      && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }
  }

  /// The folder of a named model.
  ///
  /// - Throws: ``ArchiveError/invalidName(_:)``.
  public func url(for name: String) throws -> URL {
    guard Self.isValidName(name) else { throw ArchiveError.invalidName(name) }
    return directory.appendingPathComponent(name)
  }

  /// Where a `NAME_OR_PATH` argument points: a value containing `/` is a folder path,
  /// otherwise a name in this store.
  ///
  /// - Throws: ``ArchiveError/invalidName(_:)`` for an unusable name.
  public func location(of nameOrPath: String) throws -> URL {
    nameOrPath.contains("/") ? URL(fileURLWithPath: nameOrPath) : try url(for: nameOrPath)
  }

  /// Saves a classifier under a name, replacing any model of that name atomically.
  ///
  /// - Throws: ``ArchiveError``.
  public func save(
    _ classifier: LineClassifier, named name: String, metrics: [String: [String: Double]] = [:]
  ) throws {
    try SavedModel.save(classifier, to: try url(for: name), metrics: metrics)
  }

  /// Loads a named classifier (see ``SavedModel/load(from:registry:)``).
  ///
  /// - Throws: ``ArchiveError/notFound(name:store:available:)`` listing the stored names.
  public func load(named name: String, registry: LossRegistry?) throws -> LineClassifier {
    let folder = try url(for: name)
    guard FileManager.default.fileExists(atPath: folder.path) else {
      throw ArchiveError.notFound(name: name, store: directory.path, available: list().map(\.name))
    }
    return try SavedModel.load(from: folder, registry: registry)
  }

  /// A stored model's summary.
  public struct Entry: Sendable, Equatable {
    /// Its name.
    public var name: String
    /// Its manifest, or `nil` when unreadable.
    public var manifest: ModelManifest?
    /// Why the manifest could not be read.
    public var problem: String?
  }

  /// Every stored model, sorted by name (temporary folders of interrupted writes skipped).
  public func list() -> [Entry] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
    return names.filter { Self.isValidName($0) }.sorted().compactMap { name in
      let folder = directory.appendingPathComponent(name)
      var isDirectory: ObjCBool = false
      guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory),
        isDirectory.boolValue
      else { return nil }
      do {
        return Entry(name: name, manifest: try SavedModel.manifest(at: folder), problem: nil)
      } catch {
        return Entry(name: name, manifest: nil, problem: "\(error)")
      }
    }
  }

  /// Deletes a named model.
  ///
  /// - Throws: ``ArchiveError/notFound(name:store:available:)``.
  public func delete(named name: String) throws {
    let folder = try url(for: name)
    guard FileManager.default.fileExists(atPath: folder.path) else {
      throw ArchiveError.notFound(name: name, store: directory.path, available: list().map(\.name))
    }
    do {
      try FileManager.default.removeItem(at: folder)
    } catch {
      throw ArchiveError.writeFailed(path: folder.path, reason: error.localizedDescription)
    }
  }
}
