import Foundation
import LossKit

/// Short descriptions and the `--json` form of reports.
enum Report {
  /// A loss as an expression.
  static func loss(_ loss: any Loss) -> String {
    (loss as? CompositeLoss)?.description ?? loss.label
  }

  /// One report as a JSON object: classes (precision, recall, f1, support, AUCs), macro F1,
  /// accuracy, confusion, labels, calibration error.
  static func object(_ report: ClassificationReport) -> [String: Any] {
    var classes: [String: Any] = [:]
    for (name, statistics) in zip(report.labelNames, report.classes) {
      var entry: [String: Any] = [
        "precision": statistics.precision, "recall": statistics.recall, "f1": statistics.f1,
        "support": statistics.support,
      ]
      if let value = statistics.rocAUC { entry["roc_auc"] = value }
      if let value = statistics.prAUC { entry["pr_auc"] = value }
      if let value = statistics.recallAtFalsePositiveBound { entry["recall_at_fpr"] = value }
      classes[name] = entry
    }
    return [
      "classes": classes, "macro_f1": report.macroF1, "accuracy": report.accuracy,
      "confusion": report.confusion, "labels": report.labelNames,
      "expected_calibration_error": report.expectedCalibrationError,
    ]
  }

  /// The reports of a model's heads as JSON text: one head keeps the single-report shape;
  /// several are `{"heads": {NAME: {…}}}`.
  static func json(_ reports: [String: ClassificationReport], order: [String]) throws -> String {
    let object: [String: Any] =
      reports.count == 1
      ? Self.object(reports.values.first!)
      : ["heads": Dictionary(uniqueKeysWithValues: order.compactMap { name in
          reports[name].map { (name, Self.object($0)) }
        })]
    let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    return String(decoding: data, as: UTF8.self)
  }

  /// The reports as text, with a heading per head when there are several.
  static func text(_ reports: [String: ClassificationReport], order: [String]) -> String {
    guard reports.count > 1 else { return reports.values.first?.text ?? "" }
    return order.compactMap { name in reports[name].map { "Head '\(name)':\n" + $0.text } }
      .joined(separator: "\n\n")
  }

  /// Final metrics by split, with the seed's keys (prefixed by head when there are several).
  static func metrics(_ result: LineClassifier.FitResult) -> [String: [String: Double]] {
    var metrics: [String: [String: Double]] = [:]
    if !result.testReports.isEmpty { metrics["test"] = result.testStatistics }
    if !result.validationReports.isEmpty { metrics["validation"] = result.validationStatistics }
    return metrics
  }
}
