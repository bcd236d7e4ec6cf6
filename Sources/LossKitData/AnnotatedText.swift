/// A labelled line of text from an annotated document.
public struct AnnotatedLine: Sendable, Equatable {
  /// The line as written, leading spaces included.
  public var text: String
  /// The label after collapsing (for example `Misc` for `Bibliography`).
  public var label: String
  /// The label as written in the file.
  public var rawLabel: String
  /// The 1-based line number in the file.
  public var lineNumber: Int

  /// Creates a line.
  public init(text: String, label: String, rawLabel: String, lineNumber: Int) {
    self.text = text
    self.label = label
    self.rawLabel = rawLabel
    self.lineNumber = lineNumber
  }
}

/// The labelled lines of one file, in reading order.
public struct AnnotatedDocument: Sendable, Equatable {
  /// Where the document came from.
  public var path: String
  /// Its labelled lines.
  public var lines: [AnnotatedLine]

  /// Creates a document.
  public init(path: String, lines: [AnnotatedLine]) {
    self.path = path
    self.lines = lines
  }
}

/// How raw labels map to the labels a model learns.
///
/// The default keeps `Nomenclature` and `Description` and maps every other label to `Misc`,
/// the SKOL task's three classes.
public struct LabelCollapsing: Sendable, Equatable, Codable {
  /// Labels kept as they are.
  public var kept: [String]
  /// The label every other raw label becomes (`nil` keeps all labels).
  public var other: String?
  /// Explicit renames applied first (`Diagnosis` → `Description`, …).
  public var renames: [String: String]

  /// The SKOL default: Nomenclature, Description, everything else Misc.
  public static let skol = LabelCollapsing(kept: ["Nomenclature", "Description"], other: "Misc")

  /// Keeps every label as written.
  public static let none = LabelCollapsing(kept: [], other: nil)

  /// Creates a collapsing rule.
  public init(kept: [String], other: String?, renames: [String: String] = [:]) {
    self.kept = kept
    self.other = other
    self.renames = renames
  }

  /// The collapsed label for a raw one.
  public func collapse(_ raw: String) -> String {
    let renamed = renames[raw] ?? raw
    guard let other else { return renamed }
    return kept.contains(renamed) ? renamed : other
  }

  /// The label names a data set collapsed this way can hold, kept labels first.
  public var labelNames: [String]? { other.map { kept + [$0] } }
}
