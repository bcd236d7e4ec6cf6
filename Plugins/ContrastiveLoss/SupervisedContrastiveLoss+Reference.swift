import Foundation
import LossKitCore

extension SupervisedContrastiveLoss: ReferenceLoss {
  /// pytorch-metric-learning's `SupConLoss` transcribed in `Double` (see ``ReferenceLoss``).
  public func referenceValue(_ output: [Double], shape: [Int], targets: Targets) throws -> Double
  {
    let all = targets.classIndices!
    let d = shape[1]
    let kept = all.indices.filter { all[$0] != targets.ignoreIndex && (targets.mask?[$0] ?? 1) != 0 }
    let labels = kept.map { all[$0] }
    let e = kept.map { row -> [Double] in
      let x = Array(output[(row * d)..<((row + 1) * d)])
      let norm = max(x.map { $0 * $0 }.reduce(0, +).squareRoot(), 1e-12)
      return x.map { $0 / norm }
    }
    let n = kept.count
    var losses: [Double] = []
    var hasPositive = false
    for i in 0..<n {
      let s = (0..<n).map { j in zip(e[i], e[j]).map(*).reduce(0, +) / temperature }
      let others = (0..<n).filter { $0 != i }
      let positives = others.filter { labels[$0] == labels[i] }
      hasPositive = hasPositive || !positives.isEmpty
      guard !positives.isEmpty else { continue }
      let top = others.map { s[$0] }.max()!
      let logSum = top + log(others.map { exp(s[$0] - top) }.reduce(0, +))
      losses.append(positives.map { logSum - s[$0] }.reduce(0, +) / Double(positives.count))
    }
    guard hasPositive, Set(labels).count > 1 else { return 0 }
    let counted = losses.filter { $0 > 0 }
    return counted.isEmpty ? 0 : counted.reduce(0, +) / Double(counted.count)
  }
}
