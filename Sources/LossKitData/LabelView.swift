/// How a target set's classes come from the data: a view of the raw labels of annotated
/// pages, or a label column of a CSV file.
///
/// On the command line: `collapsed` (Nomenclature / Description / Misc), `fine` (every
/// label with at least `--min-label-lines` training lines, the rest Misc), `all` (every
/// label as written), or a CSV column name.
public enum LabelView: Sendable, Equatable, Codable {
  /// Raw labels collapsed by a rule (``LabelCollapsing/skol`` for `collapsed`).
  case collapsed(LabelCollapsing)
  /// Raw labels with at least `minimumLines` training lines keep their name; the others
  /// become `other`.
  case frequent(minimumLines: Int, other: String)
  /// Every raw label as written.
  case all
  /// The values of a CSV column.
  case column(String)

  /// The default number of training lines a label needs to keep its name in `fine`.
  public static let defaultMinimumLines = 200

  /// The view a command-line word names.
  ///
  /// - Parameter minimumLines: What `fine` requires.
  public static func named(_ word: String, minimumLines: Int = defaultMinimumLines) -> LabelView {
    switch word {
    case "collapsed": return .collapsed(.skol)
    case "fine": return .frequent(minimumLines: minimumLines, other: "Misc")
    case "all": return .all
    default: return .column(word)
    }
  }

  /// The class names for training data with these raw labels and counts: the collapsed
  /// labels (kept labels first), the frequent labels sorted plus `other`, or every label
  /// sorted.
  public func labelNames(counts: [String: Int]) -> [String] {
    switch self {
    case .collapsed(let rule):
      return rule.labelNames
        ?? Array(Set(counts.keys.map(rule.collapse)).subtracting([""])).sorted()
    case .frequent(let minimumLines, let other):
      let kept = counts.filter { $0.value >= minimumLines && $0.key != other && !$0.key.isEmpty }
      return kept.keys.sorted() + [other]
    case .all, .column:
      return counts.keys.filter { !$0.isEmpty }.sorted()
    }
  }

  /// The class name a raw label has among `names`, or `nil` when it has none (the sample is
  /// then ignored by losses and metrics).
  public func label(for raw: String, among names: Set<String>) -> String? {
    switch self {
    case .collapsed(let rule):
      let collapsed = rule.collapse(raw)
      return names.contains(collapsed) ? collapsed : nil
    case .frequent(_, let other):
      if names.contains(raw), raw != other { return raw }
      return raw.isEmpty ? nil : other
    case .all, .column:
      return names.contains(raw) ? raw : nil
    }
  }
}
