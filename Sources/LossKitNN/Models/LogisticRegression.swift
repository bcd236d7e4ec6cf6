import LossKitCore

/// Multinomial logistic regression over sparse and dense features: one linear map to the
/// class logits. Output `logits` `[rows, classes]`.
public final class LogisticRegression: Model {
  /// The hyper-parameters.
  public struct Configuration: Codable, Sendable, Equatable {
    /// Input and output sizes.
    public var shape: ModelShape
    /// The initialisation seed.
    public var seed: UInt64

    /// Creates a configuration.
    public init(shape: ModelShape, seed: UInt64 = 0) {
      self.shape = shape
      self.seed = seed
    }
  }

  /// The configuration the model was built with.
  public let configuration: Configuration
  let encoder: LineEncoder
  /// The dropout state (unused by this model, kept for a uniform interface).
  public var random: SeededGenerator

  /// Creates a model with seeded initial weights.
  public init(_ configuration: Configuration) {
    self.configuration = configuration
    var random = SeededGenerator(seed: configuration.seed)
    encoder = LineEncoder(
      name: "linear", buckets: configuration.shape.buckets,
      denseWidth: configuration.shape.denseWidth, width: configuration.shape.classes,
      activation: .identity, random: &random)
    self.random = random
  }

  /// `logistic`.
  public var kind: String { "logistic" }
  /// The encoder's parameters.
  public var parameters: [Parameter] { encoder.parameters }
  /// `["logits"]`.
  public var outputNames: [String] { ["logits"] }
  /// The configuration as JSON.
  public var hyperparameters: JSONValue { (try? JSONValue(encoding: configuration)) ?? .null }

  /// The class logits.
  public func forward(_ batch: FeatureBatch, training: Bool) throws -> [String: Tensor] {
    ["logits": try encoder.forward(batch, training: training)]
  }

  /// Adds parameter gradients.
  public func backward(_ outputGradients: [String: Tensor]) throws {
    guard let slope = outputGradients["logits"] else { return }
    encoder.backward(slope, rows: slope.flatRowCount)
  }
}
