import ArgumentParser
import Foundation
import LossKit

/// `losskit train`: trains a line classifier.
struct Train: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Train a classifier on .ann or CSV data and report on held-out data.",
    discussion: """
      Example (the SKOL split): losskit train --data '../shared/data/skol/Mycotaxon/Vol05*' \
      --data ../shared/data/skol/Mycotaxon/Vol117 --data ../shared/data/skol/Mycotaxon/Vol118 \
      --data ../shared/data/skol/Mycologia --test ../shared/data/skol/Mycotaxon/Vol119 \
      --loss '0.5*focal+0.5*focal-f1' --focal-labels Nomenclature,Description
      """)

  @OptionGroup var dataOptions: DataOptions
  @OptionGroup var modelOptions: ModelOptions
  @OptionGroup var lossOptions: LossOptions
  @OptionGroup var trainingOptions: TrainingOptions

  @Option(name: .long, help: "Save the trained model: a name in the store, or a folder path (containing '/'). (default: not saved)")
  var save: String?

  @OptionGroup var storeOptions: StoreOptions

  @Flag(name: .long, help: "Print only the final report.")
  var quiet = false

  @Flag(name: .long, help: "Print the test report as one JSON object.")
  var json = false

  func validate() throws {
    guard !dataOptions.data.isEmpty else {
      throw ValidationError("give training data with --data FILE_OR_GLOB")
    }
  }

  func run() throws {
    let configuration = try ConfigurationBuilder.make(
      model: modelOptions, loss: lossOptions, training: trainingOptions)
    let registry = try storeOptions.registry()
    let destination = try save.map { try storeOptions.modelStore.location(of: $0) }
    let classifier = try LineClassifier(configuration, registry: registry)
    let collapsing = configuration.collapsing
    let training = try LoadedData.load(dataOptions.data, collapsing: collapsing, labelColumn: dataOptions.labelColumn)
    let validation = dataOptions.validation.isEmpty ? nil : try LoadedData.load(dataOptions.validation, collapsing: collapsing, labelColumn: dataOptions.labelColumn)
    let test = dataOptions.test.isEmpty ? nil : try LoadedData.load(dataOptions.test, collapsing: collapsing, labelColumn: dataOptions.labelColumn)
    let observer = ProgressPrinter(style: quiet || json ? .quiet : .bar)
    if !(quiet || json) {
      print("Training \(configuration.modelKind.rawValue) on \(training.rowCount) rows with loss \(Describe.loss(classifier.loss))")
    }
    let result = try classifier.fit(training: training, validation: validation, test: test, observer: observer)
    if let destination {
      var metrics: [String: [String: Double]] = [:]
      if let report = result.testReport { metrics["test"] = report.dictionary }
      if let report = result.validationReport { metrics["validation"] = report.dictionary }
      try SavedModel.save(classifier, to: destination, metrics: metrics)
      if !(quiet || json) { print("Saved the model to \(destination.path)") }
    }
    if let report = result.testReport {
      if json {
        print(try ReportJSON.text(report))
      } else {
        print("\nTest results:")
        print(report.text)
      }
    }
  }
}

/// Short descriptions for printing.
enum Describe {
  static func loss(_ loss: any Loss) -> String {
    (loss as? CompositeLoss)?.description ?? loss.label
  }
}

/// The `--json` form of a report.
enum ReportJSON {
  static func text(_ report: ClassificationReport) throws -> String {
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
    let object: [String: Any] = [
      "classes": classes, "macro_f1": report.macroF1, "accuracy": report.accuracy,
      "confusion": report.confusion, "labels": report.labelNames,
      "expected_calibration_error": report.expectedCalibrationError,
    ]
    let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    return String(decoding: data, as: UTF8.self)
  }
}
