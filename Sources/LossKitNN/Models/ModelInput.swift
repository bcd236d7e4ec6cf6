import LossKitCore

/// What a model's encoder reads: the hashed sparse features and the dense features of a row.
public struct InputShape: Codable, Sendable, Equatable {
  /// The number of hash buckets of the sparse features (0 for none).
  public var buckets: Int
  /// The number of dense features per row (0 for none).
  public var denseWidth: Int

  /// Creates an input shape.
  public init(buckets: Int, denseWidth: Int) {
    self.buckets = buckets
    self.denseWidth = denseWidth
  }

  /// The shape `losskit kinds` shows: 2¹⁸ buckets and the 18 layout features.
  public static let placeholder = InputShape(buckets: 1 << 18, denseWidth: 18)
}

/// One classification head: a named target set and its number of classes. The head's logits
/// are the output `logits_<name>` (and also `logits` when it is the model's only head).
public struct HeadShape: Codable, Sendable, Equatable {
  /// The target set the head predicts, such as `kind` or `labels`.
  public var name: String
  /// Its number of classes.
  public var classes: Int

  /// Creates a head.
  public init(name: String, classes: Int) {
    self.name = name
    self.classes = classes
  }

  /// The head a single-target model has: `labels`.
  public static func labels(classes: Int) -> HeadShape { HeadShape(name: "labels", classes: classes) }
}
