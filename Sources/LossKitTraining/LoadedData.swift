import Foundation
import LossKitData

/// Labelled data read from files: annotated text (`.ann`) or numeric tables (`.csv`).
public enum LoadedData: Sendable {
  /// Annotated documents.
  case annotated([AnnotatedDocument])
  /// CSV tables, each with its path.
  case tables([(path: String, table: LabeledTable)])

  /// Reads every file the patterns name (files, directories or globs). With
  /// `unlabelledText`, `.txt` files are read too, every non-blank line as an unlabelled row.
  ///
  /// - Throws: ``DataError`` naming the file (and line) for anything unreadable, an error
  ///   when `.ann` and `.csv` files are mixed, and ``DataError/empty(paths:)`` when nothing
  ///   is labelled.
  public static func load(
    _ patterns: [String], collapsing: LabelCollapsing = .skol, labelColumn: String? = nil,
    unlabelledText: Bool = false
  ) throws -> LoadedData {
    let files = try FileMatching.expand(
      patterns, extensions: unlabelledText ? ["ann", "csv", "txt"] : ["ann", "csv"])
    let kinds = Set(files.map { $0.pathExtension == "csv" ? "csv" : "ann" })
    guard kinds.count <= 1 else {
      throw DataError.unreadable(
        path: patterns.joined(separator: " "),
        reason: "mixes .ann and .csv files; train on one kind of data at a time")
    }
    if kinds == ["csv"] {
      let tables = try files.map { ($0.path, try CSVReader.read($0, labelColumn: labelColumn)) }
      guard tables.contains(where: { !$0.1.rows.isEmpty }) else {
        throw DataError.empty(paths: files.map(\.path))
      }
      return .tables(tables.map { (path: $0.0, table: $0.1) })
    }
    let documents = try files.map { file in
      file.pathExtension == "txt" && unlabelledText
        ? try AnnReader.readUnlabelled(file) : try AnnReader.read(file, collapsing: collapsing)
    }
    guard documents.contains(where: { !$0.lines.isEmpty }) else {
      throw DataError.empty(paths: files.map(\.path))
    }
    return .annotated(documents)
  }

  /// Rows per label.
  public var labelCounts: [String: Int] {
    var counts: [String: Int] = [:]
    switch self {
    case .annotated(let documents):
      for document in documents { for line in document.lines { counts[line.label, default: 0] += 1 } }
    case .tables(let tables):
      for table in tables { for label in table.table.labels { counts[label, default: 0] += 1 } }
    }
    return counts
  }

  /// The number of labelled rows.
  public var rowCount: Int {
    switch self {
    case .annotated(let documents): return documents.reduce(0) { $0 + $1.lines.count }
    case .tables(let tables): return tables.reduce(0) { $0 + $1.table.rows.count }
    }
  }
}

extension LineClassifier {
  /// The corpus for loaded data, with this classifier's labels and features.
  ///
  /// - Throws: ``DataError/empty(paths:)``.
  public func corpus(_ data: LoadedData) throws -> LabeledCorpus {
    switch data {
    case .annotated(let documents): return try corpus(documents)
    case .tables(let tables):
      return try LabeledCorpus(tables: tables, labelNames: labelNames.isEmpty ? nil : labelNames)
    }
  }
}
