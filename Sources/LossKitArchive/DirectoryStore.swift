import Foundation
import LossKitCore
import LossKitTraining

/// A directory of saved models addressed by name.
///
/// The directory is, in order: the one given, `$LOSSKIT_MODELS`, or `~/.losskit/models`.
/// Writes are atomic; names are validated so they cannot escape the directory.
///
/// ```swift
/// let store = DirectoryStore()
/// try store.save(trained, named: "skol-bilstm")
/// let again = try store.load(named: "skol-bilstm", registry: .standard, for: .inference)
/// ```
public struct DirectoryStore: ModelStore {
  /// The store's directory.
  public let directory: URL

  /// A store in `directory`, or the default location.
  public init(
    directory: URL? = nil, environment: [String: String] = ProcessInfo.processInfo.environment
  ) {
    if let directory {
      self.directory = directory
    } else if let path = environment["LOSSKIT_MODELS"], !path.isEmpty {
      self.directory = URL(fileURLWithPath: path)
    } else {
      self.directory = FileManager.default.homeDirectoryForCurrentUser
        .appendingPathComponent(".losskit/models")
    }
  }

  /// The folder of a named model.
  ///
  /// - Throws: ``ArchiveError/invalidName(_:)``.
  public func url(for name: String) throws -> URL {
    guard ModelName.isValid(name) else { throw ArchiveError.invalidName(name) }
    return directory.appendingPathComponent(name)
  }

  /// Where a `NAME_OR_PATH` argument points: a value containing `/` is a folder path,
  /// otherwise a name in this store.
  ///
  /// - Throws: ``ArchiveError/invalidName(_:)`` for an unusable name.
  public func location(of nameOrPath: String) throws -> URL {
    nameOrPath.contains("/") ? URL(fileURLWithPath: nameOrPath) : try url(for: nameOrPath)
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
    return names.filter { ModelName.isValid($0) }.sorted().compactMap { name in
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

  /// Deletes a named model. The name disappears in one rename, so a reader never sees a
  /// half-deleted model, and a save of the same name waits for the deletion to finish.
  ///
  /// - Throws: ``ArchiveError/notFound(name:store:available:)``, or
  ///   ``ArchiveError/writeFailed(path:reason:)``.
  public func delete(named name: String) throws {
    let folder = try url(for: name)
    guard try AtomicFolder.remove(folder) else {
      throw ArchiveError.notFound(name: name, store: directory.path, available: list().map(\.name))
    }
  }

  /// The store's directory path.
  public var location: String { directory.path }

  /// Writes the files into the model's folder atomically.
  ///
  /// - Throws: ``ArchiveError/invalidName(_:)`` or ``ArchiveError/writeFailed(path:reason:)``.
  public func write(_ files: ModelFiles, named name: String) throws {
    try Self.write(files, to: try url(for: name))
  }

  /// Writes files into a folder atomically (see ``write(_:named:)``): readers see the previous
  /// model until the new one is complete and on disk, a failure at any step leaves the previous
  /// one in place, and concurrent saves of one folder take turns (see `AtomicFolder`).
  ///
  /// - Throws: ``ArchiveError/invalidName(_:)`` for a file name that would leave the folder,
  ///   or ``ArchiveError/writeFailed(path:reason:)``.
  public static func write(_ files: ModelFiles, to folder: URL) throws {
    try write(files, to: folder, swap: .atomic, failingAt: nil)
  }

  /// ``write(_:to:)`` with the swap method chosen and a failure injected at one step (tests).
  static func write(
    _ files: ModelFiles, to folder: URL, swap: AtomicFolder.Swap, failingAt step: AtomicFolder.Step?
  ) throws {
    for name in files.files.keys where !Self.isPlainRelativePath(name) {
      throw ArchiveError.invalidName(name)
    }
    try AtomicFolder.write(to: folder, swap: swap, failingAt: step) { temporary in
      for (name, data) in files.files {
        let url = temporary.appendingPathComponent(name)
        try FileManager.default.createDirectory(
          at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: url)
      }
    }
  }

  /// Reads every file of a named model.
  ///
  /// - Throws: ``ArchiveError/notFound(name:store:available:)`` listing the stored names.
  public func read(named name: String) throws -> ModelFiles {
    let folder = try url(for: name)
    guard AtomicFolder.recoverIfMissing(folder) else {
      throw ArchiveError.notFound(name: name, store: location, available: try names())
    }
    return try Self.read(folder: folder)
  }

  /// Reads every file under a folder, by relative path, as one snapshot: if another process
  /// replaces the folder meanwhile, the files still all come from one save.
  ///
  /// - Throws: ``ArchiveError/missingFile(path:)`` or ``ArchiveError/corrupt(path:reason:)``
  ///   (for an unreadable file, or a symbolic link: a model holds plain files only).
  public static func read(folder: URL) throws -> ModelFiles {
    try FolderSnapshot.read(folder)
  }

  /// One file of a named model, read without the others.
  ///
  /// - Throws: ``ArchiveError/notFound(name:store:available:)`` or
  ///   ``ArchiveError/missingFile(path:)``.
  public func readFile(_ file: String, of name: String) throws -> Data {
    let folder = try url(for: name)
    guard FileManager.default.fileExists(atPath: folder.path) else {
      throw ArchiveError.notFound(name: name, store: location, available: try names())
    }
    guard Self.isPlainRelativePath(file),
      let data = FileManager.default.contents(atPath: folder.appendingPathComponent(file).path)
    else {
      throw ArchiveError.missingFile(path: folder.appendingPathComponent(file).path)
    }
    return data
  }

  /// The names of the stored models.
  public func names() throws -> [String] { list().map(\.name) }

  /// Deletes a named model (see ``delete(named:)``).
  public func remove(named name: String) throws { try delete(named: name) }

  /// Whether a file name inside a model is relative, without `..`, `.` or empty components
  /// (so it names a file inside the model's folder), and free of NUL and backslash.
  package static func isPlainRelativePath(_ name: String) -> Bool {
    let parts = name.split(separator: "/", omittingEmptySubsequences: false)
    return !name.hasPrefix("/") && !name.contains("\0") && !name.contains("\\")
      && parts.allSatisfy { !$0.isEmpty && $0 != "." && $0 != ".." }
  }

  /// Whether `name` is a plain file name that can only name a file directly inside a model's
  /// folder: one path component (no `/` or `\`), not `.` or `..`, not hidden (no leading `.`),
  /// without NUL, at most 255 bytes. What a manifest says its weights file is called
  /// (`weightsFile`) must pass, or `../../x` would read outside the folder.
  package static func isPlainFileName(_ name: String) -> Bool {
    !name.isEmpty && name.utf8.count <= 255 && !name.hasPrefix(".")
      && !name.contains { $0 == "/" || $0 == "\\" || $0 == "\0" }
  }
}
