import Foundation
import LossKitCore
import LossKitData
import LossKitNN

/// Classifies lines of text — the seed's `SkolClassifierV2` in Swift.
///
/// ```swift
/// var options = LineClassifierConfiguration()
/// options.loss = "0.5*focal+0.5*focal-f1"
/// options.focalLabels = ["Nomenclature", "Description"]
/// let classifier = try LineClassifier(options, registry: .standard)
/// let result = try classifier.fit(training: documents, test: heldOut)
/// result.testStatistics["Nomenclature_f1"]
/// ```
///
/// The seed's rule holds: focal labels and class weights together are an error, unless the
/// loss expression composes two losses explicitly.
public final class LineClassifier {
  /// The options.
  public let configuration: LineClassifierConfiguration
  /// The registry losses are built from.
  public let registry: LossRegistry
  /// The loss (prepared for the training data after ``fit(training:validation:test:observer:)``).
  public private(set) var loss: any Loss
  /// The trained model, once fitted.
  public private(set) var model: (any Model)?
  /// The optimizer, once fitted.
  public private(set) var optimizer: (any Optimizer)?
  /// The class names, once fitted.
  public private(set) var labelNames: [String] = []
  /// The training history, once fitted.
  public private(set) var history = TrainingHistory()
  /// Temperature scaling fitted on the validation data, once fitted.
  public private(set) var calibration: TemperatureScaling?
  /// The trainer's shuffling state after the last epoch (for resuming).
  public private(set) var trainerRandom: SeededGenerator?
  /// Epochs trained so far.
  public private(set) var epochsTrained = 0

  /// What ``fit(training:validation:test:observer:)`` returns.
  public struct FitResult: Sendable {
    /// The training history.
    public var history: TrainingHistory
    /// Statistics on the test documents, with the seed's keys (`Nomenclature_f1`, …).
    public var testStatistics: [String: Double]
    /// The full test report.
    public var testReport: ClassificationReport?
    /// The validation report, when there was validation data.
    public var validationReport: ClassificationReport?
  }

  /// Validates the options and builds the loss.
  ///
  /// - Throws: ``LossKitError/conflictingOptions(_:fix:)`` for focal labels with class
  ///   weights in one loss, and any error building the loss.
  public init(_ configuration: LineClassifierConfiguration, registry: LossRegistry) throws {
    self.configuration = configuration
    self.registry = registry
    self.loss = try configuration.lossConfiguration.makeLoss(registry: registry)
  }

  /// Restores a trained classifier (used when loading a saved model).
  public init(
    _ configuration: LineClassifierConfiguration, registry: LossRegistry, loss: any Loss,
    model: any Model, optimizer: (any Optimizer)?, labelNames: [String],
    history: TrainingHistory, calibration: TemperatureScaling?,
    trainerRandom: SeededGenerator?, epochsTrained: Int
  ) {
    self.configuration = configuration
    self.registry = registry
    self.loss = loss
    self.model = model
    self.optimizer = optimizer
    self.labelNames = labelNames
    self.history = history
    self.calibration = calibration
    self.trainerRandom = trainerRandom
    self.epochsTrained = epochsTrained
  }

  /// How rows form model inputs for this configuration.
  public var batching: Batching {
    Batching(windowSize: configuration.modelKind == .bilstm ? configuration.windowSize : nil)
  }

  /// Builds the corpus for documents with this classifier's labels and features.
  public func corpus(_ documents: [AnnotatedDocument]) throws -> LabeledCorpus {
    try LabeledCorpus(
      documents: documents, featurizer: configuration.featurizer,
      labelNames: labelNames.isEmpty ? configuration.collapsing.labelNames : labelNames)
  }

  /// Trains a fresh model.
  ///
  /// - Parameters:
  ///   - training: Labelled documents to learn from.
  ///   - validation: Documents for early stopping and calibration; by default
  ///     ``LineClassifierConfiguration/validationFraction`` of the training documents.
  ///   - test: Documents to report on after training.
  /// - Throws: ``DataError/empty(paths:)`` for no labelled lines, and training errors.
  public func fit(
    training: [AnnotatedDocument], validation: [AnnotatedDocument]? = nil,
    test: [AnnotatedDocument]? = nil, observer: (any TrainingObserver)? = ProgressPrinter()
  ) throws -> FitResult {
    try fit(
      training: .annotated(training), validation: validation.map { .annotated($0) },
      test: test.map { .annotated($0) }, observer: observer)
  }

