import Foundation
import LossKitCore

/// Recording, bundling and finding again the libraries behind native and foreign losses.
///
/// What a saved-model writer and reader call:
///
/// ```swift
/// // Saving: record where each library-defined loss came from; optionally bundle the files.
/// let recorded = LossLibraries.provenances(of: loss)          // [name: LossProvenance]
/// try LossLibraries.bundle(loss, into: folder.appendingPathComponent("plugins"))
///
/// // Loading for training: find the same files again and register their losses.
/// let folders = LossLibraries.searchFolders(savedModel: folder)
/// try LossLibraries.resolve(recorded, searching: folders, into: &registry)
/// ```
public enum LossLibraries {
  /// The environment variable listing folders (separated by `:`) searched for libraries.
  public static let pathVariable = "LOSSKIT_PLUGIN_PATH"

  /// The folders searched for a saved model's libraries, in order: `plugins/` inside the
  /// saved model (when given), then each folder on `LOSSKIT_PLUGIN_PATH`.
  ///
  /// - Parameters:
  ///   - savedModel: The saved model's folder, or `nil` (a model from a store without one).
  ///   - environment: The environment to read `LOSSKIT_PLUGIN_PATH` from.
  public static func searchFolders(
    savedModel: URL?, environment: [String: String] = ProcessInfo.processInfo.environment
  ) -> [URL] {
    let bundled = savedModel.map { [$0.appendingPathComponent("plugins", isDirectory: true)] }
    let listed = (environment[pathVariable] ?? "").split(separator: ":").map {
      URL(fileURLWithPath: SharedLibrary.absolutePath(String($0)), isDirectory: true)
    }
    return (bundled ?? []) + listed
  }

  /// The provenance of every library-defined loss in a loss tree, by loss name.
  public static func provenances(of loss: any Loss) -> [String: LossProvenance] {
    sources(of: loss).mapValues(\.provenance)
  }

  /// Finds the library with this file name and SHA-256 in the first folder that has it.
  ///
  /// - Parameters:
  ///   - fileName: The recorded file name; a name with a folder in it is refused (it comes
  ///     from a file that may have been edited).
  ///   - sha256: The recorded digest.
  ///   - folders: The folders to look in, in order.
  /// - Returns: The library's absolute path.
  /// - Throws: ``LibrarySearchError/hashMismatch(file:expected:found:)`` when only files with
  ///   other contents carry the name, ``LibrarySearchError/notFound(file:searched:)`` listing
  ///   the folders when none does.
  public static func locate(fileName: String, sha256: String, in folders: [URL]) throws -> String {
    try checkFileName(fileName, loss: fileName)
    var mismatch: (path: String, digest: String)?
    for folder in folders {
      let path = folder.appendingPathComponent(fileName).path
      var isDirectory: ObjCBool = false
      guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory),
        !isDirectory.boolValue, let digest = try? SHA256Digest(contentsOfFile: path).hex
      else { continue }
      if digest == sha256 { return path }
      if mismatch == nil { mismatch = (path, digest) }
    }
    if let mismatch {
      throw LibrarySearchError.hashMismatch(
        file: mismatch.path, expected: sha256, found: mismatch.digest)
    }
    throw LibrarySearchError.notFound(file: fileName, searched: folders.map(\.path))
  }

  /// Makes every recorded loss known to `registry`, from the same library it was saved with.
  ///
  /// For each loss, in name order: when the registry already has it (a library loaded with
  /// `--plugin`/`--foreign` or in code), a library-defined loss must come from a file with the
  /// recorded SHA-256 (a Swift type registered under the name is accepted as the user's
  /// choice); otherwise the library is found with ``locate(fileName:sha256:in:)``, opened
  /// (its digest checked again, as opened) and the loss registered from it.
  ///
  /// - Returns: The absolute paths of the libraries opened.
  /// - Throws: ``LibrarySearchError`` naming the file, the hashes or the folders searched;
  ///   ``NativePluginError`` or ``ForeignLossError`` when a found library fails to load.
  @discardableResult
  public static func resolve(
    _ recorded: [String: LossProvenance], searching folders: [URL],
    into registry: inout LossRegistry
  ) throws -> [String] {
    var opened: [String] = []
    for (name, provenance) in recorded.sorted(by: { $0.key < $1.key }) {
      guard provenance.sha256.count == 64, provenance.sha256.allSatisfy(\.isHexDigit) else {
        throw LibrarySearchError.invalidProvenance(
          loss: name, reason: "sha256 '\(provenance.sha256)' is not 64 hexadecimal digits")
      }
      if registry.entry(named: name) != nil {
        try checkLoaded(name, provenance, registry)
        continue
      }
      try checkFileName(provenance.library, loss: name)
      let path = try locate(fileName: provenance.library, sha256: provenance.sha256, in: folders)
      func checkOpened(_ actual: String) throws {
        guard actual == provenance.sha256 else {
          throw LibrarySearchError.hashMismatch(
            file: path, expected: provenance.sha256, found: actual)
        }
      }
      let provided: [String]
      switch provenance.kind {
      case .plugin:
        let library = try NativeLossPlugin.open(path: path)
        try checkOpened(library.provenance.sha256)
        let wanted = Set(recorded.filter { $0.value == provenance }.keys)
        try library.register(
          into: &registry, only: wanted.filter { registry.entry(named: $0) == nil })
        provided = library.lossNames
      case .foreign:
        guard let declaration = provenance.declaration else {
          throw LibrarySearchError.invalidProvenance(
            loss: name, reason: "a foreign loss needs its declaration")
        }
        let function = try ForeignLoss.open(declaration: declaration, library: path)
        try checkOpened(function.provenance.sha256)
        provided = [function.declaration.symbol]
        if provided == [name] { try ForeignLoss.register(function, into: &registry) }
      }
      guard registry.entry(named: name) != nil else {
        throw LibrarySearchError.lossNotProvided(loss: name, library: path, provided: provided)
      }
      opened.append(path)
    }
    return opened
  }

  /// A registered loss must come from the recorded library contents.
  private static func checkLoaded(
    _ name: String, _ provenance: LossProvenance, _ registry: LossRegistry
  ) throws {
    guard let loaded = (try? registry.makeLoss(named: name)) as? any LibraryLoss,
      let actual = loaded.provenance
    else { return }
    guard actual.sha256 == provenance.sha256 else {
      throw LibrarySearchError.hashMismatch(
        file: loaded.libraryPath ?? actual.library, expected: provenance.sha256,
        found: actual.sha256)
    }
  }

  /// A recorded file name must be a plain name inside the folders searched.
  private static func checkFileName(_ fileName: String, loss: String) throws {
    guard !fileName.isEmpty, fileName != ".", fileName != "..", !fileName.contains("/"),
      !fileName.contains("\0")
    else {
      throw LibrarySearchError.invalidProvenance(
        loss: loss, reason: "library '\(fileName)' is not a plain file name")
    }
  }
}
