import LossKitCore

/// A sequence tagger: each row (a line of text) is encoded, a stack of bidirectional LSTMs
/// reads the rows of a window in order, and a dense layer gives per-row class logits.
///
/// Output `logits` `[windows, windowSize, classes]`. Training uses windows of
/// ``Configuration/windowSize`` consecutive lines; prediction slides windows by
/// ``Configuration/predictionStride`` and averages the overlapping predictions
/// (see `WindowedPrediction` in LossKitTraining).
public final class BiLSTMTagger: Model {
  /// The hyper-parameters.
  public struct Configuration: Codable, Sendable, Equatable {
    /// Input and output sizes.
    public var shape: ModelShape
    /// The width of a line's encoding (default 64).
    public var embeddingSize: Int
    /// The state width of each LSTM direction (default 128, the seed's).
    public var hiddenSize: Int
    /// Stacked bidirectional layers (default 2, the seed's).
    public var numLayers: Int
    /// The dropout rate between layers (default 0.3).
    public var dropout: Float
    /// Lines per window (default 15, the seed's).
    public var windowSize: Int
    /// Lines between the starts of consecutive prediction windows (default: half a window).
    public var predictionStride: Int
    /// The initialisation and dropout seed.
    public var seed: UInt64

    /// Creates a configuration.
    public init(
      shape: ModelShape, embeddingSize: Int = 64, hiddenSize: Int = 128, numLayers: Int = 2,
      dropout: Float = 0.3, windowSize: Int = 15, predictionStride: Int? = nil, seed: UInt64 = 0
    ) {
      self.shape = shape
      self.embeddingSize = embeddingSize
      self.hiddenSize = hiddenSize
      self.numLayers = numLayers
      self.dropout = dropout
      self.windowSize = windowSize
      self.predictionStride = predictionStride ?? max(1, windowSize / 2)
      self.seed = seed
    }
  }

  /// The configuration the model was built with.
  public let configuration: Configuration
  let encoder: LineEncoder
  let layers: [BidirectionalLSTM]
  let dropouts: [Dropout]
  let output: Dense
  /// The dropout state.
  public var random: SeededGenerator

  /// Creates a model with seeded initial weights.
  ///
  /// - Throws: ``LossKitError/invalidParameter(loss:name:reason:)`` for sizes below 1 or a
  ///   dropout outside `[0, 1)`.
  public init(_ configuration: Configuration) throws {
    for (name, value) in [
      ("embeddingSize", configuration.embeddingSize), ("hiddenSize", configuration.hiddenSize),
      ("numLayers", configuration.numLayers), ("windowSize", configuration.windowSize),
      ("predictionStride", configuration.predictionStride),
    ] where value < 1 {
      throw LossKitError.invalidParameter(loss: "bilstm", name: name, reason: "\(value) is below 1")
    }
    guard configuration.predictionStride <= configuration.windowSize else {
      throw LossKitError.invalidParameter(
        loss: "bilstm", name: "predictionStride",
        reason: "\(configuration.predictionStride) exceeds the window size \(configuration.windowSize); lines between windows would never be predicted")
    }
    guard configuration.dropout >= 0, configuration.dropout < 1 else {
      throw LossKitError.invalidParameter(
        loss: "bilstm", name: "dropout", reason: "\(configuration.dropout) is not in [0, 1)")
    }
    self.configuration = configuration
    var random = SeededGenerator(seed: configuration.seed)
    encoder = LineEncoder(
      name: "encoder", buckets: configuration.shape.buckets,
      denseWidth: configuration.shape.denseWidth, width: configuration.embeddingSize,
      activation: .tanh, random: &random)
    var layers: [BidirectionalLSTM] = []
    var inputSize = configuration.embeddingSize
    for index in 0..<configuration.numLayers {
      layers.append(
        BidirectionalLSTM(
          name: "lstm\(index)", inputSize: inputSize, hiddenSize: configuration.hiddenSize,
          random: &random))
      inputSize = 2 * configuration.hiddenSize
    }
    self.layers = layers
    dropouts = (0...configuration.numLayers).map { _ in Dropout(rate: configuration.dropout) }
    output = Dense(
      name: "output", inputSize: inputSize, outputSize: configuration.shape.classes,
      random: &random)
    self.random = random
  }

  /// `bilstm`.
  public var kind: String { "bilstm" }
  /// Every parameter.
  public var parameters: [Parameter] {
    encoder.parameters + layers.flatMap(\.parameters) + output.parameters
  }
  /// `["logits"]`.
  public var outputNames: [String] { ["logits"] }
  /// The configuration as JSON.
  public var hyperparameters: JSONValue { (try? JSONValue(encoding: configuration)) ?? .null }

  /// Per-row logits `[windows, steps, classes]`.
  ///
  /// - Throws: ``LossKitError/shapeMismatch(_:expected:actual:)`` when the batch is not
  ///   grouped into sequences.
  public func forward(_ batch: FeatureBatch, training: Bool) throws -> [String: Tensor] {
    guard let shape = batch.sequence, shape.count * shape.steps == batch.rowCount else {
      throw LossKitError.shapeMismatch(
        "bilstm input: rows must form sequences (FeatureBatch.sequence)",
        expected: [configuration.windowSize], actual: [batch.rowCount])
    }
    let rows = batch.rowCount
    var x = try encoder.forward(batch, training: training)
    dropouts[0].forward(&x, training: training, random: &random)
    for (index, layer) in layers.enumerated() {
      x = layer.forward(x, shape: shape, mask: batch.mask, training: training)
      dropouts[index + 1].forward(&x, training: training, random: &random)
    }
    let logits = output.forward(x, rows: rows, training: training)
    return ["logits": try logits.reshaped(to: [shape.count, shape.steps, configuration.shape.classes])]
  }

  /// Adds parameter gradients.
  public func backward(_ outputGradients: [String: Tensor]) throws {
    guard let slope = outputGradients["logits"] else { return }
    let rows = slope.flatRowCount
    var dx = output.backward(try slope.reshaped(to: [rows, configuration.shape.classes]), rows: rows)
    for (index, layer) in layers.enumerated().reversed() {
      dropouts[index + 1].backward(&dx)
      dx = layer.backward(dx, rows: rows)
    }
    dropouts[0].backward(&dx)
    encoder.backward(dx, rows: rows)
  }
}
