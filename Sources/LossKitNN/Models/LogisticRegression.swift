import LossKitCore

/// Multinomial logistic regression over sparse and dense features: one linear map per head
/// to its class logits.
///
/// Outputs `logits_<head>` `[rows, classes]` (and `logits` for a lone head), and
/// `embeddings` `[rows, Σ classes]`: a linear model has no hidden layer, so its per-row
/// representation is every head's logits side by side.
public final class LogisticRegression: Model {
  /// `logistic`.
  public static let name = "logistic"
  /// Version 2 has heads; version 1 (one `shape.classes`) is read and upgraded.
  public static let version = 2
  /// Version 1 is still read.
  public static let minimumVersion = 1
  /// One line for `losskit kinds`.
  public static let summary = "multinomial logistic regression per head over hashed and dense features"

  /// The hyper-parameters.
  public struct Configuration: Codable, Sendable, Equatable {
    /// The features read.
    public var input: InputShape
    /// The classification heads.
    public var heads: [HeadShape]
    /// The initialisation seed.
    public var seed: UInt64

    /// Creates a configuration.
    public init(input: InputShape, heads: [HeadShape], seed: UInt64 = 0) {
      self.input = input
      self.heads = heads
      self.seed = seed
    }
  }

  /// The defaults `losskit kinds` shows; the input and heads come from the data.
  public static let defaultConfiguration: Configuration? = Configuration(input: .placeholder, heads: [.labels(classes: 3)])

  /// The configuration the model was built with.
  public let configuration: Configuration
  let encoder: LineEncoder
  /// The dropout state (unused by this model, kept for a uniform interface).
  public var random: SeededGenerator

  /// Creates a model with seeded initial weights.
  ///
  /// - Throws: ``LossKitError/invalidParameter(loss:name:reason:)`` for sizes out of range,
  ///   no features, or bad heads.
  public init(_ configuration: Configuration) throws {
    let rules = ConfigurationRules(model: Self.name)
    try rules.check(configuration.heads)
    let width = configuration.heads.reduce(0) { $0 + $1.classes }
    try rules.check(configuration.input, width: width)
    self.configuration = configuration
    var random = SeededGenerator(seed: configuration.seed)
    encoder = LineEncoder(
      name: "linear", buckets: configuration.input.buckets,
      denseWidth: configuration.input.denseWidth, width: width, activation: .identity,
      random: &random)
    self.random = random
  }

  /// Reads version 1 (`shape`) as one head named `labels`.
  public static func upgrade(_ parameters: JSONValue, from version: Int) throws -> JSONValue {
    version == 1 ? try parameters.upgradingSingleShape(model: name) : parameters
  }

  /// The encoder's parameters.
  public var parameters: [Parameter] { encoder.parameters }
  /// Every head's logits (`logits` too for a lone head) and `embeddings`.
  public var outputNames: [String] { ClassificationHeads.outputNames(configuration.heads) }

  /// Every head's logits and the embeddings.
  public func forward(_ batch: FeatureBatch, training: Bool) throws -> [String: Tensor] {
    let all = try encoder.forward(batch, training: training)
    var outputs: [String: Tensor] = ["embeddings": all]
    let heads = configuration.heads
    if heads.count == 1 {
      outputs["logits"] = all
      outputs["logits_\(heads[0].name)"] = all
      return outputs
    }
    var offset = 0
    for head in heads {
      outputs["logits_\(head.name)"] = all.columns(offset..<(offset + head.classes))
      offset += head.classes
    }
    return outputs
  }

  /// Adds parameter gradients from every output that received one.
  public func backward(_ outputGradients: [String: Tensor]) throws {
    let width = encoder.width
    guard let rows = outputGradients.values.first.map({ $0.count / max($0.lastDimension, 1) })
    else { return }
    var slope = Tensor(shape: [rows, width])
    var received = false
    func add(_ gradient: Tensor?, at offset: Int) {
      guard let gradient else { return }
      received = true
      slope.addColumns(gradient, at: offset)
    }
    add(outputGradients["embeddings"], at: 0)
    let heads = configuration.heads
    if heads.count == 1 { add(outputGradients["logits"], at: 0) }
    var offset = 0
    for head in heads {
      add(outputGradients["logits_\(head.name)"], at: offset)
      offset += head.classes
    }
    if received { encoder.backward(slope, rows: rows) }
  }
}
