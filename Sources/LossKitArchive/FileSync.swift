import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// Flushing written files and folders to the disk, so that after a rename makes them
/// visible, a power loss cannot leave the name pointing at empty or half-written files.
enum FileSync {
  /// Flushes every file and folder under `folder`, and `folder` itself.
  ///
  /// - Throws: ``ArchiveError/writeFailed(path:reason:)`` naming the path that failed.
  static func flushTree(_ folder: URL) throws {
    let root = folder.path
    if let walker = FileManager.default.enumerator(atPath: root) {
      while let relative = walker.nextObject() as? String {
        try flush(root + "/" + relative)
      }
    }
    try flush(root)
  }

  /// Flushes one file or folder (a folder's flush makes its entries durable).
  ///
  /// - Throws: ``ArchiveError/writeFailed(path:reason:)``.
  static func flush(_ path: String) throws {
    let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
    guard descriptor >= 0 else { throw failure(path, "cannot open it to flush it") }
    defer { close(descriptor) }
    var result: Int32
    repeat { result = fsync(descriptor) } while result != 0 && errno == EINTR
    // Some file systems cannot flush a folder; the files themselves were flushed.
    if result != 0 && errno != EINVAL && errno != ENOTSUP {
      throw failure(path, "cannot flush it to the disk")
    }
  }

  private static func failure(_ path: String, _ what: String) -> ArchiveError {
    .writeFailed(path: path, reason: "\(what) (\(String(cString: strerror(errno))))")
  }
}