  /// Trains a fresh model on loaded data (annotated text or tables).
  ///
  /// - Throws: ``DataError/empty(paths:)`` for no labelled rows, and training errors.
  public func fit(
    training: LoadedData, validation: LoadedData? = nil, test: LoadedData? = nil,
    observer: (any TrainingObserver)? = ProgressPrinter()
  ) throws -> FitResult {
    labelNames = []
    var trainingCorpus = try corpus(training)
    labelNames = trainingCorpus.labelNames
    var validationCorpus = try validation.map { try corpus($0) }
    if validationCorpus == nil, configuration.validationFraction > 0 {
      (trainingCorpus, validationCorpus) = holdOut(trainingCorpus)
    }
    return try fit(
      corpus: trainingCorpus, validation: validationCorpus, test: try test.map { try corpus($0) },
      observer: observer)
  }

  /// Splits off ``LineClassifierConfiguration/validationFraction`` of the documents (chosen
  /// with the seed) for validation; a single document leaves nothing to hold out.
  func holdOut(_ corpus: LabeledCorpus) -> (LabeledCorpus, LabeledCorpus?) {
    var random = SeededGenerator(seed: configuration.seed ^ 0x5EED)
    guard corpus.documents.count > 1 else { return (corpus, nil) }
    let order = Array(corpus.documents.indices).shuffled(using: &random)
    let held = max(1, Int((Double(order.count) * configuration.validationFraction).rounded()))
    return (
      corpus.subset(documents: Array(order.dropFirst(held)).sorted()),
      corpus.subset(documents: Array(order.prefix(held)).sorted())
    )
  }

  /// Trains a fresh model on prepared corpora.
  ///
  /// - Throws: Training errors.
  public func fit(
    corpus training: LabeledCorpus, validation: LabeledCorpus?, test: LabeledCorpus?,
    observer: (any TrainingObserver)? = ProgressPrinter()
  ) throws -> FitResult {
    labelNames = training.labelNames
    model = try makeModel(for: training)
    optimizer = try Adam(Adam.Configuration(learningRate: configuration.learningRate))
    history = TrainingHistory()
    epochsTrained = 0
    trainerRandom = nil
    return try train(
      training, validation: validation, test: test, epochs: configuration.epochs,
      observer: observer)
  }

  /// Continues training the loaded or fitted model for more epochs, with its optimizer state
  /// and random states, exactly as if training had not stopped.
  ///
  /// - Throws: ``LossKitError/invalidSpec(_:)`` when there is no model or optimizer yet (a
  ///   model saved without its optimizer cannot resume), and training errors.
  public func resume(
    training: LoadedData, validation: LoadedData? = nil, test: LoadedData? = nil, epochs: Int,
    observer: (any TrainingObserver)? = ProgressPrinter()
  ) throws -> FitResult {
    guard model != nil, optimizer != nil else {
      throw LossKitError.invalidSpec(
        "nothing to resume: the classifier has no model and optimizer state; call fit() first")
    }
    var trainingCorpus = try corpus(training)
    var validationCorpus = try validation.map { try corpus($0) }
    if validationCorpus == nil, configuration.validationFraction > 0 {
      (trainingCorpus, validationCorpus) = holdOut(trainingCorpus)
    }
    return try train(
      trainingCorpus, validation: validationCorpus, test: try test.map { try corpus($0) },
      epochs: epochs, observer: observer)
  }

