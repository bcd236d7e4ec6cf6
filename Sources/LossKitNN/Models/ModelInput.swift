import LossKitCore

/// What every model needs to know about its input and output.
public struct ModelShape: Codable, Sendable, Equatable {
  /// The number of hash buckets of the sparse features.
  public var buckets: Int
  /// The number of dense features per row.
  public var denseWidth: Int
  /// The number of classes.
  public var classes: Int

  /// Creates a shape.
  public init(buckets: Int, denseWidth: Int, classes: Int) {
    self.buckets = buckets
    self.denseWidth = denseWidth
    self.classes = classes
  }
}
