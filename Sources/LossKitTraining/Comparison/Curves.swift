/// Points of the curves the comparison report draws.
public enum Curves {
  /// The precision-recall curve of one class (one-vs-rest), at most `points` points, from
  /// recall 0 to 1.
  public static func precisionRecall(
    probabilities: [Float], labels: [Int32], classes: Int, of target: Int, points: Int = 200
  ) -> [(recall: Double, precision: Double)] {
    let rows = labels.indices.filter { labels[$0] >= 0 }
    let positives = Double(rows.filter { labels[$0] == target }.count)
    guard positives > 0 else { return [] }
    let sorted = rows.sorted { probabilities[$0 * classes + target] > probabilities[$1 * classes + target] }
    var curve: [(Double, Double)] = [(0, 1)]
    var truePositives = 0.0
    let step = max(1, sorted.count / points)
    for (rank, row) in sorted.enumerated() {
      if labels[row] == target { truePositives += 1 }
      if rank % step == step - 1 || rank == sorted.count - 1 {
        curve.append((truePositives / positives, truePositives / Double(rank + 1)))
      }
    }
    return curve
  }

  /// A reliability diagram: for each of `bins` equal-width bins of the top probability, the
  /// mean confidence, the accuracy, and the number of rows.
  public static func reliability(
    probabilities: [Float], labels: [Int32], classes: Int, bins: Int = 10
  ) -> [(confidence: Double, accuracy: Double, count: Int)] {
    var confidence = [Double](repeating: 0, count: bins)
    var correct = [Double](repeating: 0, count: bins)
    var count = [Int](repeating: 0, count: bins)
    for (row, label) in labels.enumerated() where label >= 0 {
      let scores = probabilities[(row * classes)..<((row + 1) * classes)]
      let best = scores.indices.max { scores[$0] < scores[$1] }!
      let top = Double(scores[best])
      let bin = min(bins - 1, Int(top * Double(bins)))
      confidence[bin] += top
      correct[bin] += best - row * classes == Int(label) ? 1 : 0
      count[bin] += 1
    }
    return (0..<bins).map {
      count[$0] == 0 ? ((Double($0) + 0.5) / Double(bins), 0, 0)
        : (confidence[$0] / Double(count[$0]), correct[$0] / Double(count[$0]), count[$0])
    }
  }
}
