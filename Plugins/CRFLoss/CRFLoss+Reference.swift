import Foundation
import LossKitCore

extension CRFLoss {
  /// The reduced NLL transcribed plainly in `Double`: the path score and the forward
  /// algorithm with a log-sum-exp per cell, without the kernel's scaling, threads or pointers.
  ///
  /// Tests check the kernel's value against it and the kernel's gradients against its
  /// central finite differences in each of the four inputs; the benchmark checks the kernel
  /// against it before timing. Inputs must be valid (see ``evaluate(_:_:scale:gradients:)``).
  ///
  /// - Parameters:
  ///   - emissions: `[N, T, C]` row-major, with `shape`.
  ///   - transitions: `[C, C]` row-major.
  ///   - start: `[C]`.
  ///   - end: `[C]`.
  ///   - targets: Class-index tags `[N, T]`, with an optional mask.
  public func referenceValue(
    emissions: [Double], shape: [Int], transitions: [Double], start: [Double], end: [Double],
    targets: Targets
  ) -> Double {
    let (sequences, steps, classes) = (shape[0], shape[1], shape[2])
    let tags = targets.classIndices!.map { Int($0) }
    func counted(_ index: Int) -> Bool {
      tags[index] != Int(targets.ignoreIndex) && (targets.mask?[index] ?? 1) != 0
    }
    func emission(_ n: Int, _ t: Int, _ j: Int) -> Double {
      emissions[(n * steps + t) * classes + j]
    }
    func logSumExp(_ x: [Double]) -> Double {
      let top = x.max()!
      return top + log(x.map { exp($0 - top) }.reduce(0, +))
    }
    var total = 0.0
    var countedSequences = 0
    var countedSteps = 0
    for n in 0..<sequences {
      let length = (0..<steps).prefix { counted(n * steps + $0) }.count
      guard length > 0 else { continue }
      countedSequences += 1
      countedSteps += length
      let y = (0..<length).map { tags[n * steps + $0] }
      var score = start[y[0]] + emission(n, 0, y[0]) + end[y[length - 1]]
      for t in 1..<length {
        score += transitions[y[t - 1] * classes + y[t]] + emission(n, t, y[t])
      }
      var alpha = (0..<classes).map { start[$0] + emission(n, 0, $0) }
      for t in 1..<length {
        alpha = (0..<classes).map { j in
          emission(n, t, j)
            + logSumExp((0..<classes).map { alpha[$0] + transitions[$0 * classes + j] })
        }
      }
      total += logSumExp((0..<classes).map { alpha[$0] + end[$0] }) - score
    }
    return total * reduction.weight(sequences: countedSequences, steps: countedSteps)
  }
}
