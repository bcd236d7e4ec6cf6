import Foundation

/// Data read from files: annotated text (`.ann`, raw labels kept) or CSV tables.
public enum LoadedData: Sendable {
  /// Annotated documents; each line's ``AnnotatedLine/label`` is its raw label.
  case annotated([AnnotatedDocument])
  /// CSV tables.
  case tables([CSVTable])

  /// Reads every file the patterns name (files, directories or globs). With
  /// `unlabelledText`, `.txt` files are read too, every non-blank line as an unlabelled row.
  ///
  /// - Throws: ``DataError`` naming the file (and line) for anything unreadable, an error
  ///   when `.ann` and `.csv` files are mixed, and ``DataError/empty(paths:)`` when there is
  ///   nothing to read.
  public static func load(_ patterns: [String], unlabelledText: Bool = false) throws
    -> LoadedData
  {
    let files = try FileMatching.expand(
      patterns, extensions: unlabelledText ? ["ann", "csv", "txt"] : ["ann", "csv"])
    let kinds = Set(files.map { $0.pathExtension == "csv" ? "csv" : "ann" })
    guard kinds.count <= 1 else {
      throw DataError.unreadable(
        path: patterns.joined(separator: " "),
        reason: "mixes .ann and .csv files; use one kind of data at a time")
    }
    if kinds == ["csv"] {
      let tables = try files.map { try CSVReader.read($0) }
      guard tables.contains(where: { !$0.records.isEmpty }) else {
        throw DataError.empty(paths: files.map(\.path))
      }
      return .tables(tables)
    }
    let documents = try files.map { file in
      file.pathExtension == "txt" && unlabelledText
        ? try AnnReader.readUnlabelled(file) : try AnnReader.read(file, collapsing: .none)
    }
    guard documents.contains(where: { !$0.lines.isEmpty }) else {
      throw DataError.empty(paths: files.map(\.path))
    }
    return .annotated(documents)
  }

  /// The number of rows.
  public var rowCount: Int {
    switch self {
    case .annotated(let documents): return documents.reduce(0) { $0 + $1.lines.count }
    case .tables(let tables): return tables.reduce(0) { $0 + $1.records.count }
    }
  }

  /// Every row's raw label under a view, in reading order (`""` for an unlabelled line).
  ///
  /// - Throws: ``DataError/missingColumn(path:column:available:)`` for a column view on a
  ///   table without that column, or ``DataError/badHead(_:reason:)`` for a column view on
  ///   annotated pages or a page view on tables.
  public func rawLabels(_ view: LabelView) throws -> [String] {
    switch (self, view) {
    case (.annotated, .column(let name)):
      throw DataError.badHead(
        name, reason: "'\(name)' is not a view of annotated pages; use collapsed, fine or all")
    case (.annotated(let documents), _):
      return documents.flatMap { $0.lines.map(\.rawLabel) }
    case (.tables(let tables), .column(let name)):
      return try tables.flatMap { table in
        let column = try table.column(name)
        return table.records.map { $0[column].trimmingCharacters(in: .whitespaces) }
      }
    case (.tables(let tables), _):
      throw DataError.badHead(
        "\(view)", reason: "CSV data (\(tables.first?.path ?? "")) needs a label column: "
          + "write NAME=COLUMN, e.g. --head battery=battery_label")
    }
  }

  /// How many rows have each raw label under a view.
  ///
  /// - Throws: As ``rawLabels(_:)``.
  public func rawLabelCounts(_ view: LabelView) throws -> [String: Int] {
    var counts: [String: Int] = [:]
    for label in try rawLabels(view) where !label.isEmpty { counts[label, default: 0] += 1 }
    return counts
  }
}
