import Foundation
import LossKitCore

extension FocalF1Loss: ReferenceLoss {
  /// Soft F1 transcribed from the seed's `mean_f1_loss`, in `Double` (see ``ReferenceLoss``).
  public func referenceValue(_ output: [Double], shape: [Int], targets: Targets) throws -> Double
  {
    let classes = shape.last!
    let labels = targets.classIndices!
    let weights = targets.rowWeights?.map(Double.init) ?? Array(repeating: 1, count: labels.count)
    let kept = labels.indices.filter { labels[$0] != targets.ignoreIndex && weights[$0] != 0 }
    guard !kept.isEmpty else { return 0 }
    var meanF1 = 0.0
    for focal in focalClasses {
      var tp = 0.0
      var fp = 0.0
      var fn = 0.0
      for row in kept {
        let z = output[(row * classes)..<((row + 1) * classes)]
        let top = z.max()!
        let p = exp(z[row * classes + focal] - top) / z.map { exp($0 - top) }.reduce(0, +)
        let y = labels[row] == focal ? 1.0 : 0.0
        tp += weights[row] * y * p
        fp += weights[row] * (1 - y) * p
        fn += weights[row] * y * (1 - p)
      }
      let precision = tp / (tp + fp + epsilon)
      let recall = tp / (tp + fn + epsilon)
      meanF1 += 2 * precision * recall / (precision + recall + epsilon)
    }
    return 1 - meanF1 / Double(focalClasses.count)
  }
}
