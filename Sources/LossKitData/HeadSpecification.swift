/// A named target set and the view that gives its classes, as `--head NAME=VIEW` writes it:
/// `kind=collapsed`, `section=fine`, `battery=battery_label`.
public struct HeadSpecification: Sendable, Equatable, Codable {
  /// The target set's name (the head's logits are `logits_<name>`).
  public var name: String
  /// Where its classes come from.
  public var view: LabelView

  /// Creates a head specification.
  public init(name: String, view: LabelView) {
    self.name = name
    self.view = view
  }

  /// Parses `NAME=VIEW`.
  ///
  /// - Throws: ``DataError/badHead(_:reason:)`` for a missing `=`, an empty side, or a name
  ///   a loss expression cannot spell.
  public init(parsing text: String, minimumLines: Int = LabelView.defaultMinimumLines) throws {
    let parts = text.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
    guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
      throw DataError.badHead(
        text, reason: "write NAME=VIEW, e.g. kind=collapsed, section=fine or "
          + "battery=battery_label (a CSV column)")
    }
    let name = String(parts[0])
    guard name.count <= 64,
      name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "_-".contains($0)) })
    else {
      throw DataError.badHead(
        text, reason: "'\(name)' is not a head name; use letters, digits, '_' or '-'")
    }
    self.init(name: name, view: .named(String(parts[1]), minimumLines: minimumLines))
  }
}
