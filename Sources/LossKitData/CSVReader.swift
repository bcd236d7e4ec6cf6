import Foundation

/// A table of numeric features with a label per row, read from CSV.
public struct LabeledTable: Sendable, Equatable {
  /// The feature column names.
  public var featureNames: [String]
  /// One row of features per sample.
  public var rows: [[Float]]
  /// One label per sample.
  public var labels: [String]

  /// Creates a table.
  public init(featureNames: [String], rows: [[Float]], labels: [String]) {
    self.featureNames = featureNames
    self.rows = rows
    self.labels = labels
  }
}

/// Reads CSV files with a header, numeric feature columns and a label column.
///
/// Fields may be quoted with `"` (with `""` for a quote inside); empty lines are skipped.
public enum CSVReader {
  /// Reads one file.
  ///
  /// - Parameter labelColumn: The label column's header; defaults to `label` if present,
  ///   else the last column.
  /// - Throws: ``DataError`` naming the file and line for a ragged row, a non-numeric feature,
  ///   or a missing label column.
  public static func read(_ url: URL, labelColumn: String? = nil) throws -> LabeledTable {
    let text: String
    do {
      text = try String(contentsOf: url, encoding: .utf8)
    } catch {
      throw DataError.unreadable(path: url.path, reason: error.localizedDescription)
    }
    return try parse(text, path: url.path, labelColumn: labelColumn)
  }

  /// Parses CSV text.
  ///
  /// - Throws: ``DataError`` as ``read(_:labelColumn:)``.
  public static func parse(_ text: String, path: String, labelColumn: String? = nil) throws
    -> LabeledTable
  {
    var records = text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
      .map { ($0.offset + 1, String($0.element).trimmingCharacters(in: CharacterSet(charactersIn: "\r"))) }
      .filter { !$0.1.isEmpty }
    guard !records.isEmpty else { throw DataError.empty(paths: [path]) }
    let header = fields(records.removeFirst().1)
    let labelIndex: Int
    if let labelColumn {
      guard let index = header.firstIndex(of: labelColumn) else {
        throw DataError.missingColumn(path: path, column: labelColumn, available: header)
      }
      labelIndex = index
    } else {
      labelIndex = header.firstIndex(of: "label") ?? header.count - 1
    }
    var table = LabeledTable(
      featureNames: header.enumerated().filter { $0.offset != labelIndex }.map(\.element),
      rows: [], labels: [])
    for (line, record) in records {
      let values = fields(record)
      guard values.count == header.count else {
        throw DataError.raggedRow(path: path, line: line, expected: header.count, found: values.count)
      }
      var row: [Float] = []
      for (column, value) in values.enumerated() where column != labelIndex {
        guard let number = Float(value.trimmingCharacters(in: .whitespaces)), number.isFinite else {
          throw DataError.notANumber(path: path, line: line, column: header[column], value: value)
        }
        row.append(number)
      }
      table.rows.append(row)
      table.labels.append(values[labelIndex].trimmingCharacters(in: .whitespaces))
    }
    return table
  }

  /// Splits one record into fields, honouring double quotes.
  static func fields(_ record: String) -> [String] {
    var fields: [String] = []
    var current = ""
    var quoted = false
    var iterator = record.makeIterator()
    while let character = iterator.next() {
      if quoted {
        if character == "\"" {
          if let next = iterator.next() {
            if next == "\"" {
              current.append("\"")
            } else {
              quoted = false
              if next == "," {
                fields.append(current)
                current = ""
              } else {
                current.append(next)
              }
            }
          } else {
            quoted = false
          }
        } else {
          current.append(character)
        }
      } else if character == "\"" {
        quoted = true
      } else if character == "," {
        fields.append(current)
        current = ""
      } else {
        current.append(character)
      }
    }
    fields.append(current)
    return fields
  }
}
