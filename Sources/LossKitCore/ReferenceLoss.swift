import Foundation

/// A loss with a scalar reference: its formula transcribed plainly in `Double`, without SIMD,
/// threads or algebraic rearrangement.
///
/// Tests check the fused kernel's value against the reference and its gradient against
/// central finite differences of the reference; the benchmark checks the kernel against it
/// before timing. The reference reads one output, given as `Double`s.
public protocol ReferenceLoss: Loss {
  /// The reduced loss for one output (in `Double`) and its targets.
  ///
  /// - Parameters:
  ///   - output: The output the loss reads, row-major.
  ///   - shape: Its shape.
  ///   - targets: The targets.
  func referenceValue(_ output: [Double], shape: [Int], targets: Targets) throws -> Double
}

extension SoftmaxCrossEntropy {
  /// The scalar reference of the softmax focal family:
  /// `Σ_rows w · Σ_c α_c · y_c · (1 − p_c)^γ · (−log p_c)` divided as ``meanDivisor`` says.
  public func referenceValue(_ logits: [Double], shape: [Int], targets: Targets) -> Double {
    let classes = shape.last ?? 1
    let rows = classes == 0 ? 0 : logits.count / classes
    let alpha: [Double] =
      classWeights.map { $0.count == 1 ? Array(repeating: $0[0], count: classes) : $0 }
      ?? Array(repeating: 1, count: classes)
    let weights = targets.rowWeights?.map(Double.init) ?? Array(repeating: 1, count: rows)
    var total = 0.0
    var divisor = 0.0
    for row in 0..<rows {
      let z = Array(logits[(row * classes)..<((row + 1) * classes)])
      let top = z.max()!
      let logSum = top + log(z.map { exp($0 - top) }.reduce(0, +))
      var y = [Double](repeating: 0, count: classes)
      switch targets.values {
      case .classIndices(_, let labels):
        guard labels[row] != targets.ignoreIndex, weights[row] != 0 else { continue }
        y[Int(labels[row])] = 1
        divisor += weights[row] * (meanDivisor == .keptSamples ? 1 : alpha[Int(labels[row])])
      case .dense(let dense):
        for c in 0..<classes { y[c] = Double(dense.scalars[row * classes + c]) }
        divisor += weights[row]
      }
      for c in 0..<classes {
        let smoothed = y[c] * (1 - labelSmoothing) + labelSmoothing / Double(classes)
        let logP = z[c] - logSum
        total += weights[row] * alpha[c] * smoothed * pow(1 - exp(logP), gamma) * -logP
      }
    }
    if reduction == .sum { return total }
    return divisor > 0 ? total / divisor : 0
  }
}
