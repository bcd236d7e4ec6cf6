import Foundation
import SwiftCSV

/// A CSV file as read: its header and its records, every field a string.
public struct CSVTable: Sendable, Equatable {
  /// Where it came from.
  public var path: String
  /// The column names.
  public var header: [String]
  /// The records, each with one field per column, in file order.
  public var records: [[String]]

  /// Creates a table.
  public init(path: String, header: [String], records: [[String]]) {
    self.path = path
    self.header = header
    self.records = records
  }

  /// The index of a column.
  ///
  /// - Throws: ``DataError/missingColumn(path:column:available:)`` listing the columns.
  public func column(_ name: String) throws -> Int {
    guard let index = header.firstIndex(of: name) else {
      throw DataError.missingColumn(path: path, column: name, available: header)
    }
    return index
  }

  /// The numbers of one record's fields at `columns`.
  ///
  /// - Throws: ``DataError/notANumber(path:line:column:value:)`` naming the record.
  public func numbers(record: Int, columns: [Int]) throws -> [Float] {
    try columns.map { column in
      let text = records[record][column].trimmingCharacters(in: .whitespaces)
      guard let number = Float(text), number.isFinite else {
        throw DataError.notANumber(
          path: path, line: record + 2, column: header[column], value: records[record][column])
      }
      return number
    }
  }
}

/// Reads CSV files (RFC 4180: quoted fields may hold commas, doubled quotes and newlines)
/// with SwiftCSV, and checks that every record has one field per column.
public enum CSVReader {
  /// Reads one file.
  ///
  /// - Throws: ``DataError`` naming the file: unreadable, not valid CSV, no header, or a
  ///   record whose field count differs from the header's.
  public static func read(_ url: URL) throws -> CSVTable {
    let text: String
    do {
      text = try String(contentsOf: url, encoding: .utf8)
    } catch {
      throw DataError.unreadable(path: url.path, reason: error.localizedDescription)
    }
    return try parse(text, path: url.path)
  }

  /// Parses CSV text.
  ///
  /// - Throws: ``DataError`` as ``read(_:)``. A record is numbered as if each took one line
  ///   (`line` 2 is the first record); fields with newlines shift physical lines.
  public static func parse(_ text: String, path: String) throws -> CSVTable {
    // SwiftCSV pads short rows of its `rows`; enumerating gives each record as written, so a
    // ragged record is caught.
    var rows: [[String]] = []
    let header: [String]
    do {
      let csv = try CSV<Enumerated>(string: text, delimiter: .comma, loadColumns: false, rowLimit: 1)
      header = csv.header.map { $0.trimmingCharacters(in: .whitespaces) }
      try csv.enumerateAsArray(startAt: 1, rowLimit: nil) { rows.append($0) }
    } catch {
      throw DataError.unreadable(
        path: path, reason: "not valid CSV (\(error)); close every quoted field with '\"'")
    }
    guard !header.isEmpty, header.contains(where: { !$0.isEmpty }) else {
      throw DataError.empty(paths: [path])
    }
    var records: [[String]] = []
    records.reserveCapacity(rows.count)
    for (index, row) in rows.enumerated() {
      if row.count <= 1, row.first?.isEmpty ?? true, header.count > 1 { continue }
      guard row.count == header.count else {
        throw DataError.raggedRow(
          path: path, line: index + 2, expected: header.count, found: row.count)
      }
      records.append(row)
    }
    return CSVTable(path: path, header: header, records: records)
  }
}
