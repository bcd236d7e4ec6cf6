import LossKitCore

/// A one-hidden-layer perceptron over sparse and dense features:
/// `logits = Dense(dropout(relu(encode(x))))`. Output `logits` `[rows, classes]`.
public final class MultilayerPerceptron: Model {
  /// The hyper-parameters.
  public struct Configuration: Codable, Sendable, Equatable {
    /// Input and output sizes.
    public var shape: ModelShape
    /// The hidden width (default 128).
    public var hiddenSize: Int
    /// The dropout rate after the hidden layer (default 0.2).
    public var dropout: Float
    /// The initialisation and dropout seed.
    public var seed: UInt64

    /// Creates a configuration.
    public init(shape: ModelShape, hiddenSize: Int = 128, dropout: Float = 0.2, seed: UInt64 = 0) {
      self.shape = shape
      self.hiddenSize = hiddenSize
      self.dropout = dropout
      self.seed = seed
    }
  }

  /// The configuration the model was built with.
  public let configuration: Configuration
  let encoder: LineEncoder
  let dropout: Dropout
  let output: Dense
  /// The dropout state.
  public var random: SeededGenerator

  /// Creates a model with seeded initial weights.
  public init(_ configuration: Configuration) {
    self.configuration = configuration
    var random = SeededGenerator(seed: configuration.seed)
    encoder = LineEncoder(
      name: "hidden", buckets: configuration.shape.buckets,
      denseWidth: configuration.shape.denseWidth, width: configuration.hiddenSize,
      activation: .relu, random: &random)
    dropout = Dropout(rate: configuration.dropout)
    output = Dense(
      name: "output", inputSize: configuration.hiddenSize, outputSize: configuration.shape.classes,
      random: &random)
    self.random = random
  }

  /// `mlp`.
  public var kind: String { "mlp" }
  /// Every parameter.
  public var parameters: [Parameter] { encoder.parameters + output.parameters }
  /// `["logits"]`.
  public var outputNames: [String] { ["logits"] }
  /// The configuration as JSON.
  public var hyperparameters: JSONValue { (try? JSONValue(encoding: configuration)) ?? .null }

  /// The class logits.
  public func forward(_ batch: FeatureBatch, training: Bool) throws -> [String: Tensor] {
    var hidden = try encoder.forward(batch, training: training)
    dropout.forward(&hidden, training: training, random: &random)
    return ["logits": output.forward(hidden, rows: batch.rowCount, training: training)]
  }

  /// Adds parameter gradients.
  public func backward(_ outputGradients: [String: Tensor]) throws {
    guard let slope = outputGradients["logits"] else { return }
    let rows = slope.flatRowCount
    var dHidden = output.backward(slope, rows: rows)
    dropout.backward(&dHidden)
    encoder.backward(dHidden, rows: rows)
  }
}
