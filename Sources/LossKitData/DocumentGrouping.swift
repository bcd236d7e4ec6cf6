import Foundation

/// How documents form groups for leave-one-group-out evaluation: the journals of a corpus of
/// pages, its volumes, or its single files.
///
/// Groups come from where the files are, relative to the folder all of them share (the
/// longest common folder of their paths):
/// - ``journal``: the first folder below that common folder (for `../shared/data/skol`:
///   `Mycotaxon` and `Mycologia`); files directly in the common folder form one group named
///   after it;
/// - ``folder``: the folder a file is in (for SKOL: each volume);
/// - ``file``: every file alone.
public enum DocumentGrouping: String, CaseIterable, Sendable, Codable {
  /// The first folder below the files' common folder.
  case journal
  /// The folder each file is in.
  case folder
  /// Each file.
  case file

  /// The group of each path, in order.
  public func keys(for paths: [String]) -> [String] {
    let files = paths.map { URL(fileURLWithPath: $0).standardizedFileURL }
    switch self {
    case .file:
      return files.map(\.path)
    case .folder:
      return files.map { $0.deletingLastPathComponent().path }
    case .journal:
      let components = files.map(\.pathComponents)
      var common = components.first.map { Array($0.dropLast()) } ?? []
      for path in components.dropFirst() {
        common = Array(zip(common, path.dropLast()).prefix { $0.0 == $0.1 }.map(\.0))
      }
      return components.map { path in
        path.count > common.count + 1 ? path[common.count] : common.last ?? "/"
      }
    }
  }
}

extension LoadedData {
  /// Where each document (a page file or a CSV table) came from, in order.
  public var documentPaths: [String] {
    switch self {
    case .annotated(let documents): return documents.map(\.path)
    case .tables(let tables): return tables.map(\.path)
    }
  }

  /// The data split into groups, in the order each group first appears; every document keeps
  /// its order within its group.
  public func grouped(by grouping: DocumentGrouping) -> [(name: String, data: LoadedData)] {
    let keys = grouping.keys(for: documentPaths)
    var names: [String] = []
    var members: [String: [Int]] = [:]
    for (index, key) in keys.enumerated() {
      if members[key] == nil { names.append(key) }
      members[key, default: []].append(index)
    }
    return names.map { name in (name, selecting(documents: members[name]!)) }
  }

  /// The documents at some indices, in the order given.
  public func selecting(documents indices: [Int]) -> LoadedData {
    switch self {
    case .annotated(let documents): return .annotated(indices.map { documents[$0] })
    case .tables(let tables): return .tables(indices.map { tables[$0] })
    }
  }
}
