import Foundation
import LossKitCore

/// Class probabilities for every row of a corpus, one matrix per head.
///
/// Sequence models predict windows that overlap by `windowSize − stride` rows; each row's
/// probabilities are the average over the windows that contain it (the seed's
/// `prediction_stride`).
public enum Prediction {
  /// A head to predict: the target set's name, the output with its logits, its classes.
  public struct Head: Sendable, Equatable {
    /// The target set.
    public var target: String
    /// The model output holding the head's logits.
    public var output: String
    /// The number of classes.
    public var classes: Int

    /// Creates a head.
    public init(target: String, output: String, classes: Int) {
      self.target = target
      self.output = output
      self.classes = classes
    }
  }

  /// `[rows, classes]` probabilities (softmax of each head's logits) by target name.
  ///
  /// - Throws: Errors from the model's forward pass, or
  ///   ``LossKitError/missingOutput(loss:name:available:)`` /
  ///   ``LossKitError/shapeMismatch(_:expected:actual:)`` when the model's outputs do not
  ///   match the heads.
  public static func probabilities(
    of model: any Model, on corpus: LabeledCorpus, heads: [Head], batching: Batching,
    batchSize: Int
  ) throws -> [String: Tensor] {
    let rowCount = corpus.rowCount
    var sums = heads.map { [Double](repeating: 0, count: rowCount * $0.classes) }
    var counts = [Int](repeating: 0, count: rowCount)
    let units = batching.predictionUnits(corpus)
    var start = 0
    while start < units.count {
      let slice = units[start..<min(units.count, start + max(batchSize, 1))]
      let (batch, _, rows) = batching.batch(slice, corpus: corpus)
      let outputs = try model.forward(batch, training: false)
      for (index, head) in heads.enumerated() {
        guard let logits = outputs[head.output] else {
          throw LossKitError.missingOutput(
            loss: "prediction", name: head.output, available: outputs.keys.sorted())
        }
        guard logits.lastDimension == head.classes, logits.count == rows.count * head.classes
        else {
          throw LossKitError.shapeMismatch(
            "model output '\(head.output)'", expected: [rows.count, head.classes],
            actual: logits.shape)
        }
        accumulateSoftmax(logits, rows: rows, classes: head.classes, into: &sums[index])
      }
      for row in rows where row >= 0 { counts[row] += 1 }
      start += slice.count
    }
    var result: [String: Tensor] = [:]
    for (index, head) in heads.enumerated() {
      var probabilities = [Float](repeating: 0, count: rowCount * head.classes)
      for row in 0..<rowCount where counts[row] > 0 {
        for c in 0..<head.classes {
          let at = row * head.classes + c
          probabilities[at] = Float(sums[index][at] / Double(counts[row]))
        }
      }
      result[head.target] = try Tensor(shape: [rowCount, head.classes], scalars: probabilities)
    }
    return result
  }

  /// Adds each real row's softmax of `logits` into `sums`.
  static func accumulateSoftmax(_ logits: Tensor, rows: [Int], classes: Int, into sums: inout [Double])
  {
    logits.withUnsafeBufferPointer { z in
      for (position, row) in rows.enumerated() where row >= 0 {
        let line = z.baseAddress! + position * classes
        var top = line[0]
        for c in 1..<max(classes, 1) { top = max(top, line[c]) }
        var total = 0.0
        for c in 0..<classes { total += Foundation.exp(Double(line[c] - top)) }
        for c in 0..<classes {
          sums[row * classes + c] += Foundation.exp(Double(line[c] - top)) / total
        }
      }
    }
  }
}
