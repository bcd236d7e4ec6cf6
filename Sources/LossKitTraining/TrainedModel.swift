import LossKitCore
import LossKitData
import LossKitNN

/// A model with everything needed to predict with it, train it further, and save it: its
/// loss, optimizer, named target sets, input pipeline, training state, calibration and
/// metrics. This is what a saved model holds.
///
/// ```swift
/// let trained = TrainedModel(
///   model: tagger, loss: 0.7 * focal + 0.3 * supcon, optimizer: try Adam(.init()),
///   targets: targets, pipeline: InputPipeline(featurizer: LineFeaturizer()))
/// try trained.fit(corpus, validation: heldOut)
/// try store.save(trained, named: "tagger")
/// ```
public final class TrainedModel {
  /// The model.
  public let model: any Model
  /// The loss (an ``UnresolvedLoss`` when loaded for inference with an unknown loss).
  public var loss: any Loss
  /// The optimizer with its state (`nil` when loaded for inference).
  public var optimizer: (any Optimizer)?
  /// The target sets, one per head, with their class names.
  public var targets: [TargetDefinition]
  /// How raw data becomes model input.
  public var pipeline: InputPipeline
  /// How the model is trained (epochs per fit, batch size, monitor, …).
  public var trainer: Trainer.Configuration
  /// Where training stands.
  public var state: TrainingState
  /// Temperature scaling per target set, fitted on validation data.
  public var calibration: [String: TemperatureScaling]
  /// Final metrics by split (`test`, `validation`), with the seed's keys.
  public var metrics: [String: [String: Double]]
  /// Whether the saved model this was loaded from carried the libraries of its native and
  /// foreign losses (`--bundle-plugins`), so saving it again keeps them.
  public var bundlesLibraries = false
  /// The options of the recipe that built the model (a ``LineClassifierConfiguration``), for
  /// `losskit train --resume`.
  public var recipe: JSONValue?

  /// A model ready to train.
  public init(
    model: any Model, loss: any Loss, optimizer: (any Optimizer)?, targets: [TargetDefinition],
    pipeline: InputPipeline, trainer: Trainer.Configuration = Trainer.Configuration(),
    state: TrainingState = TrainingState(), calibration: [String: TemperatureScaling] = [:],
    metrics: [String: [String: Double]] = [:], recipe: JSONValue? = nil
  ) {
    self.model = model
    self.loss = loss
    self.optimizer = optimizer
    self.targets = targets
    self.pipeline = pipeline
    self.trainer = trainer
    self.state = state
    self.calibration = calibration
    self.metrics = metrics
    self.recipe = recipe
  }

  /// How rows form model inputs.
  public var batching: Batching { Batching(windows: pipeline.windows) }

  /// The heads to predict: each target set's logits output and classes, and its CRF outputs
  /// when the model has them.
  ///
  /// - Throws: ``LossKitError/missingOutput(loss:name:available:)`` for a target set the
  ///   model has no logits for.
  public func predictionHeads() throws -> [Prediction.Head] {
    try Prediction.heads(of: model, targets: targets.map { ($0.name, $0.labels.count) })
  }

  /// The heads a ``LossConfiguration`` places its terms on: a term on a head reads that head's
  /// logits, and its CRF scores when it has them.
  ///
  /// - Throws: As ``predictionHeads()``.
  public func lossHeads() throws -> [LossConfiguration.Head] {
    try predictionHeads().map { head in
      var outputs: [String: String] = [:]
      if let crf = head.crf {
        for (standard, own) in zip(CRFOutputNames.standard.scores, crf.scores) {
          outputs[standard] = own
        }
      }
      return LossConfiguration.Head(target: head.target, output: head.output, outputs: outputs)
    }
  }

  /// The corpus of loaded data with this model's pipeline and target sets; `labelled: false`
  /// reads no labels (data to predict).
  ///
  /// - Throws: ``DataError`` for data that does not fit the pipeline.
  public func corpus(_ data: LoadedData, labelled: Bool = true) throws -> LabeledCorpus {
    try LabeledCorpus(data, pipeline: pipeline, targets: labelled ? targets : [])
  }

  /// Trains ``Trainer/Configuration/epochs`` (or `epochs`) more epochs, continuing from
  /// ``state``, then fits the calibration on the validation data.
  ///
  /// - Throws: ``LossKitError/invalidSpec(_:)`` when the model has no optimizer (it was loaded
  ///   for inference), and training errors.
  @discardableResult
  public func fit(
    _ training: LabeledCorpus, validation: LabeledCorpus? = nil, epochs: Int? = nil,
    observer: (any TrainingObserver)? = ProgressPrinter()
  ) throws -> TrainingHistory {
    guard let optimizer else {
      throw LossKitError.invalidSpec(
        "this model has no optimizer state (it was loaded for inference or exported); load it "
          + "for training to continue")
    }
    var configuration = trainer
    if let epochs { configuration.epochs = epochs }
    configuration.restoreBestWeights = configuration.restoreBestWeights && validation != nil
    let run = try Trainer(
      model: model, loss: loss, optimizer: optimizer, configuration: configuration,
      batching: batching, observer: observer, state: state)
    let history = try run.fit(training, validation: validation)
    state = run.state
    loss = run.loss
    if let validation {
      let probabilities = try self.probabilities(validation, calibrated: false)
      for target in validation.targets {
        guard let scores = probabilities[target.name] else { continue }
        calibration[target.name] = TemperatureScaling.fit(
          probabilities: scores.scalars, labels: target.labels, classes: target.labelNames.count)
      }
    }
    return history
  }

  /// Class probabilities `[rows, classes]` for each target set, calibrated by default.
  ///
  /// - Throws: Model errors.
  public func probabilities(_ corpus: LabeledCorpus, calibrated: Bool = true) throws
    -> [String: Tensor]
  {
    try scores(corpus, calibrated: calibrated).mapValues(\.probabilities)
  }

  /// Every head's predictions (probabilities, calibrated by default, and for CRF heads the
  /// decoded paths) for each target set.
  ///
  /// - Throws: Model errors.
  public func scores(_ corpus: LabeledCorpus, calibrated: Bool = true) throws
    -> [String: Prediction.Scores]
  {
    var scores = try Prediction.scores(
      of: model, on: corpus, heads: try predictionHeads(), batching: batching,
      batchSize: trainer.predictionBatchSize)
    guard calibrated else { return scores }
    for target in targets {
      guard let scaling = calibration[target.name], let head = scores[target.name] else {
        continue
      }
      scores[target.name]?.probabilities = try Tensor(
        shape: head.probabilities.shape,
        scalars: scaling.apply(head.probabilities.scalars, classes: target.labels.count))
    }
    return scores
  }

  /// The classification report of every target set on labelled data (a CRF head's
  /// predicted classes are its Viterbi paths).
  ///
  /// - Throws: As ``probabilities(_:calibrated:)``.
  public func evaluate(_ corpus: LabeledCorpus) throws -> [String: ClassificationReport] {
    let scores = try self.scores(corpus)
    var reports: [String: ClassificationReport] = [:]
    for target in corpus.targets {
      guard let head = scores[target.name] else { continue }
      reports[target.name] = ClassificationReport(
        probabilities: head.probabilities.scalars, predicted: head.decoded,
        labels: target.labels, labelNames: target.labelNames)
    }
    return reports
  }
}
