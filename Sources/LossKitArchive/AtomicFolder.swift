import Foundation

/// Writes a folder so that readers see the old complete folder or the new complete one,
/// never a half-written one.
///
/// The new contents go into a hidden temporary folder beside the destination, are flushed to
/// disk, and replace the destination by renames (an existing destination is moved aside
/// first and removed only after the new one is in place). A failure removes the temporary
/// folder and leaves the destination as it was.
enum AtomicFolder {
  static func write(to destination: URL, _ body: (URL) throws -> Void) throws {
    let manager = FileManager.default
    let parent = destination.deletingLastPathComponent()
    let name = destination.lastPathComponent
    do {
      try manager.createDirectory(at: parent, withIntermediateDirectories: true)
    } catch {
      throw ArchiveError.writeFailed(path: parent.path, reason: error.localizedDescription)
    }
    let temporary = parent.appendingPathComponent(".\(name).writing-\(UUID().uuidString)")
    do {
      try manager.createDirectory(at: temporary, withIntermediateDirectories: false)
      try body(temporary)
      let files = manager.enumerator(at: temporary, includingPropertiesForKeys: [.isRegularFileKey])
      while let file = files?.nextObject() as? URL {
        guard (try? file.resourceValues(forKeys: [.isRegularFileKey]))?.isRegularFile == true
        else { continue }
        let handle = try FileHandle(forWritingTo: file)
        try handle.synchronize()
        try handle.close()
      }
      if manager.fileExists(atPath: destination.path) {
        let aside = parent.appendingPathComponent(".\(name).replaced-\(UUID().uuidString)")
        try manager.moveItem(at: destination, to: aside)
        try manager.moveItem(at: temporary, to: destination)
        try? manager.removeItem(at: aside)
      } else {
        try manager.moveItem(at: temporary, to: destination)
      }
    } catch {
      try? manager.removeItem(at: temporary)
      if let error = error as? ArchiveError { throw error }
      throw ArchiveError.writeFailed(path: destination.path, reason: error.localizedDescription)
    }
  }
}
