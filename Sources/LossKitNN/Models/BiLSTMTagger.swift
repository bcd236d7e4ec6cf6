import LossKitCore

/// A sequence tagger: each row (a line of text) is encoded, a stack of bidirectional LSTMs
/// reads the rows of a window in order, and one dense layer per head gives per-row logits.
///
/// Outputs `logits_<head>` `[windows, windowSize, classes]` (and `logits` for a lone head),
/// and `embeddings` `[windows · windowSize, 2 · hiddenSize]`, the last LSTM layer's output
/// after dropout, which every head reads. The windows (their size, and the stride between
/// prediction windows whose predictions are averaged) are the input pipeline's.
///
/// With ``Configuration/crf``, every head also has a linear-chain CRF output: its logits are
/// the emission scores, and the model produces the head's transition, start and end scores
/// (``CRFOutputNames``: `transitions`, `start_transitions`, `end_transitions` for a lone head)
/// for the `crf` loss; prediction then decodes each document with Viterbi.
public final class BiLSTMTagger: Model {
  /// `bilstm`.
  public static let name = "bilstm"
  /// Version 3 may have CRF outputs; version 2 has heads; version 1 (one `shape.classes`) is
  /// read and upgraded.
  public static let version = 3
  /// Version 1 is still read.
  public static let minimumVersion = 1
  /// One line for `losskit kinds`.
  public static let summary =
    "line encoder + stacked bidirectional LSTMs over windows of lines, one dense layer per "
    + "head, optionally a CRF output per head"

  /// The hyper-parameters.
  public struct Configuration: Codable, Sendable, Equatable {
    /// The features read.
    public var input: InputShape
    /// The classification heads.
    public var heads: [HeadShape]
    /// The width of a line's encoding (default 128, the seed's line embedding).
    public var embeddingSize: Int
    /// The state width of each LSTM direction (default 128, the seed's).
    public var hiddenSize: Int
    /// Stacked bidirectional layers (default 2, the seed's).
    public var numLayers: Int
    /// The dropout rate between layers (default 0.3).
    public var dropout: Float
    /// The initialisation and dropout seed.
    public var seed: UInt64
    /// Whether every head has a linear-chain CRF output (default false).
    public var crf: Bool
    /// The rate at which sparse input features (n-grams) are dropped in training, each alone
    /// (default 0).
    public var inputDropout: Float

    /// Creates a configuration.
    public init(
      input: InputShape, heads: [HeadShape], embeddingSize: Int = 128, hiddenSize: Int = 128,
      numLayers: Int = 2, dropout: Float = 0.3, seed: UInt64 = 0, crf: Bool = false,
      inputDropout: Float = 0
    ) {
      self.input = input
      self.heads = heads
      self.embeddingSize = embeddingSize
      self.hiddenSize = hiddenSize
      self.numLayers = numLayers
      self.dropout = dropout
      self.seed = seed
      self.crf = crf
      self.inputDropout = inputDropout
    }

    /// Decodes a configuration; `crf` and `inputDropout`, which version 2 lacks, default to
    /// off.
    public init(from decoder: any Decoder) throws {
      let container = try decoder.container(keyedBy: CodingKeys.self)
      input = try container.decode(InputShape.self, forKey: .input)
      heads = try container.decode([HeadShape].self, forKey: .heads)
      embeddingSize = try container.decode(Int.self, forKey: .embeddingSize)
      hiddenSize = try container.decode(Int.self, forKey: .hiddenSize)
      numLayers = try container.decode(Int.self, forKey: .numLayers)
      dropout = try container.decode(Float.self, forKey: .dropout)
      seed = try container.decode(UInt64.self, forKey: .seed)
      crf = try container.decodeIfPresent(Bool.self, forKey: .crf) ?? false
      inputDropout = try container.decodeIfPresent(Float.self, forKey: .inputDropout) ?? 0
    }
  }

  /// The defaults `losskit kinds` shows; the input and heads come from the data.
  public static let defaultConfiguration: Configuration? = Configuration(
    input: .placeholder, heads: [.labels(classes: 3)])

  /// The configuration the model was built with.
  public let configuration: Configuration
  let encoder: LineEncoder
  let layers: [BidirectionalLSTM]
  let dropouts: [Dropout]
  let heads: ClassificationHeads
  let crfOutputs: [CRFOutput]
  /// The dropout state.
  public var random: SeededGenerator
  /// Reads windows of consecutive lines.
  public static let readsSequences = true

