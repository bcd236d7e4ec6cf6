import LossKitCore

/// A shared encoder with one softmax head per aspect and an embedding output, for
/// multi-aspect classification trained with, for example, `0.7 * focal + 0.3 * supcon`
/// (seed 004).
///
/// Outputs: `logits_<head>` `[rows, classes of head]` for each head, and `embeddings`
/// `[rows, embeddingSize]` for a contrastive loss.
public final class MultiHeadClassifier: Model {
  /// One classification head.
  public struct Head: Codable, Sendable, Equatable {
    /// The head's name (its output is `logits_<name>`).
    public var name: String
    /// Its number of classes.
    public var classes: Int

    /// Creates a head.
    public init(name: String, classes: Int) {
      self.name = name
      self.classes = classes
    }
  }

  /// The hyper-parameters.
  public struct Configuration: Codable, Sendable, Equatable {
    /// Hash buckets of the sparse features.
    public var buckets: Int
    /// Dense features per row.
    public var denseWidth: Int
    /// The heads.
    public var heads: [Head]
    /// The shared hidden width (default 128).
    public var hiddenSize: Int
    /// The embedding output's width (default 64).
    public var embeddingSize: Int
    /// The dropout rate after the shared layer (default 0.2).
    public var dropout: Float
    /// The initialisation and dropout seed.
    public var seed: UInt64

    /// Creates a configuration.
    public init(
      buckets: Int, denseWidth: Int, heads: [Head], hiddenSize: Int = 128,
      embeddingSize: Int = 64, dropout: Float = 0.2, seed: UInt64 = 0
    ) {
      self.buckets = buckets
      self.denseWidth = denseWidth
      self.heads = heads
      self.hiddenSize = hiddenSize
      self.embeddingSize = embeddingSize
      self.dropout = dropout
      self.seed = seed
    }
  }

  /// The configuration the model was built with.
  public let configuration: Configuration
  let encoder: LineEncoder
  let dropout: Dropout
  let heads: [Dense]
  let embedding: Dense
  /// The dropout state.
  public var random: SeededGenerator

  /// Creates a model with seeded initial weights.
  public init(_ configuration: Configuration) {
    self.configuration = configuration
    var random = SeededGenerator(seed: configuration.seed)
    encoder = LineEncoder(
      name: "shared", buckets: configuration.buckets, denseWidth: configuration.denseWidth,
      width: configuration.hiddenSize, activation: .relu, random: &random)
    dropout = Dropout(rate: configuration.dropout)
    heads = configuration.heads.map {
      Dense(
        name: "head.\($0.name)", inputSize: configuration.hiddenSize, outputSize: $0.classes,
        random: &random)
    }
    embedding = Dense(
      name: "embedding", inputSize: configuration.hiddenSize,
      outputSize: configuration.embeddingSize, random: &random)
    self.random = random
  }

  /// `multi-head`.
  public var kind: String { "multi-head" }
  /// Every parameter.
  public var parameters: [Parameter] {
    encoder.parameters + heads.flatMap(\.parameters) + embedding.parameters
  }
  /// `logits_<head>` for each head, then `embeddings`.
  public var outputNames: [String] {
    configuration.heads.map { "logits_\($0.name)" } + ["embeddings"]
  }
  /// The configuration as JSON.
  public var hyperparameters: JSONValue { (try? JSONValue(encoding: configuration)) ?? .null }

  /// Every head's logits and the embeddings.
  public func forward(_ batch: FeatureBatch, training: Bool) throws -> [String: Tensor] {
    var hidden = try encoder.forward(batch, training: training)
    dropout.forward(&hidden, training: training, random: &random)
    var outputs: [String: Tensor] = [:]
    for (head, layer) in zip(configuration.heads, heads) {
      outputs["logits_\(head.name)"] = layer.forward(hidden, rows: batch.rowCount, training: training)
    }
    outputs["embeddings"] = embedding.forward(hidden, rows: batch.rowCount, training: training)
    return outputs
  }

  /// Adds parameter gradients from every output that received one.
  public func backward(_ outputGradients: [String: Tensor]) throws {
    var dHidden: Tensor?
    func add(_ slope: Tensor) {
      if var total = dHidden {
        slope.withUnsafeBufferPointer { s in
          total.withUnsafeMutableBufferPointer { t in for i in t.indices { t[i] += s[i] } }
        }
        dHidden = total
      } else {
        dHidden = slope
      }
    }
    var rows = 0
    for (head, layer) in zip(configuration.heads, heads) {
      if let slope = outputGradients["logits_\(head.name)"] {
        rows = slope.flatRowCount
        add(layer.backward(slope, rows: rows))
      }
    }
    if let slope = outputGradients["embeddings"] {
      rows = slope.flatRowCount
      add(embedding.backward(slope, rows: rows))
    }
    guard var total = dHidden else { return }
    dropout.backward(&total)
    encoder.backward(total, rows: rows)
  }
}
