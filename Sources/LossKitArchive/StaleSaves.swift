import Foundation

/// The hidden folders a save or a removal leaves beside a destination while it runs, and the
/// cleanup of those a crash left behind.
///
/// Each is `.NAME.KIND-UUID`. A folder `saving` holds a new model being written, or, after
/// the swap, the previous one waiting to be deleted; `previous` holds the previous model moved
/// aside by the two-rename fallback; `removing` a model being deleted. The forms `writing` and
/// `replaced` are those of earlier LossKit versions (a new model being written, the previous
/// one moved aside). No model name starts with `.`, so listing never shows any of them.
enum StaleSaves {
  static let saving = "saving"
  static let previous = "previous"
  static let removing = "removing"

  /// Deletes what crashed saves and removals of `name` left in `folder`. If the name itself is
  /// missing because a save died between its two renames, the newest folder moved aside is put
  /// back first, so the previous model loads again.
  ///
  /// Call it only while holding the ``NameLock`` of `name`: any temporary folder of that name is
  /// then known to belong to no running save.
  static func recover(_ name: String, in folder: URL) {
    let manager = FileManager.default
    let entries = (try? manager.contentsOfDirectory(atPath: folder.path)) ?? []
    var aside: [URL] = []
    var stale: [URL] = []
    for entry in entries {
      guard let kind = kind(of: entry, name: name) else { continue }
      let url = folder.appendingPathComponent(entry)
      if kind == previous || kind == "replaced" {
        aside.append(url)
      } else if kind == saving || kind == removing || kind == "writing" {
        stale.append(url)
      }
    }
    let destination = folder.appendingPathComponent(name)
    if (try? destination.checkResourceIsReachable()) != true,
      let newest = aside.max(by: { modified($0) < modified($1) }),
      FolderRename.move(newest.path, to: destination.path) == 0
    {
      aside.removeAll { $0 == newest }
    }
    for url in stale + aside { try? manager.removeItem(at: url) }
  }

  /// The kind of a temporary entry `.NAME.KIND-UUID` of `name`, or `nil` for anything else
  /// (including another model's temporaries, whose names may start the same way).
  static func kind(of entry: String, name: String) -> String? {
    let prefix = ".\(name)."
    guard entry.hasPrefix(prefix) else { return nil }
    let rest = entry.dropFirst(prefix.count)
    guard let dash = rest.firstIndex(of: "-"),
      UUID(uuidString: String(rest[rest.index(after: dash)...])) != nil
    else { return nil }
    return String(rest[..<dash])
  }

  private static func modified(_ url: URL) -> Date {
    (try? url.resourceValues(forKeys: [.contentModificationDateKey]).contentModificationDate)
      ?? .distantPast
  }
}
