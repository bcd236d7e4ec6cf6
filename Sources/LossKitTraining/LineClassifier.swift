import Foundation
import LossKitCore
import LossKitData
import LossKitNN

/// Classifies lines of text or CSV rows — the seed's `SkolClassifierV2` — as a recipe over
/// the framework: it picks the heads, the input pipeline, the model, the optimizer and the
/// loss from its options and the data, then trains a ``TrainedModel`` with the ``Trainer``.
///
/// ```swift
/// var options = LineClassifierConfiguration()
/// options.loss = LossConfiguration(
///   expression: "0.5*focal+0.5*focal-f1", options: ["focalLabels": ["Nomenclature", "Description"]])
/// let classifier = try LineClassifier(options, registry: .standard)
/// let result = try classifier.fit(training: pages, test: heldOut)
/// result.testStatistics["Nomenclature_f1"]
/// ```
///
/// The seed's rule holds: focal labels and class weights together are an error, unless the
/// loss expression composes two losses explicitly.
public final class LineClassifier {
  /// The options.
  public let configuration: LineClassifierConfiguration
  /// Where model kinds, optimizers and losses resolve.
  public let registry: Registry
  /// The model being trained, once built by ``fit(training:validation:test:observer:)`` or
  /// given to ``init(resuming:registry:)``.
  public private(set) var trained: TrainedModel?

  /// What training returns.
  public struct FitResult: Sendable {
    /// Every epoch trained so far.
    public var history: TrainingHistory
    /// The test report of every target set.
    public var testReports: [String: ClassificationReport] = [:]
    /// The validation report of every target set, when there was validation data.
    public var validationReports: [String: ClassificationReport] = [:]

    /// Test statistics with the seed's keys (`Nomenclature_f1`, `macro_f1`, …), prefixed by
    /// the target set's name (`kind_macro_f1`) when there are several.
    public var testStatistics: [String: Double] { Self.statistics(testReports) }
    /// Validation statistics, keyed like ``testStatistics``.
    public var validationStatistics: [String: Double] { Self.statistics(validationReports) }

    /// Flat statistics of some reports, keyed like ``testStatistics``.
    public static func statistics(_ reports: [String: ClassificationReport]) -> [String: Double] {
      guard reports.count > 1 else { return reports.values.first?.dictionary ?? [:] }
      var all: [String: Double] = [:]
      for (target, report) in reports {
        for (key, value) in report.dictionary { all["\(target)_\(key)"] = value }
      }
      return all
    }
  }

  /// Validates the options: the model kind and optimizer are registered and the loss
  /// expression builds on the configured heads.
  ///
  /// - Throws: ``LossKitError`` naming the unknown kind, the bad option or the loss problem.
  public init(_ configuration: LineClassifierConfiguration, registry: Registry) throws {
    self.configuration = configuration
    self.registry = registry
    let model = try registry.models.requireEntry(named: configuration.model)
    _ = try registry.optimizers.make(
      named: configuration.optimizer, parameters: configuration.optimizerOptions)
    try configuration.trainer.validate()
    let names = configuration.heads.isEmpty ? ["labels"] : configuration.heads.map(\.name)
    let nominal = names.map {
      LossConfiguration.Head(target: $0, output: names.count == 1 ? "logits" : "logits_\($0)")
    }
    let loss = try configuration.effectiveLoss.makeLoss(registry: registry.losses, heads: nominal)
    try Self.checkCRF(configuration, model: model, loss: loss)
  }

  /// A CRF output needs a sequence model that has one and a loss that trains it; a loss that
  /// reads CRF scores needs the output.
  static func checkCRF(
    _ configuration: LineClassifierConfiguration, model: ModelRegistry.Entry, loss: any Loss
  ) throws {
    let readsScores = loss.outputNames.contains { name in
      CRFOutputNames.standard.scores.contains { name.hasPrefix($0) }
    }
    if configuration.hasCRF, model.defaults.objectValue?["crf"] == nil {
      throw LossKitError.conflictingOptions(
        "a CRF output scores sequences of lines, and model '\(configuration.model)' has none "
          + "(it reads one row at a time, or its kind has no `crf` option)",
        fix: "use --model bilstm with --crf, or drop --crf")
    }
    if configuration.hasCRF, !readsScores {
      throw LossKitError.conflictingOptions(
        "--crf adds transition scores that only the crf loss trains, and the loss "
          + "'\(configuration.effectiveLoss.expression)' has no crf term",
        fix: "add one, e.g. --loss crf or --loss '0.5*crf+0.5*focal-f1', or drop --crf")
    }
    if !configuration.hasCRF, readsScores {
      throw LossKitError.conflictingOptions(
        "the crf loss reads transition scores, and the model has no CRF output",
        fix: "add --crf (a bilstm with a CRF output per head), or choose another loss")
    }
  }

  /// A classifier continuing a trained model (its recipe's options, when it has them).
  ///
  /// - Throws: ``LossKitError/invalidSpec(_:)`` when the saved recipe does not decode.
  public init(resuming trained: TrainedModel, registry: Registry) throws {
    configuration =
      try trained.recipe.map {
        try $0.decode(LineClassifierConfiguration.self)
      } ?? LineClassifierConfiguration()
    self.registry = registry
    self.trained = trained
  }

  /// Trains a fresh model on loaded data.
  ///
  /// - Parameters:
  ///   - training: Labelled pages or tables to learn from.
  ///   - validation: Data for early stopping and calibration; by default
  ///     ``LineClassifierConfiguration/validationFraction`` of the training documents.
  ///   - test: Data to report on after training.
  /// - Throws: ``DataError`` for data that does not fit, and training errors.
  @discardableResult
  public func fit(
    training: LoadedData, validation: LoadedData? = nil, test: LoadedData? = nil,
    observer: (any TrainingObserver)? = ProgressPrinter()
  ) throws -> FitResult {
    let model = try build(for: training)
    trained = model
    return try train(model, training, validation, test, epochs: nil, observer: observer)
  }

