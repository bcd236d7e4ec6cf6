import LossKitCore

/// A one-hidden-layer perceptron over sparse and dense features, with one classification
/// head per target: `logits_h = Dense_h(dropout(relu(encode(x))))`.
///
/// Outputs `logits_<head>` `[rows, classes]` (and `logits` for a lone head), and
/// `embeddings`, the hidden layer after dropout `[rows, hiddenSize]`, which every head reads.
public final class MultilayerPerceptron: Model {
  /// `mlp`.
  public static let name = "mlp"
  /// Version 2 has heads; version 1 (one `shape.classes`) is read and upgraded.
  public static let version = 2
  /// Version 1 is still read.
  public static let minimumVersion = 1
  /// One line for `losskit kinds`.
  public static let summary = "one ReLU hidden layer shared by every head (the embedding)"

  /// The hyper-parameters.
  public struct Configuration: Codable, Sendable, Equatable {
    /// The features read.
    public var input: InputShape
    /// The classification heads.
    public var heads: [HeadShape]
    /// The hidden width (default 128).
    public var hiddenSize: Int
    /// The dropout rate after the hidden layer (default 0.2).
    public var dropout: Float
    /// The initialisation and dropout seed.
    public var seed: UInt64

    /// Creates a configuration.
    public init(
      input: InputShape, heads: [HeadShape], hiddenSize: Int = 128, dropout: Float = 0.2,
      seed: UInt64 = 0
    ) {
      self.input = input
      self.heads = heads
      self.hiddenSize = hiddenSize
      self.dropout = dropout
      self.seed = seed
    }
  }

  /// The defaults `losskit kinds` shows; the input and heads come from the data.
  public static let defaultConfiguration: Configuration? = Configuration(input: .placeholder, heads: [.labels(classes: 3)])

  /// The configuration the model was built with.
  public let configuration: Configuration
  let encoder: LineEncoder
  let dropout: Dropout
  let heads: ClassificationHeads
  /// The dropout state.
  public var random: SeededGenerator

  /// Creates a model with seeded initial weights.
  ///
  /// - Throws: ``LossKitError/invalidParameter(loss:name:reason:)`` for sizes out of range,
  ///   a dropout outside `[0, 1)`, no features, or bad heads.
  public init(_ configuration: Configuration) throws {
    let rules = ConfigurationRules(model: Self.name)
    try rules.check(configuration.heads)
    try rules.check("hiddenSize", configuration.hiddenSize, maximum: 1 << 16)
    try rules.check(configuration.input, width: configuration.hiddenSize)
    try rules.checkDropout(configuration.dropout)
    self.configuration = configuration
    var random = SeededGenerator(seed: configuration.seed)
    encoder = LineEncoder(
      name: "hidden", buckets: configuration.input.buckets,
      denseWidth: configuration.input.denseWidth, width: configuration.hiddenSize,
      activation: .relu, random: &random)
    dropout = Dropout(rate: configuration.dropout)
    heads = ClassificationHeads(
      configuration.heads, inputSize: configuration.hiddenSize, random: &random)
    self.random = random
  }

  /// Reads version 1 (`shape`) as one head named `labels`.
  public static func upgrade(_ parameters: JSONValue, from version: Int) throws -> JSONValue {
    version == 1 ? try parameters.upgradingSingleShape(model: name) : parameters
  }

  /// Every parameter.
  public var parameters: [Parameter] { encoder.parameters + heads.parameters }
  /// Every head's logits (`logits` too for a lone head) and `embeddings`.
  public var outputNames: [String] { heads.outputNames }

  /// Every head's logits and the embeddings.
  public func forward(_ batch: FeatureBatch, training: Bool) throws -> [String: Tensor] {
    var hidden = try encoder.forward(batch, training: training)
    dropout.forward(&hidden, training: training, random: &random)
    return try heads.forward(
      hidden, rows: batch.rowCount, rowShape: [batch.rowCount], training: training)
  }

  /// Adds parameter gradients from every output that received one.
  public func backward(_ outputGradients: [String: Tensor]) throws {
    guard let rows = outputGradients["embeddings"]?.flatRowCount ?? heads.rows(in: outputGradients),
      var dHidden = try heads.backward(outputGradients, rows: rows)
    else { return }
    dropout.backward(&dHidden)
    encoder.backward(dHidden, rows: rows)
  }
}
