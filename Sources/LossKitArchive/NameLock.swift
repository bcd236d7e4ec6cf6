import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// An exclusive lock on one name in a folder, shared by every process: the file `.NAME.lock`
/// beside the destination, locked with `flock`.
///
/// The system releases the lock when its holder exits, however it exits (`kill -9`
/// included), so a crashed save never blocks the next one. The holder deletes the lock file
/// when it is done; a waiter that then obtains the lock on the deleted file notices that the
/// path no longer names the file it holds and starts again, so two holders can never both
/// believe they hold the lock.
final class NameLock {
  private let path: String
  private var descriptor: Int32

  /// Blocks until the lock on `name` in `folder` is held.
  ///
  /// - Throws: ``ArchiveError/writeFailed(path:reason:)`` when the lock file cannot be created
  ///   or locked (a read-only folder, for instance).
  init(_ name: String, in folder: URL) throws {
    path = folder.appendingPathComponent(".\(name).lock").path
    while true {
      let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
      guard descriptor >= 0 else { throw Self.failure(path, "cannot create the lock file") }
      var result: Int32
      repeat { result = flock(descriptor, LOCK_EX) } while result != 0 && errno == EINTR
      guard result == 0 else {
        let error = Self.failure(path, "cannot lock the file")
        close(descriptor)
        throw error
      }
      var held = stat()
      var named = stat()
      if fstat(descriptor, &held) == 0, stat(path, &named) == 0, held.st_ino == named.st_ino,
        held.st_dev == named.st_dev
      {
        self.descriptor = descriptor
        return
      }
      close(descriptor)
    }
  }

  /// Deletes the lock file and releases the lock.
  func release() {
    guard descriptor >= 0 else { return }
    unlink(path)
    close(descriptor)
    descriptor = -1
  }

  deinit { release() }

  private static func failure(_ path: String, _ what: String) -> ArchiveError {
    .writeFailed(
      path: path,
      reason: "\(what) (\(String(cString: strerror(errno)))); check that the folder is writable")
  }
}
