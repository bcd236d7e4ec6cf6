import LossKitCore

/// Maps a feature row to a vector: the sparse features' embedding bag plus a projection of
/// the dense features, then an activation.
///
/// ```
/// encode(x) = act(Σ_j v_j·E[i_j] + x_dense·P + b)
/// ```
///
/// With `identity` activation and width = class count this is a linear model over all
/// features (logistic regression's logits).
public final class LineEncoder {
  /// The sparse features' table (absent when the model has no sparse input).
  public let embedding: SparseEmbedding?
  /// The dense features' projection (absent when there are no dense features).
  public let projection: Dense?
  /// The activation.
  public let activation: Dense.Activation
  private var output = Tensor(shape: [0])

  /// Creates an encoder of width `width`.
  public init(
    name: String, buckets: Int, denseWidth: Int, width: Int, activation: Dense.Activation,
    random: inout SeededGenerator
  ) {
    embedding =
      buckets > 0
      ? SparseEmbedding(name: "\(name).sparse", buckets: buckets, dimension: width, random: &random)
      : nil
    projection =
      denseWidth > 0
      ? Dense(name: "\(name).dense", inputSize: denseWidth, outputSize: width, random: &random)
      : nil
    self.activation = activation
    self.width = width
  }

  /// The encoder's parameters.
  public var parameters: [Parameter] {
    (embedding.map { [$0.table] } ?? []) + (projection?.parameters ?? [])
  }

  /// The output width.
  public let width: Int

  /// Encodes every row of `batch`.
  ///
  /// - Throws: ``LossKitError/shapeMismatch(_:expected:actual:)`` when the batch's features
  ///   do not match the encoder.
  public func forward(_ batch: FeatureBatch, training: Bool) throws -> Tensor {
    let rows = batch.rowCount
    var y = Tensor(shape: [rows, width])
    if let embedding {
      guard let sparse = batch.sparse else {
        throw LossKitError.shapeMismatch(
          "model input: sparse features are required", expected: [embedding.buckets], actual: [])
      }
      y = try embedding.forward(sparse, training: training)
    }
    if let projection {
      guard let dense = batch.dense, dense.lastDimension == projection.inputSize else {
        throw LossKitError.shapeMismatch(
          "model input: dense features", expected: [rows, projection.inputSize],
          actual: batch.dense?.shape ?? [])
      }
      let projected = projection.forward(dense, rows: rows, training: training)
      projected.withUnsafeBufferPointer { p in
        y.withUnsafeMutableBufferPointer { out in
          for i in out.indices { out[i] += p[i] }
        }
      }
    }
    activation.apply(to: &y)
    if training { output = y }
    return y
  }

  /// Adds parameter gradients for `∂L/∂output` of the last training forward.
  public func backward(_ dy: Tensor, rows: Int) {
    var slope = dy
    activation.backward(&slope, output: output)
    embedding?.backward(slope)
    _ = projection?.backward(slope, rows: rows)
  }
}
