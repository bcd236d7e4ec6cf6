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
  ///
  /// Each candidate keeps the base's loss options that one of its losses takes (so
  /// `--gamma 3` changes the focal candidates only).
  ///
  /// - Throws: ``LossKitError/conflictingOptions(_:fix:)`` for a base option no candidate
  ///   takes, and errors from parsing the expressions.
  public static func candidates(
    _ names: [String], base: LineClassifierConfiguration, focalLabels: [String],
    registry: LossRegistry
  ) throws -> [Candidate] {
    var shared = base.loss.options
    for key in ["focalLabels", "classWeights", "strategy"] { shared[key] = nil }
    let strategy = base.loss.options["strategy"] ?? "inverse"
    let labels = JSONValue.array(focalLabels.map { .string($0) })
    var used = Set<String>()
    let candidates = try names.map { name -> Candidate in
      var options = shared
      let expression: String
      switch name {
      case "standard": expression = "cross-entropy"
      case "weighted":
        expression = "weighted"
        options["strategy"] = strategy
      case "focal":
        expression = "focal"
        options["gamma"] = shared["gamma"] ?? 2
      case "focal-f1":
        expression = "focal-f1"
        options["focalLabels"] = labels
      case "composite":
        expression = "0.5*focal+0.5*focal-f1"
        options["focalLabels"] = labels
      default:
        expression = name
        if name.contains("f1") { options["focalLabels"] = labels }
        if name.contains("weighted") { options["strategy"] = strategy }
      }
      let taken = try LossConfiguration(expression: expression).parameterNames(registry: registry)
      options = options.filter { taken.contains($0.key) }
      used.formUnion(options.keys)
      var configuration = base
      configuration.loss = LossConfiguration(expression: expression, options: options)
      return Candidate(name: name, configuration: configuration)
    }
    if let unused = shared.keys.sorted().first(where: { !used.contains($0) }) {
      throw LossKitError.conflictingOptions(
        "the option '\(unused)' applies to none of the compared losses",
        fix: "drop it, or compare a loss that takes it (see `losskit kinds`)")
    }
    return candidates
  }

  /// The labels other than the most frequent one (the "rare labels" focal-F1 targets by
  /// default), rarest first.
  public static func rareLabels(_ counts: [String: Int]) -> [String] {
    guard let common = counts.max(by: { ($0.value, $1.key) < ($1.value, $0.key) })?.key else { return [] }
    return counts.filter { $0.key != common }.sorted { ($0.value, $0.key) < ($1.value, $1.key) }.map(\.key)
  }

  /// Trains and tests every candidate; `started(name)` is called before each, and
  /// `finished(candidate, model)` after each with the trained model, its test metrics set
  /// (to save it, as the seed's comparison saved one model per loss).
  ///
  /// - Throws: The first candidate's configuration or training error, or what `finished`
  ///   throws.
  public static func run(
    _ candidates: [Candidate], training: LoadedData, validation: LoadedData?, test: LoadedData,
    registry: Registry, observer: (any TrainingObserver)?, started: (String) -> Void = { _ in },
    finished: (Candidate, TrainedModel) throws -> Void = { _, _ in }
  ) throws -> [Result] {
    var results: [Result] = []
    for candidate in candidates {
      started(candidate.name)
      let classifier = try LineClassifier(candidate.configuration, registry: registry)
      let start = DispatchTime.now().uptimeNanoseconds
      _ = try classifier.fit(training: training, validation: validation, observer: observer)
      let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
      guard let trained = classifier.trained else { continue }
      let corpus = try trained.corpus(test)
      guard let target = corpus.targets.first, let head = try trained.scores(corpus)[target.name]
      else { continue }
      let probabilities = head.probabilities.scalars
      let report = ClassificationReport(
        probabilities: probabilities, predicted: head.decoded, labels: target.labels,
        labelNames: target.labelNames)
      results.append(
        Result(
          name: candidate.name, loss: Trainer.describe(trained.loss), report: report,
          probabilities: probabilities, labels: target.labels, seconds: seconds,
          epochs: trained.state.epochsTrained))
      trained.metrics["test"] = report.dictionary
      try finished(candidate, trained)
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
