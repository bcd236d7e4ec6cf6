import Dispatch
import Foundation
import LossKitCore
import LossKitData

/// Trains the same model with several losses on the same split and collects their test
/// results: the seed's comparison ("standard vs weighted vs focal-F1"), reproducible.
public enum LossComparison {
  /// One loss to compare: a display name and the options that select it.
  public struct Candidate: Sendable {
    /// The name in tables and charts.
    public var name: String
    /// The classifier options (model and training shared, loss options differing).
    public var configuration: LineClassifierConfiguration
  }

  /// One candidate's outcome.
  public struct Result: Sendable {
    /// The candidate's name.
    public var name: String
    /// The loss as an expression.
    public var loss: String
    /// Test statistics.
    public var report: ClassificationReport
    /// Calibrated test probabilities `[rows, classes]`, for curves.
    public var probabilities: [Float]
    /// Test labels.
    public var labels: [Int32]
    /// Training wall-clock seconds.
    public var seconds: Double
    /// Epochs run.
    public var epochs: Int
  }

  /// The presets `--losses` accepts, besides any loss expression.
  public static let presetNames = ["standard", "weighted", "focal", "focal-f1", "composite"]

  /// The default comparison: standard, weighted (`inverse`), focal (γ = 2), focal-F1.
  public static let defaultPresets = ["standard", "weighted", "focal", "focal-f1"]

  /// Candidates for preset names or loss expressions, on top of `base` options.
  ///
  /// - `standard`: cross-entropy; `weighted`: weighted cross-entropy with the `inverse`
  ///   strategy; `focal`: focal loss, γ = 2; `focal-f1`: soft F1 over `focalLabels`;
  ///   `composite`: `0.5*focal+0.5*focal-f1`; anything else is used as a loss expression.
  public static func candidates(
    _ names: [String], base: LineClassifierConfiguration, focalLabels: [String]
  ) -> [Candidate] {
    names.map { name in
      var configuration = base
      configuration.loss = nil
      configuration.focalLabels = nil
      configuration.classWeights = nil
      configuration.weightStrategy = nil
      switch name {
      case "standard": configuration.loss = "cross-entropy"
      case "weighted":
        configuration.loss = "weighted"
        configuration.weightStrategy = base.weightStrategy ?? "inverse"
      case "focal":
        configuration.loss = "focal"
        configuration.gamma = base.gamma ?? 2
      case "focal-f1":
        configuration.loss = "focal-f1"
        configuration.focalLabels = focalLabels
      case "composite":
        configuration.loss = "0.5*focal+0.5*focal-f1"
        configuration.focalLabels = focalLabels
      default:
        configuration.loss = name
        if name.contains("f1") { configuration.focalLabels = focalLabels }
        if name.contains("weighted") { configuration.weightStrategy = base.weightStrategy ?? "inverse" }
      }
      return Candidate(name: name, configuration: configuration)
    }
  }

  /// The labels other than the most frequent one (the "rare labels" focal-F1 targets by
  /// default), rarest first.
  public static func rareLabels(_ counts: [String: Int]) -> [String] {
    guard let common = counts.max(by: { ($0.value, $1.key) < ($1.value, $0.key) })?.key else { return [] }
    return counts.filter { $0.key != common }.sorted { ($0.value, $0.key) < ($1.value, $1.key) }.map(\.key)
  }

  /// Trains and tests every candidate; `started(name)` is called before each.
  ///
  /// - Throws: The first candidate's configuration or training error.
  public static func run(
    _ candidates: [Candidate], training: LoadedData, validation: LoadedData?, test: LoadedData,
    registry: LossRegistry, observer: (any TrainingObserver)?, started: (String) -> Void = { _ in }
  ) throws -> [Result] {
    var results: [Result] = []
    for candidate in candidates {
      started(candidate.name)
      let classifier = try LineClassifier(candidate.configuration, registry: registry)
      let start = DispatchTime.now().uptimeNanoseconds
      _ = try classifier.fit(training: training, validation: validation, observer: observer)
      let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
      let corpus = try classifier.corpus(test)
      let probabilities = try classifier.predictProbabilities(corpus, calibrated: true).scalars
      results.append(
        Result(
          name: candidate.name, loss: (classifier.loss as? CompositeLoss)?.description ?? classifier.loss.label,
          report: ClassificationReport(probabilities: probabilities, labels: corpus.labels, labelNames: corpus.labelNames),
          probabilities: probabilities, labels: corpus.labels, seconds: seconds,
          epochs: classifier.epochsTrained))
    }
    return results
  }

  /// The comparison as a text table: F1 per class, macro F1, and for each rare class PR-AUC
  /// and recall at the false-positive bound, the calibration error, and training time.
  public static func table(_ results: [Result]) -> String {
    guard let first = results.first else { return "" }
    let labels = first.report.labelNames
    let nameWidth = max(10, results.map(\.name.count).max() ?? 0)
    // Per-class rows indent the loss name by two spaces.
    let rowWidth = nameWidth + 2
    func cell(_ value: Double?) -> String {
      value.map { String(format: "%7.4f", $0) } ?? "      -"
    }
    func pad(_ text: String, _ width: Int) -> String {
      text.padding(toLength: width, withPad: " ", startingAt: 0)
    }
    var lines: [String] = []
    lines.append(
      pad("loss", nameWidth) + labels.map { " " + pad(String($0.prefix(7)), 7) }.joined()
        + " macroF1     ECE   time")
    lines.append(pad("", nameWidth) + labels.map { _ in "      F1" }.joined())
    for result in results {
      lines.append(
        pad(result.name, nameWidth) + result.report.classes.map { " " + cell($0.f1) }.joined()
          + " " + cell(result.report.macroF1) + " " + cell(result.report.expectedCalibrationError)
          + String(format: " %5.0fs", result.seconds))
    }
    lines.append("")
    let bound = first.report.falsePositiveBound
    lines.append(pad("per class", rowWidth) + "  precision  recall      F1  PR-AUC  R@FPR\(bound)")
    for (index, label) in labels.enumerated() {
      lines.append(label)
      for result in results {
        let s = result.report.classes[index]
        lines.append(
          pad("  " + result.name, rowWidth) + "  " + cell(s.precision) + " " + cell(s.recall)
            + " " + cell(s.f1) + " " + cell(s.prAUC) + " " + cell(s.recallAtFalsePositiveBound))
      }
    }
    return lines.joined(separator: "\n")
  }
}
