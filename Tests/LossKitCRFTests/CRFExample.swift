import Foundation
import LossKitCRF
import LossKitCore
import LossKitTesting

/// A batch of CRF inputs for tests: emissions, scores and tags with a mask, plus brute-force
/// answers over every tag path (for tiny `C` and `T`).
struct CRFExample {
  var emissions: Tensor
  var transitions: Tensor
  var start: Tensor
  var end: Tensor
  var tags: [Int32]
  var lengths: [Int]

  var sequences: Int { emissions.shape[0] }
  var steps: Int { emissions.shape[1] }
  var classes: Int { emissions.shape[2] }

  /// Random scores of the given size; `lengths` defaults to full sequences.
  init(
    seed: UInt64, sequences: Int, steps: Int, classes: Int, lengths: [Int]? = nil,
    scale: Double = 2
  ) {
    var data = TestData(seed: seed)
    emissions = data.normal([sequences, steps, classes], scale: scale)
    transitions = data.normal([classes, classes], scale: 1)
    start = data.normal([classes], scale: 1)
    end = data.normal([classes], scale: 1)
    tags = data.labels(sequences * steps, classes: classes)
    self.lengths = lengths ?? Array(repeating: steps, count: sequences)
  }

  /// The mask of ``lengths``.
  var mask: [Float] {
    (0..<(sequences * steps)).map { Float(($0 % steps) < lengths[$0 / steps] ? 1 : 0) }
  }

  /// Tags with a mask from ``lengths``.
  var targets: Targets {
    try! Targets(classIndices: tags, shape: [sequences, steps], mask: mask)
  }

  /// The loss's four outputs under its default names.
  var outputs: [String: Tensor] {
    [
      "logits": emissions, "transitions": transitions, "start_transitions": start,
      "end_transitions": end,
    ]
  }

  var crf: LinearChainCRF {
    try! LinearChainCRF(transitions: transitions, start: start, end: end)
  }

  /// The score of a path of sequence `n` in `Double`.
  func score(_ n: Int, _ path: [Int]) -> Double {
    let c = classes
    func e(_ t: Int, _ j: Int) -> Double { Double(emissions.scalars[(n * steps + t) * c + j]) }
    var total = Double(start.scalars[path[0]]) + e(0, path[0]) + Double(end.scalars[path.last!])
    for t in 1..<path.count {
      total += Double(transitions.scalars[path[t - 1] * c + path[t]]) + e(t, path[t])
    }
    return total
  }

  /// Every path of `length` steps over ``classes`` tags.
  func allPaths(_ length: Int) -> [[Int]] {
    var paths: [[Int]] = [[]]
    for _ in 0..<length { paths = paths.flatMap { path in (0..<classes).map { path + [$0] } } }
    return paths
  }

  /// log Z of sequence `n` by summing over every path.
  func bruteLogPartition(_ n: Int) -> Double {
    let scores = allPaths(lengths[n]).map { score(n, $0) }
    let top = scores.max()!
    return top + log(scores.map { exp($0 - top) }.reduce(0, +))
  }

  /// The NLL of sequence `n`'s tags by brute force.
  func bruteNLL(_ n: Int) -> Double {
    let path = (0..<lengths[n]).map { Int(tags[n * steps + $0]) }
    return bruteLogPartition(n) - score(n, path)
  }

  /// `P(y_t = j)` for sequence `n` by brute force, `[length][C]`.
  func bruteMarginals(_ n: Int) -> [[Double]] {
    let logZ = bruteLogPartition(n)
    var result = Array(repeating: Array(repeating: 0.0, count: classes), count: lengths[n])
    for path in allPaths(lengths[n]) {
      let p = exp(score(n, path) - logZ)
      for (t, tag) in path.enumerated() { result[t][tag] += p }
    }
    return result
  }

  /// The best path of sequence `n` by brute force (ties to the first in enumeration order).
  func bruteBestPath(_ n: Int) -> [Int] {
    allPaths(lengths[n]).max { score(n, $0) < score(n, $1) }!
  }
}