  private func train(
    _ training: LabeledCorpus, validation: LabeledCorpus?, test: LabeledCorpus?, epochs: Int,
    observer: (any TrainingObserver)?
  ) throws -> FitResult {
    guard let model, let optimizer else {
      throw LossKitError.invalidSpec("the classifier has no model to train")
    }
    var trainerConfiguration = Trainer.Configuration(
      epochs: epochs, batchSize: configuration.effectiveBatchSize,
      seed: configuration.seed, monitor: configuration.monitor, patience: configuration.patience)
    trainerConfiguration.restoreBestWeights = validation != nil
    let trainer = try Trainer(
      model: model, loss: loss, optimizer: optimizer, configuration: trainerConfiguration,
      batching: batching, predictionStride: configuration.effectivePredictionStride,
      observer: observer, random: trainerRandom)
    for summary in Self.weightSummaries(try loss.prepared(for: training.lossContext), context: training.lossContext) {
      observer?.note(summary)
    }
    let run = try trainer.fit(training, validation: validation, firstEpoch: epochsTrained + 1)
    history.epochs += run.epochs
    history.bestEpoch = run.bestEpoch
    history.stoppedEarly = run.stoppedEarly
    epochsTrained += run.epochs.count
    trainerRandom = trainer.random
    self.loss = trainer.loss
    var result = FitResult(history: history, testStatistics: [:])
    if let validation {
      let probabilities = try predictProbabilities(validation, calibrated: false)
      calibration = TemperatureScaling.fit(
        probabilities: probabilities.scalars, labels: validation.labels, classes: labelNames.count)
      result.validationReport = ClassificationReport(
        probabilities: probabilities.scalars, labels: validation.labels, labelNames: labelNames)
    }
    if let test {
      let report = try evaluate(test)
      result.testReport = report
      result.testStatistics = report.dictionary
    }
    return result
  }

  /// The class-weight tables of every weighted term of a loss.
  static func weightSummaries(_ loss: any Loss, context: LossContext) -> [String] {
    if let composite = loss as? CompositeLoss {
      return composite.terms.flatMap { weightSummaries($0.loss, context: context) }
    }
    return (loss as? any ClassWeightReporting)?.classWeightSummary(for: context).map { [$0] } ?? []
  }

  /// Builds an untrained model of the configured kind for a corpus's shape.
  func makeModel(for corpus: LabeledCorpus) throws -> any Model {
    let shape = ModelShape(
      buckets: corpus.features.sparse.width, denseWidth: corpus.features.dense.lastDimension,
      classes: corpus.labelNames.count)
    switch configuration.modelKind {
    case .logistic:
      return LogisticRegression(.init(shape: shape, seed: configuration.seed))
    case .mlp:
      return MultilayerPerceptron(
        .init(shape: shape, hiddenSize: configuration.hiddenSize, dropout: configuration.dropout,
              seed: configuration.seed))
    case .bilstm:
      return try BiLSTMTagger(
        .init(
          shape: shape, embeddingSize: configuration.embeddingSize,
          hiddenSize: configuration.hiddenSize, numLayers: configuration.numLayers,
          dropout: configuration.dropout, windowSize: configuration.windowSize,
          predictionStride: configuration.effectivePredictionStride, seed: configuration.seed))
    }
  }

  /// Class probabilities `[lines, classes]` for a corpus.
  ///
  /// - Throws: ``LossKitError/invalidSpec(_:)`` before fitting, or model errors.
  public func predictProbabilities(_ corpus: LabeledCorpus, calibrated: Bool = false) throws -> Tensor {
    guard let model else {
      throw LossKitError.invalidSpec("the classifier has no model yet; call fit() or load a saved model")
    }
    var probabilities = try Prediction.probabilities(
      of: model, on: corpus, batching: batching, stride: configuration.effectivePredictionStride,
      batchSize: 64)
    if calibrated, let calibration {
      probabilities = try Tensor(
        shape: probabilities.shape,
        scalars: calibration.apply(probabilities.scalars, classes: labelNames.count))
    }
    return probabilities
  }

  /// The classification report on labelled documents.
  ///
  /// - Throws: As ``predictProbabilities(_:calibrated:)``.
  public func evaluate(_ corpus: LabeledCorpus) throws -> ClassificationReport {
    let probabilities = try predictProbabilities(corpus, calibrated: true)
    return ClassificationReport(
      probabilities: probabilities.scalars, labels: corpus.labels, labelNames: labelNames)
  }

  /// The classification report on labelled documents.
  ///
  /// - Throws: As ``predictProbabilities(_:calibrated:)``.
  public func evaluate(_ documents: [AnnotatedDocument]) throws -> ClassificationReport {
    try evaluate(try corpus(documents))
  }
}
