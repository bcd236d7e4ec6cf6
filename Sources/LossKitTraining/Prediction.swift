import Foundation
import LossKitCore

/// Class probabilities for every row of a corpus.
///
/// Sequence models predict windows that overlap by `windowSize − stride` rows; each row's
/// probabilities are the average over the windows that contain it (the seed's
/// `prediction_stride`).
public enum Prediction {
  /// `[rows, classes]` probabilities (softmax of the model's `output`).
  ///
  /// - Throws: Errors from the model's forward pass.
  public static func probabilities(
    of model: any Model, on corpus: LabeledCorpus, batching: Batching, stride: Int,
    batchSize: Int, output: String = "logits"
  ) throws -> Tensor {
    let classes = corpus.labelNames.count
    var sums = [Double](repeating: 0, count: corpus.rowCount * classes)
    var counts = [Int](repeating: 0, count: corpus.rowCount)
    let units = batching.predictionUnits(corpus, stride: stride)
    var start = 0
    while start < units.count {
      let slice = units[start..<min(units.count, start + batchSize)]
      let (batch, _, rows) = batching.batch(slice, corpus: corpus)
      guard let logits = try model.forward(batch, training: false)[output] else {
        throw LossKitError.missingOutput(loss: "prediction", name: output, available: model.outputNames)
      }
      guard logits.lastDimension == classes else {
        throw LossKitError.shapeMismatch(
          "model output '\(output)' classes", expected: [classes], actual: [logits.lastDimension])
      }
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
          counts[row] += 1
        }
      }
      start += batchSize
    }
    var probabilities = [Float](repeating: 0, count: sums.count)
    for row in 0..<corpus.rowCount where counts[row] > 0 {
      for c in 0..<classes {
        probabilities[row * classes + c] = Float(sums[row * classes + c] / Double(counts[row]))
      }
    }
    return try Tensor(shape: [corpus.rowCount, classes], scalars: probabilities)
  }
}
