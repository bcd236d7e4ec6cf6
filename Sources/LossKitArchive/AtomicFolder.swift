import Foundation

/// Writes a folder so that its name always holds a complete model: the previous one until
/// the new one is complete and on disk, then the new one. The name is never absent or
/// half-written in between, and no failure, crash or `kill -9` loses the previous model.
///
/// The steps (each a ``Step``, where a test injects a failure):
/// 1. create the parent folder;
/// 2. lock the name (``NameLock``), so that concurrent saves of one name take turns;
/// 3. recover from crashed saves of the name (``StaleSaves``);
/// 4. create a hidden temporary folder `.NAME.saving-UUID` beside the destination;
/// 5. write the files into it, then 6. flush them and it to the disk;
/// 7. swap it with the destination in one atomic rename (`RENAME_EXCHANGE`, or
///    `RENAME_NOREPLACE` for a first save), after which the temporary holds the previous model;
/// 8. flush the parent, so that the swap itself is on disk;
/// 9. delete the previous model, and release the lock.
///
/// A failure up to step 7 deletes the temporary and leaves the destination untouched; a
/// failure at step 8 swaps back. A failure to delete the previous model leaves a hidden folder,
/// which listing never shows and the next save of the name deletes. Where the system or the
/// file system cannot swap atomically, step 7 is two renames: the destination aside to
/// `.NAME.previous-UUID`, then the temporary into place; if the second fails the first is
/// undone, and if the process dies between them, the next save puts the previous model back.
enum AtomicFolder {
  /// The steps of ``write(to:swap:failingAt:_:)`` at which a failure can be injected.
  enum Step: String, CaseIterable, Sendable {
    case createParent, lock, recover, createTemporary, writeFiles, flushFiles, swap
    /// The first of the two renames that stand in for an atomic swap.
    case moveAside
    /// The second of the two renames that stand in for an atomic swap.
    case moveIntoPlace
    case flushParent, removePrevious
  }

  /// How the new folder replaces the old one.
  enum Swap: Sendable {
    /// One atomic exchange where the system supports it, else ``twoRenames``.
    case atomic
    /// Move the destination aside, then move the new folder into place.
    case twoRenames
  }

  /// The error a test injects.
  struct InjectedFailure: Error, CustomStringConvertible {
    var step: Step
    var description: String { "injected failure at step '\(step.rawValue)'" }
  }

  /// Writes `destination` atomically: `body` fills a temporary folder that then replaces it.
  ///
  /// - Throws: ``ArchiveError/writeFailed(path:reason:)``, or what `body` throws as an
  ///   ``ArchiveError``; the previous contents of `destination` are then unchanged.
  static func write(to destination: URL, _ body: (URL) throws -> Void) throws {
    try write(to: destination, swap: .atomic, failingAt: nil, body)
  }

  /// ``write(to:_:)`` with the swap method chosen and a failure injected at one step.
  static func write(
    to destination: URL, swap: Swap, failingAt failure: Step?, _ body: (URL) throws -> Void
  ) throws {
    let step = { (current: Step) throws in
      if current == failure { throw InjectedFailure(step: current) }
    }
    let manager = FileManager.default
    let parent = destination.deletingLastPathComponent()
    let name = destination.lastPathComponent
    let lock: NameLock
    do {
      try step(.createParent)
      try manager.createDirectory(at: parent, withIntermediateDirectories: true)
      try step(.lock)
      lock = try NameLock(name, in: parent)
    } catch {
      throw failed(parent.path, error)
    }
    defer { lock.release() }
    let temporary = parent.appendingPathComponent(
      ".\(name).\(StaleSaves.saving)-\(UUID().uuidString)")
    let previous: URL?
    do {
      try step(.recover)
      StaleSaves.recover(name, in: parent)
      try step(.createTemporary)
      try manager.createDirectory(at: temporary, withIntermediateDirectories: false)
      try step(.writeFiles)
      try body(temporary)
      try step(.flushFiles)
      try FileSync.flushTree(temporary)
      previous = try install(temporary, at: destination, swap: swap, step: step)
    } catch {
      try? manager.removeItem(at: temporary)
      throw failed(destination.path, error)
    }
    do {
      try step(.flushParent)
      try FileSync.flush(parent.path)
    } catch {
      restore(previous, at: destination, moving: temporary)
      throw failed(destination.path, error)
    }
    if (try? step(.removePrevious)) != nil, let previous { try? manager.removeItem(at: previous) }
  }

