import LossKitCore

/// The classification heads every built-in model ends in: one dense layer per head over a
/// shared per-row embedding, which is also the model's `embeddings` output.
///
/// Outputs: `logits_<head>` for each head and, when there is only one head, the same tensor
/// as `logits`. A lone head's layer is named `output` (as models saved before heads existed
/// name it), several are named `head.<name>`.
final class ClassificationHeads {
  let shapes: [HeadShape]
  let layers: [Dense]

  init(_ shapes: [HeadShape], inputSize: Int, random: inout SeededGenerator) {
    self.shapes = shapes
    layers = shapes.map { head in
      Dense(
        name: shapes.count == 1 ? "output" : "head.\(head.name)", inputSize: inputSize,
        outputSize: head.classes, random: &random)
    }
  }

  var parameters: [Parameter] { layers.flatMap(\.parameters) }

  /// The output names: every head's logits, `logits` for a lone head, then `embeddings`.
  var outputNames: [String] { Self.outputNames(shapes) }

  /// The output names of a model with these heads.
  static func outputNames(_ shapes: [HeadShape]) -> [String] {
    shapes.map { "logits_\($0.name)" } + (shapes.count == 1 ? ["logits"] : []) + ["embeddings"]
  }

  /// Every head's logits, reshaped to `rowShape + [classes]`, and the embeddings.
  func forward(_ embedding: Tensor, rows: Int, rowShape: [Int], training: Bool) throws
    -> [String: Tensor]
  {
    var outputs: [String: Tensor] = ["embeddings": embedding]
    for (head, layer) in zip(shapes, layers) {
      let logits = try layer.forward(embedding, rows: rows, training: training)
        .reshaped(to: rowShape + [head.classes])
      outputs["logits_\(head.name)"] = logits
      if shapes.count == 1 { outputs["logits"] = logits }
    }
    return outputs
  }

  /// The gradient with respect to the embedding: each head's backward plus the gradient of
  /// `embeddings` itself; `nil` when no output received one.
  func backward(_ gradients: [String: Tensor], rows: Int) throws -> Tensor? {
    var total: Tensor? = try gradients["embeddings"].map {
      try $0.reshaped(to: [rows, $0.lastDimension])
    }
    for (head, layer) in zip(shapes, layers) {
      guard let slope = Self.sum(
        try gradients["logits_\(head.name)"].map { try $0.reshaped(to: [rows, head.classes]) },
        try (shapes.count == 1 ? gradients["logits"] : nil).map {
          try $0.reshaped(to: [rows, head.classes])
        })
      else { continue }
      total = Self.sum(total, layer.backward(slope, rows: rows))
    }
    return total
  }

  /// The number of rows of whichever head's logits received a gradient.
  func rows(in gradients: [String: Tensor]) -> Int? {
    for head in shapes {
      if let slope = gradients["logits_\(head.name)"] { return slope.count / head.classes }
    }
    if shapes.count == 1, let slope = gradients["logits"] { return slope.count / shapes[0].classes }
    return nil
  }

  /// The element-wise sum of two optional tensors of one shape.
  static func sum(_ a: Tensor?, _ b: Tensor?) -> Tensor? {
    guard var total = a else { return b }
    guard let b else { return total }
    b.withUnsafeBufferPointer { source in
      total.withUnsafeMutableBufferPointer { target in
        for i in target.indices { target[i] += source[i] }
      }
    }
    return total
  }
}
