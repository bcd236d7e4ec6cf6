import ArgumentParser
import Foundation
import LossKit

/// `losskit compare`: the seed's comparison table, on built-in data by default.
struct Compare: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Train one model with several losses on the same split; print a comparison table and write an HTML report.",
    discussion: """
      Without --data, runs on journal-like pages LossKit generates itself (rare : medium : \
      common about 1 : 10 : 100) with a small BiLSTM, in about two minutes. With --data, \
      runs on your files; --test names the held-out data (without it, the test set is the \
      validation split). Losses: the presets standard, weighted (inverse weights), focal \
      (γ=2), focal-f1 (the rare labels), composite (0.5*focal+0.5*focal-f1), or any loss \
      expression.
      """)

  @OptionGroup var dataOptions: DataOptions

  @Option(name: .long, help: "Losses to compare, separated by commas. (default: standard,weighted,focal,focal-f1)")
  var losses: String = LossComparison.defaultPresets.joined(separator: ",")

  @Option(name: .long, help: "The HTML report's path. (default: losskit-report.html)")
  var report: String = "losskit-report.html"

  @OptionGroup var modelOptions: ModelOptions
  @OptionGroup var lossOptions: LossOptions
  @OptionGroup var optimizerOptions: OptimizerOptions
  @OptionGroup var trainingOptions: TrainingOptions
  @OptionGroup var storeOptions: StoreOptions

  @Option(name: .long, help: "Save each loss's model in the store as PREFIX-LOSS, e.g. rnn-standard, rnn-weighted (the seed's comparison saved one model per loss).")
  var save: String?

  @Flag(name: .long, help: "Print only the comparison table.")
  var quiet = false

  @Flag(name: .long, help: "Print the results as JSON instead of the table.")
  var json = false

  func run() throws {
    let builtIn = dataOptions.data.isEmpty
    var defaults = LineClassifierConfiguration()
    if builtIn {
      defaults.modelOptions = ["hiddenSize": 48, "embeddingSize": 32, "numLayers": 1]
      defaults.trainer.epochs = 4
      defaults.featurizer.buckets = 1 << 16
    }
    let base = try ConfigurationBuilder.make(
      data: dataOptions, model: modelOptions, loss: lossOptions, optimizer: optimizerOptions,
      training: trainingOptions, defaults: defaults)
    guard base.heads.count <= 1 else {
      throw ValidationError("compare trains single-head models; give at most one --head")
    }
    let (training, validation, test, description) = try data(base: base, builtIn: builtIn)
    let registry = try storeOptions.registry()
    let counts = try training.rawLabelCounts(try base.effectiveHeads(for: training)[0].view)
    let focalLabels =
      base.loss.options["focalLabels"]?.arrayValue?.compactMap(\.stringValue)
      ?? LossComparison.rareLabels(Self.collapsedCounts(counts, base: base, data: training))
    let names = losses.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
    let candidates = try LossComparison.candidates(
      names, base: base, focalLabels: focalLabels, registry: registry.losses)
    for candidate in candidates { _ = try LineClassifier(candidate.configuration, registry: registry) }
    let destination = try save.map { prefix in
      (store: try storeOptions.modelStore(), names: try Self.modelNames(prefix, candidates))
    }
    // Reach the store before hours of training, so a wrong URL or password fails at once.
    _ = try destination?.store.names()
    let verbose = !(quiet || json)
    if verbose {
      print("Comparing \(names.joined(separator: ", ")) with a \(base.model) model on \(description)")
    }
    let results = try LossComparison.run(
      candidates, training: training, validation: validation, test: test, registry: registry,
      observer: verbose ? ProgressPrinter(style: .bar) : nil,
      started: { if verbose { print("\n== \($0) ==") } },
      finished: { candidate, trained in
        guard let (store, names) = destination, let name = names[candidate.name] else { return }
        try store.save(trained, named: name)
        if verbose { print("Saved the model as '\(name)' in \(store.location)") }
      })
    let html = HTMLReport.render(
      results, title: "LossKit comparison", subtitle: "\(base.model) model on \(description)")
    try Data(html.utf8).write(to: URL(fileURLWithPath: report))
    if json {
      print(try resultsJSON(results))
    } else {
      if verbose { print("") }
      print(LossComparison.table(results))
      if verbose { print("\nReport: \(URL(fileURLWithPath: report).standardizedFileURL.path)") }
    }
  }

  /// The name each candidate's model is saved under: `PREFIX-NAME`, with characters a model
  /// name cannot hold (in loss expressions) replaced by `_`.
  static func modelNames(_ prefix: String, _ candidates: [LossComparison.Candidate]) throws
    -> [String: String]
  {
    var names: [String: String] = [:]
    for candidate in candidates {
      let name = prefix + "-" + String(candidate.name.map {
        $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) ? $0 : "_"
      })
      guard ModelName.isValid(name) else { throw ArchiveError.invalidName(name) }
      guard !names.values.contains(name) else {
        throw ValidationError("two compared losses would both be saved as '\(name)'; name them apart")
      }
      names[candidate.name] = name
    }
    return names
  }

  /// Rows per class of the compared head's view.
  static func collapsedCounts(
    _ raw: [String: Int], base: LineClassifierConfiguration, data: LoadedData
  ) -> [String: Int] {
    guard let view = try? base.effectiveHeads(for: data).first?.view else { return raw }
    let names = Set(view.labelNames(counts: raw))
    var counts: [String: Int] = [:]
    for (label, count) in raw {
      if let name = view.label(for: label, among: names) { counts[name, default: 0] += count }
    }
    return counts
  }

  private func data(
    base: LineClassifierConfiguration, builtIn: Bool
  ) throws -> (LoadedData, LoadedData?, LoadedData, String) {
    if builtIn {
      let training = SyntheticPages(pages: 40, linesPerPage: 300, seed: base.seed + 1)
      let test = SyntheticPages(pages: 20, linesPerPage: 300, seed: base.seed + 1_000)
      let documents = training.documents()
      let testDocuments = test.documents()
      let rows = documents.reduce(0) { $0 + $1.lines.count }
      let testRows = testDocuments.reduce(0) { $0 + $1.lines.count }
      return (
        .annotated(documents), nil, .annotated(testDocuments),
        "built-in synthetic journal pages (\(rows) training lines, \(testRows) test lines)"
      )
    }
    let training = try LoadedData.load(dataOptions.data)
    let validation = try DataOptions.load(dataOptions.validation)
    guard let test = try DataOptions.load(dataOptions.test) ?? validation else {
      throw ValidationError("with --data, give held-out data with --test (or --validation)")
    }
    return (
      training, validation, test,
      "\(dataOptions.data.joined(separator: " ")) (\(training.rowCount) training rows, "
        + "\(test.rowCount) test rows)"
    )
  }

  private func resultsJSON(_ results: [LossComparison.Result]) throws -> String {
    let entries: [[String: Any]] = results.map { result in
      [
        "name": result.name, "loss": result.loss, "macro_f1": result.report.macroF1,
        "seconds": result.seconds, "epochs": result.epochs,
        "expected_calibration_error": result.report.expectedCalibrationError,
        "classes": Dictionary(uniqueKeysWithValues: zip(result.report.labelNames, result.report.classes).map {
          ($0, ["precision": $1.precision, "recall": $1.recall, "f1": $1.f1, "support": $1.support,
                "pr_auc": $1.prAUC ?? NSNull(), "recall_at_fpr": $1.recallAtFalsePositiveBound ?? NSNull()] as [String: Any])
        }),
      ]
    }
    let data = try JSONSerialization.data(withJSONObject: entries, options: [.sortedKeys, .prettyPrinted])
    return String(decoding: data, as: UTF8.self)
  }
}