  /// Puts `temporary` at `destination`, and returns where the previous destination now is
  /// (`nil` when there was none).
  private static func install(
    _ temporary: URL, at destination: URL, swap: Swap, step: (Step) throws -> Void
  ) throws -> URL? {
    try step(.swap)
    if swap == .atomic {
      var error = FolderRename.exchange(temporary.path, destination.path)
      if error == 0 { return temporary }
      if error == ENOENT {
        error = FolderRename.moveWithoutReplacing(temporary.path, to: destination.path)
        if error == 0 { return nil }
      }
      guard FolderRename.isUnsupported(error) else {
        throw renameFailure(temporary, destination, error)
      }
    }
    guard (try? destination.checkResourceIsReachable()) == true else {
      try step(.moveIntoPlace)
      let error = FolderRename.move(temporary.path, to: destination.path)
      guard error == 0 else { throw renameFailure(temporary, destination, error) }
      return nil
    }
    let aside = destination.deletingLastPathComponent().appendingPathComponent(
      ".\(destination.lastPathComponent).\(StaleSaves.previous)-\(UUID().uuidString)")
    try step(.moveAside)
    let error = FolderRename.move(destination.path, to: aside.path)
    guard error == 0 else { throw renameFailure(destination, aside, error) }
    do {
      try step(.moveIntoPlace)
      let error = FolderRename.move(temporary.path, to: destination.path)
      guard error == 0 else { throw renameFailure(temporary, destination, error) }
    } catch {
      _ = FolderRename.move(aside.path, to: destination.path)
      throw error
    }
    return aside
  }

  /// Undoes ``install(_:at:swap:step:)``: the new folder goes back to `temporary`, where it is
  /// deleted, and the previous one (if any) back to `destination`.
  private static func restore(_ previous: URL?, at destination: URL, moving temporary: URL) {
    if previous == temporary {
      _ = FolderRename.exchange(temporary.path, destination.path)
    } else {
      _ = FolderRename.move(destination.path, to: temporary.path)
      if let previous { _ = FolderRename.move(previous.path, to: destination.path) }
    }
    try? FileManager.default.removeItem(at: temporary)
  }

  /// Puts back the previous model when `destination` is missing because a save using the
  /// two-rename fallback died between its renames (see ``StaleSaves/recover(_:in:)``).
  ///
  /// - Returns: Whether `destination` exists now.
  static func recoverIfMissing(_ destination: URL) -> Bool {
    if (try? destination.checkResourceIsReachable()) == true { return true }
    let parent = destination.deletingLastPathComponent()
    guard let entries = try? FileManager.default.contentsOfDirectory(atPath: parent.path),
      entries.contains(where: {
        StaleSaves.kind(of: $0, name: destination.lastPathComponent) != nil
      }),
      let lock = try? NameLock(destination.lastPathComponent, in: parent)
    else { return false }
    defer { lock.release() }
    StaleSaves.recover(destination.lastPathComponent, in: parent)
    return (try? destination.checkResourceIsReachable()) == true
  }

  /// Removes `destination` atomically: it is renamed to a hidden folder, then deleted.
  ///
  /// - Returns: Whether there was anything to remove.
  /// - Throws: ``ArchiveError/writeFailed(path:reason:)``.
  static func remove(_ destination: URL) throws -> Bool {
    let parent = destination.deletingLastPathComponent()
    let name = destination.lastPathComponent
    let lock = try NameLock(name, in: parent)
    defer { lock.release() }
    let doomed = parent.appendingPathComponent(
      ".\(name).\(StaleSaves.removing)-\(UUID().uuidString)")
    let error = FolderRename.move(destination.path, to: doomed.path)
    if error == ENOENT { return false }
    guard error == 0 else { throw renameFailure(destination, doomed, error) }
    try? FileSync.flush(parent.path)
    try? FileManager.default.removeItem(at: doomed)
    return true
  }

  private static func renameFailure(_ source: URL, _ destination: URL, _ error: Int32) -> Error {
    ArchiveError.writeFailed(
      path: destination.path,
      reason:
        "cannot rename \(source.lastPathComponent) to it (\(String(cString: strerror(error))))")
  }

  private static func failed(_ path: String, _ error: any Error) -> ArchiveError {
    if let error = error as? ArchiveError { return error }
    return .writeFailed(path: path, reason: "\(error.localizedDescription)")
  }
}
