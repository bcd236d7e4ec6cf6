import LossKit

/// A model defined outside LossKit's modules, as a user writes one: a tanh line encoder over
/// hashed and dense features, shared by one linear head per target set.
///
/// Outputs `logits_<head>` and `embeddings` (the encoding every head reads).
public final class TinyTagger: Model {
  /// `tiny-tagger`.
  public static let name = "tiny-tagger"
  /// The configuration version.
  public static let version = 1
  /// One line for `losskit kinds`.
  public static let summary = "a user model in the tests: tanh encoder and one linear layer per head"

  /// What rebuilds the model.
  public struct Configuration: Codable, Sendable, Equatable {
    /// The features read.
    public var input: InputShape
    /// The heads.
    public var heads: [HeadShape]
    /// The encoding's width.
    public var width: Int
    /// The initialisation seed.
    public var seed: UInt64

    /// Creates a configuration.
    public init(input: InputShape, heads: [HeadShape], width: Int, seed: UInt64) {
      self.input = input
      self.heads = heads
      self.width = width
      self.seed = seed
    }
  }

  /// The configuration.
  public let configuration: Configuration
  let encoder: LineEncoder
  let heads: [Dense]
  /// Unused (no dropout), kept for the protocol.
  public var random: SeededGenerator

  /// Creates a model.
  ///
  /// - Throws: ``LossKitError/invalidParameter(loss:name:reason:)`` for no heads or a width
  ///   outside 1…1024.
  public init(_ configuration: Configuration) throws {
    guard !configuration.heads.isEmpty, (1...1024).contains(configuration.width) else {
      throw LossKitError.invalidParameter(
        loss: Self.name, name: "heads/width", reason: "needs a head and a width in 1…1024")
    }
    self.configuration = configuration
    var random = SeededGenerator(seed: configuration.seed)
    encoder = LineEncoder(
      name: "encoder", buckets: configuration.input.buckets,
      denseWidth: configuration.input.denseWidth, width: configuration.width, activation: .tanh,
      random: &random)
    heads = configuration.heads.map {
      Dense(name: "head.\($0.name)", inputSize: configuration.width, outputSize: $0.classes,
            random: &random)
    }
    self.random = random
  }

  /// Every parameter.
  public var parameters: [Parameter] { encoder.parameters + heads.flatMap(\.parameters) }

  /// Each head's logits and the embeddings.
  public var outputNames: [String] { configuration.heads.map { "logits_\($0.name)" } + ["embeddings"] }

  /// The outputs for a batch.
  public func forward(_ batch: FeatureBatch, training: Bool) throws -> [String: Tensor] {
    let encoded = try encoder.forward(batch, training: training)
    var outputs = ["embeddings": encoded]
    for (shape, head) in zip(configuration.heads, heads) {
      outputs["logits_\(shape.name)"] = head.forward(encoded, rows: batch.rowCount, training: training)
    }
    return outputs
  }

  /// Adds parameter gradients from every output that received one.
  public func backward(_ outputGradients: [String: Tensor]) throws {
    var slope = outputGradients["embeddings"]
    for (shape, head) in zip(configuration.heads, heads) {
      guard let gradient = outputGradients["logits_\(shape.name)"] else { continue }
      let part = head.backward(gradient, rows: gradient.flatRowCount)
      slope = try slope.map { total in
        try Tensor(shape: total.shape, scalars: zip(total.scalars, part.scalars).map(+))
      } ?? part
    }
    if let slope { encoder.backward(slope, rows: slope.flatRowCount) }
  }
}
