import ArgumentParser
import Foundation
import LossKit

/// `losskit train`: trains a classifier, or continues a saved one.
struct Train: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract:
      "Train a classifier on .ann or CSV data (or continue a saved one) and report on held-out data.",
    discussion: """
      Example (the SKOL split, two heads): losskit train \
      --data '../shared/data/skol/Mycotaxon/Vol05*' --data ../shared/data/skol/Mycotaxon/Vol117 \
      --data ../shared/data/skol/Mycotaxon/Vol118 --data ../shared/data/skol/Mycologia \
      --test ../shared/data/skol/Mycotaxon/Vol119 --model bilstm --head kind=collapsed \
      --head section=fine --loss '0.7*focal+0.3*supcon(target=section)' \
      --weight-strategy balanced --seed 1 --save skol

      Continue it for two more epochs, fine-tuning with another loss: losskit train \
      --resume skol --data … --epochs 2 --loss weighted --weight-strategy inverse
      """)

  @OptionGroup var dataOptions: DataOptions
  @OptionGroup var modelOptions: ModelOptions
  @OptionGroup var lossOptions: LossOptions
  @OptionGroup var optimizerOptions: OptimizerOptions
  @OptionGroup var trainingOptions: TrainingOptions

  @Option(
    name: .long,
    help:
      "Continue training a saved model (a name in the store, or a folder path) with its loss, optimizer state and random streams; --loss replaces its loss for the new epochs."
  )
  var resume: String?

  @Option(
    name: .long,
    help:
      "Save the trained model: a name in the store, or a folder path (containing '/'). (default: not saved; with --resume, the resumed model)"
  )
  var save: String?

  @Flag(
    name: .long,
    help:
      "Store the libraries of native and foreign losses inside the saved model, so it resumes training elsewhere with no flags."
  )
  var bundlePlugins = false

  @OptionGroup var storeOptions: StoreOptions

  @Flag(name: .long, help: "Print only the final report.")
  var quiet = false

  @Flag(name: .long, help: "Print the test report as one JSON object.")
  var json = false

  func validate() throws {
    guard !dataOptions.data.isEmpty else {
      throw ValidationError("give training data with --data FILE_OR_GLOB")
    }
    if resume != nil, modelOptions.anyGiven || optimizerOptions.anyGiven {
      throw ValidationError(
        "--resume continues the saved model with its own model and optimizer options; drop "
          + "the model and optimizer options, or train a new model without --resume")
    }
  }

  func run() throws {
    let registry = try storeOptions.registry()
    let destination = try (save ?? resume).map { try storeOptions.locate($0) }
    let training = try LoadedData.load(dataOptions.data)
    let validation = try DataOptions.load(dataOptions.validation)
    let test = try DataOptions.load(dataOptions.test)
    let observer = ProgressPrinter(style: quiet || json ? .quiet : .bar)
    let classifier: LineClassifier
    let result: LineClassifier.FitResult
    if let resume {
      let trained = try storeOptions.load(resume, for: .training)
      classifier = try LineClassifier(resuming: trained, registry: registry)
      let loss =
        lossOptions.anyGiven
        ? try lossOptions.configuration(
          expression: classifier.configuration.effectiveLoss.expression)
        : nil
      say(
        "Resuming \(trained.model.kind) after epoch \(trained.state.epochsTrained)"
          + (loss.map { " with loss \($0.expression)" } ?? " with loss \(Report.loss(trained.loss))")
      )
      result = try classifier.resume(
        training: training, validation: validation, test: test,
        epochs: trainingOptions.epochs.value, loss: loss, observer: observer)
    } else {
      let configuration = try ConfigurationBuilder.make(
        data: dataOptions, model: modelOptions, loss: lossOptions, optimizer: optimizerOptions,
        training: trainingOptions)
      classifier = try LineClassifier(configuration, registry: registry)
      say(
        "Training \(configuration.model) on \(training.rowCount) rows with loss "
          + configuration.effectiveLoss(for: training).expression)
      result = try classifier.fit(
        training: training, validation: validation, test: test, observer: observer)
    }
    guard let trained = classifier.trained else { return }
    if let (store, name) = destination {
      trained.metrics = Report.metrics(result)
      try store.save(trained, named: name, bundlePlugins: bundlePlugins)
      say("Saved the model as '\(name)' in \(store.location)")
    }
    guard !result.testReports.isEmpty else { return }
    let order = trained.targets.map(\.name)
    if json {
      print(try Report.json(result.testReports, order: order))
    } else {
      print("\nTest results:")
      print(Report.text(result.testReports, order: order))
    }
  }

  private func say(_ line: String) {
    if !(quiet || json) { print(line) }
  }
}
