import Foundation

/// Errors reading data files; each names the file and, where it applies, the line.
public enum DataError: Error, Sendable, Equatable, CustomStringConvertible, LocalizedError {
  /// The file cannot be read.
  case unreadable(path: String, reason: String)
  /// A `[@` block is never closed by `#Label*]`.
  case unclosedBlock(path: String, line: Int)
  /// A CSV row has a different number of fields from the header.
  case raggedRow(path: String, line: Int, expected: Int, found: Int)
  /// A CSV field that should be a number is not.
  case notANumber(path: String, line: Int, column: String, value: String)
  /// A CSV file lacks the label column.
  case missingColumn(path: String, column: String, available: [String])
  /// No labelled samples were found.
  case empty(paths: [String])
  /// A path or glob matched no file.
  case noMatch(pattern: String)
  /// A `--head` specification cannot be used.
  case badHead(_ text: String, reason: String)
  /// Documents cannot be grouped as asked (leave-one-group-out evaluation).
  case badGrouping(_ grouping: String, reason: String)

  /// The problem, where it is, and what to do.
  public var description: String {
    switch self {
    case .unreadable(let path, let reason): return "\(path): cannot read (\(reason))"
    case .unclosedBlock(let path, let line):
      return "\(path):\(line): a block opened with '[@' is never closed; end it with '#Label*]'"
    case .raggedRow(let path, let line, let expected, let found):
      return "\(path):\(line): row has \(found) fields but the header has \(expected); "
        + "quote fields that contain commas"
    case .notANumber(let path, let line, let column, let value):
      return "\(path):\(line): column '\(column)' holds '\(value)', which is not a number"
    case .missingColumn(let path, let column, let available):
      return "\(path): no column '\(column)'; columns: \(available.joined(separator: ", ")); "
        + "name an existing column (--head NAME=COLUMN, --label-column or --text-column)"
    case .empty(let paths):
      return "no labelled samples in \(paths.joined(separator: ", ")); "
        + "check the paths and the file format"
    case .noMatch(let pattern): return "'\(pattern)' matches no file"
    case .badHead(let text, let reason): return "head '\(text)': \(reason)"
    case .badGrouping(let grouping, let reason): return "grouping by \(grouping): \(reason)"
    }
  }

  /// The same text as ``description``.
  public var errorDescription: String? { description }
}
