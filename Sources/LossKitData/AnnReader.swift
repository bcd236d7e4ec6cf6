import Foundation

/// Reads the `.ann` annotation format: labelled blocks `[@TEXT#Label*]`, where TEXT may span
/// lines and every non-blank line inside a block carries the block's label.
///
/// A block ends at the first `#Label*]` after its `[@`; a `[@` inside an open block is kept as
/// text (the SKOL pages contain a few). Text outside blocks is unlabelled and skipped. A block
/// still open at the end of the file is an error naming the line where it opened.
public enum AnnReader {
  /// Reads one file.
  ///
  /// - Throws: ``DataError/unreadable(path:reason:)`` or ``DataError/unclosedBlock(path:line:)``.
  public static func read(
    _ url: URL, collapsing: LabelCollapsing = .skol
  ) throws -> AnnotatedDocument {
    let text: String
    do {
      text = try String(contentsOf: url, encoding: .utf8)
    } catch {
      throw DataError.unreadable(path: url.path, reason: error.localizedDescription)
    }
    return try parse(text, path: url.path, collapsing: collapsing)
  }

  /// Reads a plain text file as unlabelled lines (label empty), skipping blank lines.
  ///
  /// - Throws: ``DataError/unreadable(path:reason:)``.
  public static func readUnlabelled(_ url: URL) throws -> AnnotatedDocument {
    let text: String
    do {
      text = try String(contentsOf: url, encoding: .utf8)
    } catch {
      throw DataError.unreadable(path: url.path, reason: error.localizedDescription)
    }
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
      .filter { $0.element.contains { !$0.isWhitespace } }
      .map { AnnotatedLine(text: String($0.element), label: "", rawLabel: "", lineNumber: $0.offset + 1) }
    return AnnotatedDocument(path: url.path, lines: lines)
  }

  /// Parses annotated text.
  ///
  /// - Throws: ``DataError/unclosedBlock(path:line:)``.
  public static func parse(
    _ text: String, path: String, collapsing: LabelCollapsing = .skol
  ) throws -> AnnotatedDocument {
    let bytes = Array(text.utf8)
    var lines: [AnnotatedLine] = []
    var position = 0
    var lineNumber = 1
    var counted = 0
    func advanceLineNumber(to end: Int) {
      while counted < end {
        if bytes[counted] == 0x0A { lineNumber += 1 }
        counted += 1
      }
    }
    while let open = find([0x5B, 0x40], in: bytes, from: position) {  // "[@"
      advanceLineNumber(to: open)
      let blockLine = lineNumber
      guard let (labelStart, close) = findClosing(in: bytes, from: open + 2) else {
        throw DataError.unclosedBlock(path: path, line: blockLine)
      }
      let body = String(decoding: bytes[(open + 2)..<labelStart - 1], as: UTF8.self)
      let raw = String(decoding: bytes[labelStart..<close], as: UTF8.self)
      let label = collapsing.collapse(raw)
      for (offset, line) in body.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
        var content = String(line)
        if content.hasSuffix("\r") { content.removeLast() }
        if content.hasPrefix("[@") { content.removeFirst(2) }
        guard content.contains(where: { !$0.isWhitespace }) else { continue }
        lines.append(
          AnnotatedLine(text: content, label: label, rawLabel: raw, lineNumber: blockLine + offset))
      }
      position = close + 2
    }
    return AnnotatedDocument(path: path, lines: lines)
  }

  private static func find(_ pattern: [UInt8], in bytes: [UInt8], from start: Int) -> Int? {
    var index = start
    while index + pattern.count <= bytes.count {
      if bytes[index] == pattern[0] && bytes[index + 1] == pattern[1] { return index }
      index += 1
    }
    return nil
  }

  /// The label's start and the index of `*]` for the first `#Label*]` at or after `start`.
  private static func findClosing(in bytes: [UInt8], from start: Int) -> (Int, Int)? {
    var index = start
    while index < bytes.count {
      if bytes[index] == 0x23 {  // "#"
        var end = index + 1
        while end < bytes.count, bytes[end] != 0x2A, bytes[end] != 0x23, bytes[end] != 0x5D {
          end += 1
        }
        if end + 1 < bytes.count, bytes[end] == 0x2A, bytes[end + 1] == 0x5D {
          return (index + 1, end)
        }
      }
      index += 1
    }
    return nil
  }
}
