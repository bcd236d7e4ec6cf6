import LossKitCore
import LossKitData

/// A named target set of a trained model: the view its classes come from and the class
/// names in index order. A saved model keeps one per head.
public struct TargetDefinition: Codable, Sendable, Equatable {
  /// The target set's name (`labels` for a single-target model).
  public var name: String
  /// Where its classes come from.
  public var view: LabelView
  /// The class names, in class-index order.
  public var labels: [String]

  /// Creates a definition.
  public init(name: String, view: LabelView, labels: [String]) {
    self.name = name
    self.view = view
    self.labels = labels
  }

  /// The definitions of some heads for training data: each view's classes as the data has
  /// them.
  ///
  /// - Throws: ``DataError`` for a view the data cannot give, or
  ///   ``LossKitError/invalidParameter(loss:name:reason:)`` for a head with fewer than two
  ///   classes.
  public static func resolve(_ heads: [HeadSpecification], from data: LoadedData) throws
    -> [TargetDefinition]
  {
    try heads.map { head in
      let labels = head.view.labelNames(counts: try data.rawLabelCounts(head.view))
      let definition = TargetDefinition(name: head.name, view: head.view, labels: labels)
      try definition.validate()
      return definition
    }
  }

  /// Checks the labels: two or more, unique, non-empty, at most 65536.
  ///
  /// - Throws: ``LossKitError/invalidParameter(loss:name:reason:)`` naming the target.
  public func validate() throws {
    let field = "targets.\(name).labels"
    guard labels.count >= 2, labels.count <= 1 << 16 else {
      throw LossKitError.invalidParameter(
        loss: "targets", name: field,
        reason: "\(labels.count) classes (\(labels.prefix(5).joined(separator: ", "))); a head "
          + "needs at least two, so check that its view matches the data")
    }
    guard Set(labels).count == labels.count, !labels.contains("") else {
      throw LossKitError.invalidParameter(
        loss: "targets", name: field, reason: "a label is empty or listed twice")
    }
  }

  /// Every row's class index under this definition (the ignore index for a row whose raw
  /// label maps to no class, or an unlabelled row).
  ///
  /// - Throws: As ``LoadedData/rawLabels(_:)``.
  public func classIndices(_ data: LoadedData) throws -> [Int32] {
    let index = Dictionary(uniqueKeysWithValues: labels.enumerated().map { ($1, Int32($0)) })
    let names = Set(labels)
    return try data.rawLabels(view).map { raw in
      view.label(for: raw, among: names).flatMap { index[$0] } ?? Targets.defaultIgnoreIndex
    }
  }
}
