import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// Reads every file of a model folder as one consistent snapshot, even while another process
/// replaces the folder (see ``AtomicFolder``).
///
/// A save replaces the whole folder by a rename, never a file inside it, so the files read
/// belong to one save exactly when the name still refers to the same folder after the reading
/// as before it. The folder is kept open while it is read, so its identity (device and inode)
/// cannot be reused by a new folder in the meantime; if the name moved on, the reading starts
/// again.
enum FolderSnapshot {
  /// How many times a reading that raced a replacement is tried again.
  static let attempts = 8

  /// The files under `folder`, by relative path.
  ///
  /// - Throws: ``ArchiveError/missingFile(path:)`` when the folder is absent,
  ///   ``ArchiveError/corrupt(path:reason:)`` for an unreadable file or a symbolic link (a
  ///   saved model holds plain files only, so that nothing it names is read from outside it).
  static func read(_ folder: URL) throws -> ModelFiles {
    let root = folder.standardizedFileURL.path
    for _ in 1..<attempts {
      let descriptor = open(root, O_RDONLY | O_CLOEXEC | O_DIRECTORY)
      guard descriptor >= 0 else { break }
      defer { close(descriptor) }
      var held = stat()
      guard fstat(descriptor, &held) == 0 else { break }
      let files = try? readFiles(root)
      var named = stat()
      if stat(root, &named) == 0, named.st_ino == held.st_ino, named.st_dev == held.st_dev,
        let files
      {
        return files
      }
    }
    // The last attempt reports what it finds.
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: root, isDirectory: &isDirectory),
      isDirectory.boolValue
    else { throw ArchiveError.missingFile(path: root) }
    return try readFiles(root)
  }

  private static func readFiles(_ root: String) throws -> ModelFiles {
    guard let walker = FileManager.default.enumerator(atPath: root) else {
      throw ArchiveError.corrupt(path: root, reason: "the folder cannot be listed")
    }
    var files = ModelFiles()
    while let relative = walker.nextObject() as? String {
      let path = root + "/" + relative
      var status = stat()
      guard lstat(path, &status) == 0 else {
        throw ArchiveError.corrupt(path: path, reason: String(cString: strerror(errno)))
      }
      switch status.st_mode & S_IFMT {
      case S_IFDIR: continue
      case S_IFREG: break
      default:
        throw ArchiveError.corrupt(
          path: path,
          reason: "it is not a plain file (a symbolic link?); a saved model holds plain files "
            + "only: replace it with the file it points to")
      }
      do {
        files[relative] = try Data(contentsOf: URL(fileURLWithPath: path))
      } catch {
        throw ArchiveError.corrupt(path: path, reason: error.localizedDescription)
      }
    }
    return files
  }
}
