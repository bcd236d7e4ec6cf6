import Foundation

/// Per-class and overall quality of predicted class probabilities against true labels.
///
/// Statistics follow scikit-learn: precision, recall and F1 are 0 when undefined; ROC-AUC
/// and PR-AUC (average precision) are one-vs-rest, `nil` for a class with no positives or no
/// negatives. ``dictionary`` gives flat keys like the seed's `Nomenclature_f1`.
public struct ClassificationReport: Sendable, Codable, Equatable {
  /// One class's statistics.
  public struct ClassStatistics: Sendable, Codable, Equatable {
    /// TP / (TP + FP).
    public var precision: Double
    /// TP / (TP + FN).
    public var recall: Double
    /// Harmonic mean of precision and recall.
    public var f1: Double
    /// Rows of this class.
    public var support: Int
    /// One-vs-rest area under the ROC curve.
    public var rocAUC: Double?
    /// One-vs-rest average precision (area under the precision-recall curve).
    public var prAUC: Double?
    /// Recall at the threshold where the false-positive rate is at most ``ClassificationReport/falsePositiveBound``.
    public var recallAtFalsePositiveBound: Double?
  }

  /// The class names.
  public var labelNames: [String]
  /// Statistics per class, in ``labelNames`` order.
  public var classes: [ClassStatistics]
  /// `confusion[true][predicted]` row counts.
  public var confusion: [[Int]]
  /// Correct predictions / rows.
  public var accuracy: Double
  /// The unweighted mean F1 over classes.
  public var macroF1: Double
  /// Expected calibration error (15 equal-width bins of the top probability).
  public var expectedCalibrationError: Double
  /// The false-positive-rate bound used for ``ClassStatistics/recallAtFalsePositiveBound``.
  public var falsePositiveBound: Double

  /// Evaluates probabilities `[rows, classes]` (row-major) against labels; rows whose label is
  /// negative (ignored) are skipped.
  ///
  /// - Parameters:
  ///   - probabilities: The class probabilities, which the curves and calibration measure.
  ///   - predicted: Each row's predicted class when it is not simply the most probable one
  ///     (a CRF's Viterbi path); the confusion, precision, recall and F1 count these.
  ///   - labels: Each row's true class.
  ///   - labelNames: The class names.
  ///   - falsePositiveBound: The bound for ``ClassStatistics/recallAtFalsePositiveBound``.
  public init(
    probabilities: [Float], predicted: [Int32]? = nil, labels: [Int32], labelNames: [String],
    falsePositiveBound: Double = 0.01
  ) {
    let k = labelNames.count
    var confusion = Array(repeating: Array(repeating: 0, count: k), count: k)
    var kept: [Int] = []
    for (row, label) in labels.enumerated() where label >= 0 && Int(label) < k {
      kept.append(row)
      let scores = probabilities[(row * k)..<((row + 1) * k)]
      let best = predicted.map { Int($0[row]) } ?? scores.indices.max { scores[$0] < scores[$1] }! - row * k
      confusion[Int(label)][best] += 1
    }
    var classes: [ClassStatistics] = []
    for c in 0..<k {
      let tp = Double(confusion[c][c])
      let predicted = Double((0..<k).reduce(0) { $0 + confusion[$1][c] })
      let actual = Double(confusion[c].reduce(0, +))
      let precision = predicted > 0 ? tp / predicted : 0
      let recall = actual > 0 ? tp / actual : 0
      let f1 = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0
      let scores = kept.map { (Double(probabilities[$0 * k + c]), labels[$0] == c) }
      let curves = RankingCurves(scores)
      classes.append(
        ClassStatistics(
          precision: precision, recall: recall, f1: f1, support: Int(actual),
          rocAUC: curves?.rocAUC, prAUC: curves?.averagePrecision,
          recallAtFalsePositiveBound: curves?.recall(atFalsePositiveRate: falsePositiveBound)))
    }
    self.labelNames = labelNames
    self.classes = classes
    self.confusion = confusion
    let correct = (0..<k).reduce(0) { $0 + confusion[$1][$1] }
    self.accuracy = kept.isEmpty ? 0 : Double(correct) / Double(kept.count)
    self.macroF1 = k == 0 ? 0 : classes.map(\.f1).reduce(0, +) / Double(k)
    self.expectedCalibrationError = Self.calibrationError(probabilities, labels: labels, rows: kept, classes: k)
    self.falsePositiveBound = falsePositiveBound
  }

