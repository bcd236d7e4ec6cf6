import Foundation
import LossKitCore

extension LossLibraries {
  /// A library-defined loss's provenance and the file it was loaded from.
  public struct Source: Sendable, Equatable {
    /// The library's file name, SHA-256, and ABI version or declaration.
    public var provenance: LossProvenance
    /// The absolute path the library was loaded from.
    public var path: String
  }

  /// Every library-defined loss in a loss tree (composites are walked), by loss name.
  public static func sources(of loss: any Loss) -> [String: Source] {
    if let composite = loss as? CompositeLoss {
      return composite.terms.reduce(into: [:]) { found, term in
        found.merge(sources(of: term.loss)) { first, _ in first }
      }
    }
    guard let library = loss as? any LibraryLoss, let provenance = library.provenance,
      let path = library.libraryPath
    else { return [:] }
    return [loss.registryName: Source(provenance: provenance, path: path)]
  }

  /// Copies each library a loss tree uses into `folder` (created when missing), under its
  /// recorded file name: what `--bundle-plugins` does, so the saved model carries them.
  ///
  /// A file already there with the same contents is kept.
  ///
  /// - Returns: The file names in the folder, sorted.
  /// - Throws: ``LibrarySearchError/conflictingFileNames(file:paths:)`` when two different
  ///   libraries share a file name, ``LibrarySearchError/hashMismatch(file:expected:found:)``
  ///   when a library changed on disk since it was loaded, or the file system's error.
  @discardableResult
  public static func bundle(_ loss: any Loss, into folder: URL) throws -> [String] {
    var byName: [String: Source] = [:]
    for source in sources(of: loss).values.sorted(by: { $0.path < $1.path }) {
      let name = source.provenance.library
      if let other = byName[name], other.provenance.sha256 != source.provenance.sha256 {
        throw LibrarySearchError.conflictingFileNames(file: name, paths: [other.path, source.path])
      }
      byName[name] = source
    }
    guard !byName.isEmpty else { return [] }
    let files = FileManager.default
    try files.createDirectory(at: folder, withIntermediateDirectories: true)
    for (name, source) in byName {
      let current = try SHA256Digest(contentsOfFile: source.path).hex
      guard current == source.provenance.sha256 else {
        throw LibrarySearchError.hashMismatch(
          file: source.path, expected: source.provenance.sha256, found: current)
      }
      let target = folder.appendingPathComponent(name)
      if files.fileExists(atPath: target.path) {
        if (try? SHA256Digest(contentsOfFile: target.path).hex) == current { continue }
        try files.removeItem(at: target)
      }
      try files.copyItem(at: URL(fileURLWithPath: source.path), to: target)
    }
    return byName.keys.sorted()
  }
}
