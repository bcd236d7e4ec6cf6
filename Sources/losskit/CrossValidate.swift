import ArgumentParser
import Foundation
import LossKit

/// `losskit crossval`: leave-one-group-out evaluation, by journal unless told otherwise.
struct CrossValidate: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "crossval",
    abstract:
      "Leave one journal (or folder, or file) out: train on the others, test on it, for each.",
    discussion: """
      The honest proxy for pages of a journal no model has seen. Example (train on Mycotaxon, \
      test on Mycologia, and the reverse): losskit crossval --group journal \
      --data ../shared/data/skol. Journals are the first folders below the folder all the \
      data shares; every fold trains the same recipe (the options of losskit train) with the \
      same seed, validating on 10% of its own training documents.
      """)

  @Option(
    name: .long, help: "Training data: .ann or .csv files, directories or globs (repeatable).")
  var data: [String] = []

  @Option(
    name: .long,
    help:
      "What forms a group: journal (first folder below the data's common folder), folder or file.")
  var group: DocumentGrouping = .journal

  @Option(
    name: .customLong("hold-out"),
    help: "Hold out only this group (repeatable). (default: every group in turn)")
  var holdOut: [String] = []

  @OptionGroup var modelOptions: ModelOptions
  @OptionGroup var lossOptions: LossOptions
  @OptionGroup var optimizerOptions: OptimizerOptions
  @OptionGroup var trainingOptions: TrainingOptions
  @OptionGroup var storeOptions: StoreOptions

  @Option(
    name: .long,
    help:
      "Save each fold's model in the store as PREFIX-GROUP, e.g. lojo-Mycologia (the model that never saw Mycologia)."
  )
  var save: String?

  @Flag(name: .long, help: "Print only the table.")
  var quiet = false

  @Flag(
    name: .long,
    help:
      "Print the folds as JSON: {\"folds\": [{group, training_rows, test_rows, epochs, best_epoch, seconds, heads: {NAME: report}}], \"mean\": {NAME: {macro_f1, LABEL_f1…}}}."
  )
  var json = false

  func validate() throws {
    guard !data.isEmpty else {
      throw ValidationError(
        "give the data of at least two groups with --data, e.g. --data ../shared/data/skol")
    }
  }

  func run() throws {
    var dataOptions = try DataOptions.parse([])
    dataOptions.data = data
    let configuration = try ConfigurationBuilder.make(
      data: dataOptions, model: modelOptions, loss: lossOptions, optimizer: optimizerOptions,
      training: trainingOptions)
    let registry = try storeOptions.registry()
    let loaded = try LoadedData.load(data)
    let verbose = !(quiet || json)
    let store = try save.map { _ in try storeOptions.modelStore() }
    // Reach the store before hours of training, so a wrong URL fails at once.
    _ = try store?.names()
    let folds = try GroupCrossValidation(configuration, registry: registry).run(
      loaded, grouping: group, only: holdOut,
      observer: verbose ? ProgressPrinter(style: .bar) : nil,
      foldFinished: { fold, trained in
        if let store, let prefix = save {
          let name = prefix + "-" + Self.modelName(fold.group)
          trained.metrics = ["test": LineClassifier.FitResult.statistics(fold.reports)]
          try store.save(trained, named: name)
          if verbose { print("Saved the model as '\(name)' in \(store.location)") }
        }
        if verbose {
          print(
            "\n== held out \(fold.group): trained on \(fold.trainingRows) rows, tested on "
              + "\(fold.testRows), \(Int(fold.seconds.rounded())) s ==")
          print(Report.text(fold.reports, order: fold.reports.keys.sorted()))
        }
      })
    if json {
      print(try Self.json(folds))
    } else {
      if verbose { print("") }
      print(Self.table(folds))
    }
  }

  /// Per-class F1 and macro F1 of every fold, one table per head, with the mean of the folds.
  static func table(_ folds: [GroupCrossValidation.Fold]) -> String {
    let heads = Array(Set(folds.flatMap(\.reports.keys))).sorted()
    var sections: [String] = []
    for head in heads {
      let labels = folds.compactMap { $0.reports[head]?.labelNames }.first ?? []
      let width = max(12, folds.map { display($0.group).count }.max() ?? 0)
      func pad(_ text: String) -> String {
        text.padding(toLength: width, withPad: " ", startingAt: 0)
      }
      var lines = heads.count > 1 ? ["Head '\(head)':"] : []
      lines.append(
        pad("held out") + "  test rows"
          + labels.map { " " + String("\($0) F1".suffix(16)).leftPadded(to: 16) }.joined()
          + "  macro F1  epochs")
      for fold in folds {
        guard let report = fold.reports[head] else { continue }
        lines.append(
          pad(display(fold.group)) + String(format: " %10d", fold.testRows)
            + report.classes.map { String(format: " %16.4f", $0.f1) }.joined()
            + String(format: " %9.4f", report.macroF1)
            + " \(fold.bestEpoch.map { "\($0)/" } ?? "")\(fold.epochs)".leftPadded(to: 8))
      }
      let reports = folds.compactMap { $0.reports[head] }
      if reports.count > 1 {
        lines.append(
          pad("mean") + String(repeating: " ", count: 11)
            + labels.indices.map { c in
              String(
                format: " %16.4f",
                reports.map { $0.classes[c].f1 }.reduce(0, +)
                  / Double(reports.count))
            }.joined()
            + String(format: " %9.4f", reports.map(\.macroF1).reduce(0, +) / Double(reports.count)))
      }
      sections.append(lines.joined(separator: "\n"))
    }
    return sections.joined(separator: "\n\n")
  }

  /// A group's name as part of a model name: characters other than letters, digits, `-`
  /// and `_` become `_`.
  static func modelName(_ group: String) -> String {
    String(display(group).map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "_" })
  }

  /// A group's name as a user reads it: a file or folder path relative to the current folder.
  static func display(_ group: String) -> String {
    let here = FileManager.default.currentDirectoryPath + "/"
    return group.hasPrefix(here) ? String(group.dropFirst(here.count)) : group
  }

  /// The folds and their mean as JSON text.
  static func json(_ folds: [GroupCrossValidation.Fold]) throws -> String {
    let heads = Array(Set(folds.flatMap(\.reports.keys))).sorted()
    var mean: [String: [String: Double]] = [:]
    for head in heads {
      let reports = folds.compactMap { $0.reports[head] }
      var values: [String: Double] = [
        "macro_f1": reports.map(\.macroF1).reduce(0, +) / Double(reports.count)
      ]
      for (c, label) in (reports.first?.labelNames ?? []).enumerated() {
        values["\(label)_f1"] =
          reports.map { $0.classes[c].f1 }.reduce(0, +) / Double(reports.count)
      }
      mean[head] = values
    }
    let object: [String: Any] = [
      "folds": folds.map { fold -> [String: Any] in
        var entry: [String: Any] = [
          "group": display(fold.group), "training_rows": fold.trainingRows,
          "test_rows": fold.testRows, "epochs": fold.epochs, "seconds": fold.seconds,
          "heads": fold.reports.mapValues { Report.object($0) },
        ]
        if let best = fold.bestEpoch { entry["best_epoch"] = best }
        return entry
      },
      "mean": mean,
    ]
    let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    return String(decoding: data, as: UTF8.self)
  }
}

extension DocumentGrouping: ExpressibleByArgument {}

extension String {
  /// The string right-aligned in `width` columns.
  fileprivate func leftPadded(to width: Int) -> String {
    count >= width ? self : String(repeating: " ", count: width - count) + self
  }
}