  /// Flat statistics: `<Label>_precision`, `_recall`, `_f1`, `_support`, `_roc_auc`,
  /// `_pr_auc`, `_recall_at_fpr`, plus `accuracy`, `macro_f1`, `ece`.
  public var dictionary: [String: Double] {
    var result: [String: Double] = [
      "accuracy": accuracy, "macro_f1": macroF1, "ece": expectedCalibrationError,
    ]
    for (name, statistics) in zip(labelNames, classes) {
      result["\(name)_precision"] = statistics.precision
      result["\(name)_recall"] = statistics.recall
      result["\(name)_f1"] = statistics.f1
      result["\(name)_support"] = Double(statistics.support)
      if let value = statistics.rocAUC { result["\(name)_roc_auc"] = value }
      if let value = statistics.prAUC { result["\(name)_pr_auc"] = value }
      if let value = statistics.recallAtFalsePositiveBound { result["\(name)_recall_at_fpr"] = value }
    }
    return result
  }

  /// The mean negative log-likelihood of the true labels (rows with a negative label are
  /// skipped; probabilities are floored at 1e-12).
  public static func negativeLogLikelihood(
    _ probabilities: [Float], labels: [Int32], classes: Int
  ) -> Double {
    var total = 0.0
    var count = 0.0
    for (row, label) in labels.enumerated() where label >= 0 {
      total -= Foundation.log(max(Double(probabilities[row * classes + Int(label)]), 1e-12))
      count += 1
    }
    return count > 0 ? total / count : 0
  }

  /// A text table like scikit-learn's `classification_report`.
  public var text: String {
    let width = max(12, labelNames.map(\.count).max() ?? 0)
    func pad(_ s: String) -> String { s.padding(toLength: width, withPad: " ", startingAt: 0) }
    var lines = [
      pad("") + " precision    recall        f1   support    ROC-AUC    PR-AUC  R@FPR\(falsePositiveBound)"
    ]
    func format(_ value: Double?) -> String { value.map { String(format: "%10.4f", $0) } ?? "         -" }
    for (name, s) in zip(labelNames, classes) {
      lines.append(
        pad(name)
          + String(format: " %9.4f %9.4f %9.4f %9d", s.precision, s.recall, s.f1, s.support)
          + format(s.rocAUC) + format(s.prAUC) + format(s.recallAtFalsePositiveBound))
    }
    lines.append("")
    lines.append(pad("accuracy") + String(format: " %29.4f %9d", accuracy, classes.map(\.support).reduce(0, +)))
    lines.append(pad("macro F1") + String(format: " %29.4f", macroF1))
    lines.append(pad("calibration") + String(format: " %29.4f  (expected calibration error)", expectedCalibrationError))
    lines.append("")
    lines.append("confusion (rows: true, columns: predicted)")
    lines.append(pad("") + labelNames.map { " " + String($0.prefix(10)).padding(toLength: 10, withPad: " ", startingAt: 0) }.joined())
    for (name, row) in zip(labelNames, confusion) {
      lines.append(pad(name) + row.map { String(format: " %10d", $0) }.joined())
    }
    return lines.joined(separator: "\n")
  }

  private static func calibrationError(
    _ probabilities: [Float], labels: [Int32], rows: [Int], classes k: Int
  ) -> Double {
    guard !rows.isEmpty, k > 0 else { return 0 }
    let bins = 15
    var confidence = [Double](repeating: 0, count: bins)
    var correct = [Double](repeating: 0, count: bins)
    var counts = [Double](repeating: 0, count: bins)
    for row in rows {
      let scores = probabilities[(row * k)..<((row + 1) * k)]
      let best = scores.indices.max { scores[$0] < scores[$1] }!
      let top = Double(scores[best])
      let bin = min(bins - 1, Int(top * Double(bins)))
      confidence[bin] += top
      correct[bin] += best - row * k == Int(labels[row]) ? 1 : 0
      counts[bin] += 1
    }
    var error = 0.0
    for bin in 0..<bins where counts[bin] > 0 {
      error += abs(confidence[bin] - correct[bin]) / Double(rows.count)
    }
    return error
  }
}