  /// Creates a model with seeded initial weights.
  ///
  /// - Throws: ``LossKitError/invalidParameter(loss:name:reason:)`` for sizes out of range, a
  ///   dropout outside `[0, 1)`, no features, or bad heads.
  public init(_ configuration: Configuration) throws {
    let rules = ConfigurationRules(model: Self.name)
    try rules.check(configuration.heads)
    try rules.check("embeddingSize", configuration.embeddingSize, maximum: 1 << 14)
    try rules.check("hiddenSize", configuration.hiddenSize, maximum: 1 << 12)
    try rules.check("numLayers", configuration.numLayers, maximum: 16)
    try rules.check(configuration.input, width: configuration.embeddingSize)
    try rules.checkDropout(configuration.dropout)
    try rules.checkDropout(configuration.inputDropout, name: "inputDropout")
    self.configuration = configuration
    var random = SeededGenerator(seed: configuration.seed)
    encoder = LineEncoder(
      name: "encoder", buckets: configuration.input.buckets,
      denseWidth: configuration.input.denseWidth, width: configuration.embeddingSize,
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
    heads = ClassificationHeads(configuration.heads, inputSize: inputSize, random: &random)
    let lone = configuration.heads.count == 1
    crfOutputs =
      configuration.crf
      ? configuration.heads.map {
        CRFOutput(head: $0.name, lone: lone, classes: $0.classes, random: &random)
      } : []
    self.random = random
  }

  /// Reads version 1 (`shape`, and the window sizes the input pipeline now holds) as one
  /// head named `labels`.
  public static func upgrade(_ parameters: JSONValue, from version: Int) throws -> JSONValue {
    guard version == 1 else { return parameters }
    guard case .object(var object) = try parameters.upgradingSingleShape(model: name) else {
      return parameters
    }
    object["windowSize"] = nil
    object["predictionStride"] = nil
    return .object(object)
  }

  /// Every parameter.
  public var parameters: [Parameter] {
    encoder.parameters + layers.flatMap(\.parameters) + heads.parameters
      + crfOutputs.flatMap(\.parameters)
  }
  /// Every head's logits (`logits` too for a lone head), `embeddings`, and each CRF output's
  /// scores.
  public var outputNames: [String] { heads.outputNames + crfOutputs.flatMap(\.names.scores) }

  /// Per-row logits `[windows, steps, classes]` for every head, and the embeddings.
  ///
  /// - Throws: ``LossKitError/shapeMismatch(_:expected:actual:)`` when the batch is not
  ///   grouped into sequences.
  public func forward(_ batch: FeatureBatch, training: Bool) throws -> [String: Tensor] {
    guard let shape = batch.sequence, shape.count * shape.steps == batch.rowCount else {
      throw LossKitError.shapeMismatch(
        "bilstm input: rows must form sequences (FeatureBatch.sequence)",
        expected: [batch.rowCount], actual: [batch.rowCount])
    }
    var input = batch
    if training, configuration.inputDropout > 0, let sparse = batch.sparse {
      input.sparse = sparse.dropping(rate: configuration.inputDropout, random: &random)
    }
    var x = try encoder.forward(input, training: training)
    dropouts[0].forward(&x, training: training, random: &random)
    for (index, layer) in layers.enumerated() {
      x = layer.forward(x, shape: shape, mask: batch.mask, training: training)
      dropouts[index + 1].forward(&x, training: training, random: &random)
    }
    var outputs = try heads.forward(
      x, rows: batch.rowCount, rowShape: [shape.count, shape.steps], training: training)
    for crf in crfOutputs { outputs.merge(crf.outputs) { _, scores in scores } }
    return outputs
  }

  /// Adds parameter gradients from every output that received one.
  public func backward(_ outputGradients: [String: Tensor]) throws {
    for crf in crfOutputs { try crf.backward(outputGradients) }
    guard let rows = outputGradients["embeddings"]?.flatRowCount ?? heads.rows(in: outputGradients),
      var dx = try heads.backward(outputGradients, rows: rows)
    else { return }
    for (index, layer) in layers.enumerated().reversed() {
      dropouts[index + 1].backward(&dx)
      dx = layer.backward(dx, rows: rows)
    }
    dropouts[0].backward(&dx)
    encoder.backward(dx, rows: rows)
  }
}