  /// Trains a fresh model on annotated documents.
  ///
  /// - Throws: As ``fit(training:validation:test:observer:)``.
  @discardableResult
  public func fit(
    training: [AnnotatedDocument], validation: [AnnotatedDocument]? = nil,
    test: [AnnotatedDocument]? = nil, observer: (any TrainingObserver)? = ProgressPrinter()
  ) throws -> FitResult {
    try fit(
      training: .annotated(training), validation: validation.map { .annotated($0) },
      test: test.map { .annotated($0) }, observer: observer)
  }

  /// Continues training the model for more epochs (default: the recipe's), with its
  /// optimizer state, random streams and best-epoch tracking, exactly as if training had not
  /// stopped. A `loss` replaces the saved loss for the new epochs.
  ///
  /// - Throws: ``LossKitError/invalidSpec(_:)`` when there is no model to resume, and
  ///   training errors.
  @discardableResult
  public func resume(
    training: LoadedData, validation: LoadedData? = nil, test: LoadedData? = nil,
    epochs: Int? = nil, loss: LossConfiguration? = nil,
    observer: (any TrainingObserver)? = ProgressPrinter()
  ) throws -> FitResult {
    guard let trained else {
      throw LossKitError.invalidSpec("nothing to resume: fit a model or load a saved one first")
    }
    if let loss {
      trained.loss = try loss.makeLoss(registry: registry.losses, heads: try trained.lossHeads())
    }
    return try train(trained, training, validation, test, epochs: epochs, observer: observer)
  }

  private func train(
    _ model: TrainedModel, _ training: LoadedData, _ validation: LoadedData?,
    _ test: LoadedData?, epochs: Int?, observer: (any TrainingObserver)?
  ) throws -> FitResult {
    var trainingCorpus = try model.corpus(training)
    guard trainingCorpus.targets.contains(where: { $0.labels.contains { $0 >= 0 } }) else {
      throw DataError.empty(paths: trainingCorpus.documents.map(\.path))
    }
    var validationCorpus = try validation.map { try model.corpus($0) }
    if validationCorpus == nil {
      (trainingCorpus, validationCorpus) = trainingCorpus.holdingOut(
        configuration.validationFraction, seed: configuration.seed)
    }
    try model.fit(trainingCorpus, validation: validationCorpus, epochs: epochs, observer: observer)
    var result = FitResult(history: model.state.history)
    if let validationCorpus { result.validationReports = try model.evaluate(validationCorpus) }
    if let test { result.testReports = try model.evaluate(try model.corpus(test)) }
    return result
  }

  /// An untrained model of the configured kind for the data's heads and features.
  ///
  /// - Throws: ``DataError`` for views the data cannot give; ``LossKitError`` for model,
  ///   optimizer or loss options that do not apply.
  public func build(for data: LoadedData) throws -> TrainedModel {
    let heads = try configuration.effectiveHeads(for: data)
    let targets = try TargetDefinition.resolve(heads, from: data)
    var pipeline = try inputPipeline(for: data, heads: heads)
    var parameters = configuration.modelOptions
    parameters["input"] = try JSONValue(encoding: pipeline.inputShape)
    parameters["heads"] = try JSONValue(
      encoding: targets.map { HeadShape(name: $0.name, classes: $0.labels.count) })
    parameters["seed"] = .number(Double(configuration.seed))
    let model = try registry.models.make(named: configuration.model, parameters: parameters)
    if type(of: model).readsSequences {
      pipeline.windows = InputPipeline.Windowing(
        size: configuration.windowSize ?? 15, predictionStride: configuration.predictionStride)
    } else if configuration.windowSize != nil || configuration.predictionStride != nil {
      throw LossKitError.conflictingOptions(
        "windows apply to sequence models, and '\(configuration.model)' reads one row at a time",
        fix: "drop --window-size/--prediction-stride, or use --model bilstm")
    }
    try pipeline.validate()
    let optimizer = try registry.optimizers.make(
      named: configuration.optimizer, parameters: configuration.optimizerOptions)
    // The recipe records the loss the data chose, so --resume continues with it.
    var recipe = configuration
    recipe.loss = configuration.effectiveLoss(for: data)
    let trained = TrainedModel(
      model: model, loss: UnresolvedLoss(), optimizer: optimizer, targets: targets,
      pipeline: pipeline, trainer: configuration.trainer, recipe: try JSONValue(encoding: recipe))
    trained.loss = try recipe.loss.makeLoss(
      registry: registry.losses, heads: try trained.lossHeads())
    return trained
  }

  /// The pipeline for some data: text features for pages or a text column, the other CSV
  /// columns that are no head's label as numbers.
  func inputPipeline(for data: LoadedData, heads: [HeadSpecification]) throws -> InputPipeline {
    guard case .tables(let tables) = data, let first = tables.first else {
      return InputPipeline(featurizer: configuration.featurizer)
    }
    if let text = configuration.textColumn { _ = try first.column(text) }
    var labels = Set<String>()
    for head in heads {
      guard case .column(let column) = head.view else { continue }
      _ = try first.column(column)
      labels.insert(column)
    }
    let numeric = first.header.filter { !labels.contains($0) && $0 != configuration.textColumn }
    return InputPipeline(
      featurizer: configuration.textColumn == nil ? nil : configuration.featurizer,
      textColumn: configuration.textColumn, numericColumns: numeric)
  }
}