/// ROC and precision-recall summaries of scores for one positive class.
struct RankingCurves {
  /// (false-positive rate, true-positive rate) at each distinct threshold, descending.
  private let points: [(fpr: Double, tpr: Double, precision: Double)]
  let rocAUC: Double
  let averagePrecision: Double

  /// `nil` when there are no positives or no negatives.
  init?(_ scores: [(Double, Bool)]) {
    let positives = Double(scores.filter { $0.1 }.count)
    let negatives = Double(scores.count) - positives
    guard positives > 0, negatives > 0 else { return nil }
    let sorted = scores.sorted { $0.0 > $1.0 }
    var tp = 0.0
    var fp = 0.0
    var points: [(Double, Double, Double)] = [(0, 0, 1)]
    var area = 0.0
    var averagePrecision = 0.0
    var index = 0
    while index < sorted.count {
      let threshold = sorted[index].0
      while index < sorted.count && sorted[index].0 == threshold {
        if sorted[index].1 { tp += 1 } else { fp += 1 }
        index += 1
      }
      let last = points.last!
      let fpr = fp / negatives
      let tpr = tp / positives
      area += (fpr - last.0) * (tpr + last.1) / 2
      averagePrecision += (tpr - last.1) * (tp / (tp + fp))
      points.append((fpr, tpr, tp / (tp + fp)))
    }
    self.points = points
    self.rocAUC = area
    self.averagePrecision = averagePrecision
  }

  /// The highest recall among thresholds whose false-positive rate is within the bound.
  func recall(atFalsePositiveRate bound: Double) -> Double {
    points.filter { $0.fpr <= bound }.map(\.tpr).max() ?? 0
  }
}

/// Temperature scaling (Guo et al. 2017): one temperature `T` fitted on validation data so
/// that `softmax(log p / T)` minimises the negative log-likelihood. Focal losses push
/// probabilities towards 0 and 1 (seed 001: they are not proper scoring rules); scaling
/// restores calibration without changing which class wins.
public struct TemperatureScaling: Sendable, Codable, Equatable {
  /// The fitted temperature (1 leaves probabilities unchanged).
  public var temperature: Double

  /// Scaling with a given temperature.
  public init(temperature: Double) { self.temperature = temperature }

  /// Fits `T` in `[0.05, 20]` by golden-section search on `log T`.
  public static func fit(probabilities: [Float], labels: [Int32], classes: Int) -> TemperatureScaling {
    func negativeLogLikelihood(_ logT: Double) -> Double {
      let scaled = TemperatureScaling(temperature: Foundation.exp(logT)).apply(probabilities, classes: classes)
      return ClassificationReport.negativeLogLikelihood(scaled, labels: labels, classes: classes)
    }
    var low = Foundation.log(0.05)
    var high = Foundation.log(20.0)
    let ratio = (5.0.squareRoot() - 1) / 2
    for _ in 0..<40 {
      let a = high - ratio * (high - low)
      let b = low + ratio * (high - low)
      if negativeLogLikelihood(a) < negativeLogLikelihood(b) { high = b } else { low = a }
    }
    return TemperatureScaling(temperature: Foundation.exp((low + high) / 2))
  }

  /// `softmax(log p / T)` for each row.
  public func apply(_ probabilities: [Float], classes: Int) -> [Float] {
    var result = probabilities
    let inverse = 1 / temperature
    for row in 0..<(classes == 0 ? 0 : probabilities.count / classes) {
      let logs = (0..<classes).map { Foundation.log(max(Double(probabilities[row * classes + $0]), 1e-30)) * inverse }
      let top = logs.max()!
      let exps = logs.map { Foundation.exp($0 - top) }
      let total = exps.reduce(0, +)
      for c in 0..<classes { result[row * classes + c] = Float(exps[c] / total) }
    }
    return result
  }
}
