import Dispatch
import Foundation
import LossKitCore
import LossKitNN

/// Trains any model with any loss and optimizer on a corpus with named target sets:
/// shuffled mini-batches with a seed, gradient clipping, validation after each epoch (per
/// target set), early stopping on any validation metric, and the best epoch's weights at the
/// end.
///
/// Each loss term reads the outputs and target sets it names; ``TrainingState`` carries
/// everything a later ``fit(_:validation:)`` needs to continue exactly.
public final class Trainer {
  /// How to train.
  public struct Configuration: Sendable, Codable, Equatable {
    /// Passes over the training data per ``fit(_:validation:)`` (default 10; early stopping
    /// usually ends training sooner).
    public var epochs: Int = 10
    /// Units per batch: windows for sequence models, rows otherwise (default 32 windows or
    /// 256 rows).
    public var batchSize: Int?
    /// The shuffling seed.
    public var seed: UInt64 = 0
    /// Clip the global gradient norm to this (default 5; `nil` disables).
    public var gradientClipNorm: Double? = 5
    /// The validation metric early stopping watches (default `val_macro_f1`; a `loss` metric
    /// is minimised, others maximised).
    public var monitor: String = "val_macro_f1"
    /// Epochs without improvement before stopping (`nil` never stops early).
    public var patience: Int? = 3
    /// Whether to end with the weights of the best epoch.
    public var restoreBestWeights = true
    /// Units per prediction batch during validation (default 64).
    public var predictionBatchSize = 64

    /// Creates a configuration.
    public init(
      epochs: Int = 10, batchSize: Int? = nil, seed: UInt64 = 0, gradientClipNorm: Double? = 5,
      monitor: String = "val_macro_f1", patience: Int? = 3, restoreBestWeights: Bool = true
    ) {
      self.epochs = epochs
      self.batchSize = batchSize
      self.seed = seed
      self.gradientClipNorm = gradientClipNorm
      self.monitor = monitor
      self.patience = patience
      self.restoreBestWeights = restoreBestWeights
    }

    /// The batch size for a batching rule: the one set, else 32 windows or 256 rows.
    public func effectiveBatchSize(for batching: Batching) -> Int {
      batchSize ?? (batching.windows == nil ? 256 : 32)
    }

    /// Checks the values.
    ///
    /// - Throws: ``LossKitError/invalidParameter(loss:name:reason:)`` naming the field.
    public func validate() throws {
      for (name, value, maximum) in [
        ("epochs", epochs, 100_000), ("batchSize", batchSize ?? 1, 1 << 20),
        ("predictionBatchSize", predictionBatchSize, 1 << 20),
      ] where !(1...maximum).contains(value) {
        throw LossKitError.invalidParameter(
          loss: "trainer", name: name, reason: "\(value) is not in 1…\(maximum)")
      }
      if let patience, patience < 1 {
        throw LossKitError.invalidParameter(
          loss: "trainer", name: "patience", reason: "\(patience) is below 1; use nil to disable")
      }
      if let norm = gradientClipNorm, !(norm > 0 && norm.isFinite) {
        throw LossKitError.invalidParameter(
          loss: "trainer", name: "gradientClipNorm", reason: "\(norm) is not > 0")
      }
    }
  }

  /// The model being trained.
  public let model: any Model
  /// The loss (prepared for the training data by ``fit(_:validation:)``).
  public private(set) var loss: any Loss
  /// The optimizer.
  public let optimizer: any Optimizer
  /// The configuration.
  public let configuration: Configuration
  /// How rows form model inputs.
  public let batching: Batching
  /// Progress output.
  public let observer: (any TrainingObserver)?
  /// Where training stands; ``fit(_:validation:)`` continues from it and updates it.
  public private(set) var state: TrainingState

  /// Creates a trainer.
  ///
  /// - Throws: ``LossKitError/invalidParameter(loss:name:reason:)`` for a bad configuration,
  ///   or ``LossKitError/missingOutput(loss:name:available:)`` when the loss reads an output
  ///   the model does not produce.
  public init(
    model: any Model, loss: any Loss, optimizer: any Optimizer, configuration: Configuration,
    batching: Batching, observer: (any TrainingObserver)? = ProgressPrinter(),
    state: TrainingState = TrainingState()
  ) throws {
    try configuration.validate()
    let produced = Set(model.outputNames)
    if let missing = loss.outputNames.sorted().first(where: { !produced.contains($0) }) {
      if CRFOutputNames.standard.scores.contains(where: { missing.hasPrefix($0) }) {
        throw LossKitError.conflictingOptions(
          "\(Self.describe(loss)) reads CRF scores from the model output '\(missing)', but the "
            + "model has no CRF output (it produced [\(model.outputNames.joined(separator: ", "))])",
          fix: "train a sequence model with a CRF output (`--crf`; `crf: true` in a bilstm "
            + "configuration)")
      }
      throw LossKitError.missingOutput(
        loss: Self.describe(loss), name: missing, available: model.outputNames)
    }
    self.model = model
    self.loss = loss
    self.optimizer = optimizer
    self.configuration = configuration
    self.batching = batching
    self.observer = observer
    self.state = state
  }

  /// The loss as an expression, for messages.
  static func describe(_ loss: any Loss) -> String {
    (loss as? CompositeLoss)?.description ?? loss.label
  }

  /// Trains on `training` for ``Configuration/epochs`` more epochs, validating on
  /// `validation` after each epoch when given.
  ///
  /// - Throws: ``LossKitError`` from the loss (label problems, a non-finite loss), for a
  ///   target set a loss reads that the data lacks, or from the model.
  @discardableResult
  public func fit(_ training: LabeledCorpus, validation: LabeledCorpus? = nil) throws
    -> TrainingHistory
  {
    let contexts = training.lossContexts
    loss = try loss.prepared(forTargets: contexts)
    for table in Self.weightSummaries(loss, contexts: contexts) { observer?.note(table) }
    let heads = try predictionHeads(for: validation ?? training)
    if let last = state.lastWeights {
      try assign(last)
      state.lastWeights = nil
    }
    var random = state.random ?? SeededGenerator(seed: configuration.seed)
    let firstEpoch = state.epochsTrained + 1
    let lastEpoch = state.epochsTrained + configuration.epochs
    var run = TrainingHistory()
    var gradients = GradientBuffers()
    let minimize = configuration.monitor.hasSuffix("loss")
    for epoch in firstEpoch...lastEpoch {
      let started = DispatchTime.now().uptimeNanoseconds
      let units = batching.trainingUnits(training, random: &random)
      let size = configuration.effectiveBatchSize(for: batching)
      let batches = (units.count + size - 1) / size
      observer?.epochStarted(epoch, of: lastEpoch, batches: batches)
      var totalLoss = 0.0
      var partTotals: [String: Double] = [:]
      var tallies = [AccuracyTally](repeating: AccuracyTally(), count: heads.count)
      for index in 0..<batches {
        let slice = units[(index * size)..<min(units.count, (index + 1) * size)]
        let (batch, targets, _) = batching.batch(slice, corpus: training)
        let outputs = try model.forward(batch, training: true)
        gradients.reset()
        let value = try loss.evaluate(outputs, targets, scale: 1, gradients: &gradients)
        guard value.value.isFinite else {
          throw LossKitError.nonFiniteInput(
            loss: Self.describe(loss), input: "loss value at epoch \(epoch), batch \(index + 1)",
            index: 0)
        }
        model.zeroGradients()
        try model.backward(gradients.written)
        if let maxNorm = configuration.gradientClipNorm {
          GradientClipping.clip(model.parameters, maxNorm: maxNorm)
        }
        optimizer.step(model.parameters)
        totalLoss += value.value
        for part in value.parts { partTotals[part.name, default: 0] += part.value }
        for (position, head) in heads.enumerated() {
          tallies[position].add(outputs[head.output], targets[head.target])
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        observer?.batchFinished(
          index + 1, of: batches, seconds: seconds, loss: totalLoss / Double(index + 1),
          parts: partTotals.mapValues { $0 / Double(index + 1) })
      }
      let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
      var metrics: [String: Double] = [:]
      for (head, tally) in zip(heads, tallies) where tally.counted > 0 {
        metrics[heads.count == 1 ? "accuracy" : "\(head.target)_accuracy"] = tally.accuracy
      }
      if let validation {
        metrics.merge(try validationMetrics(validation, heads: heads)) { $1 }
      }
      let record = TrainingHistory.Epoch(
        epoch: epoch, loss: totalLoss / Double(max(batches, 1)),
        parts: partTotals.mapValues { $0 / Double(max(batches, 1)) }, metrics: metrics,
        seconds: seconds, rowsPerSecond: Double(training.rowCount) / max(seconds, 1e-9))
      run.epochs.append(record)
      state.history.epochs.append(record)
      state.epochsTrained = epoch
      observer?.epochFinished(record, batches: batches)
      guard let current = metrics[configuration.monitor] else { continue }
      if let best = state.best, best.monitor == configuration.monitor,
        !(minimize ? current < best.value : current > best.value)
      {
        if let patience = configuration.patience, epoch - best.epoch >= patience {
          let reason =
            "\(configuration.monitor) did not improve for \(patience) epochs after epoch "
            + "\(best.epoch)"
          run.stoppedEarly = reason
          state.history.stoppedEarly = reason
          observer?.note("Early stopping: \(reason)")
          break
        }
      } else {
        state.best = .init(epoch: epoch, value: current, monitor: configuration.monitor)
        state.bestWeights = configuration.restoreBestWeights ? weights() : nil
      }
    }
    state.random = random
    state.lossHistory.append(
      .init(firstEpoch: firstEpoch, lastEpoch: state.epochsTrained, loss: try LossSpec(loss)))
    if let best = state.best {
      run.bestEpoch = best.epoch
      state.history.bestEpoch = best.epoch
      if configuration.restoreBestWeights, best.epoch != state.epochsTrained,
        let bestWeights = state.bestWeights
      {
        state.lastWeights = weights()
        try assign(bestWeights)
        observer?.note(
          "Restored the weights of epoch \(best.epoch) (\(configuration.monitor) "
            + String(format: "%.4f", best.value) + ")")
      }
    }
    return run
  }

  /// The class-weight tables of every weighted term of a loss, each with its target set's
  /// counts.
  static func weightSummaries(_ loss: any Loss, contexts: [String: LossContext]) -> [String] {
    if let composite = loss as? CompositeLoss {
      return composite.terms.flatMap { weightSummaries($0.loss, contexts: contexts) }
    }
    guard let reporting = loss as? any ClassWeightReporting, let target = loss.targetNames.first,
      let context = contexts[target], let table = reporting.classWeightSummary(for: context)
    else { return [] }
    return contexts.count > 1 ? ["\(target): " + table] : [table]
  }

  /// The model's parameters by name.
  func weights() -> [String: Tensor] {
    Dictionary(model.parameters.map { ($0.name, $0.value) }) { first, _ in first }
  }

  /// Sets the model's parameters from values by name.
  func assign(_ values: [String: Tensor]) throws {
    for parameter in model.parameters {
      guard let value = values[parameter.name] else {
        throw LossKitError.invalidSpec(
          "saved training state has no value for parameter '\(parameter.name)'")
      }
      try parameter.load(value)
    }
  }

  /// The heads the corpus's target sets are predicted by.
  func predictionHeads(for corpus: LabeledCorpus) throws -> [Prediction.Head] {
    try Prediction.heads(of: model, targets: corpus.targets.map { ($0.name, $0.labelNames.count) })
  }

  /// Validation loss and classification statistics, keys prefixed with `val_` (and the
  /// target's name when there are several).
  func validationMetrics(_ corpus: LabeledCorpus, heads: [Prediction.Head]) throws
    -> [String: Double]
  {
    let scores = try Prediction.scores(
      of: model, on: corpus, heads: heads, batching: batching,
      batchSize: configuration.predictionBatchSize)
    return Self.metrics(scores, corpus: corpus)
  }

  /// Validation metrics from predictions: `val_<key>` for one target set;
  /// `val_<target>_<key>` for several, plus their mean `val_macro_f1` and `val_loss`.
  static func metrics(_ predictions: [String: Prediction.Scores], corpus: LabeledCorpus)
    -> [String: Double]
  {
    var metrics: [String: Double] = [:]
    let single = corpus.targets.count == 1
    var macro = 0.0
    var loss = 0.0
    for target in corpus.targets {
      guard let head = predictions[target.name] else { continue }
      let scores = head.probabilities.scalars
      let report = ClassificationReport(
        probabilities: scores, predicted: head.decoded, labels: target.labels,
        labelNames: target.labelNames)
      let prefix = single ? "val_" : "val_\(target.name)_"
      for (key, value) in report.dictionary where !key.hasSuffix("_support") {
        metrics[prefix + key] = value
      }
      let nll = ClassificationReport.negativeLogLikelihood(
        scores, labels: target.labels, classes: target.labelNames.count)
      metrics[prefix + "loss"] = nll
      macro += report.macroF1
      loss += nll
    }
    if !single, !corpus.targets.isEmpty {
      metrics["val_macro_f1"] = macro / Double(corpus.targets.count)
      metrics["val_loss"] = loss / Double(corpus.targets.count)
    }
    return metrics
  }
}

/// Training accuracy of one head over an epoch.
struct AccuracyTally {
  var correct = 0
  var counted = 0

  var accuracy: Double { Double(correct) / Double(max(counted, 1)) }

  mutating func add(_ logits: Tensor?, _ targets: Targets?) {
    guard let logits, let labels = targets?.classIndices else { return }
    let classes = logits.lastDimension
    guard classes > 0, logits.count == labels.count * classes else { return }
    logits.withUnsafeBufferPointer { z in
      for (row, label) in labels.enumerated() where label >= 0 {
        let line = z.baseAddress! + row * classes
        var best = 0
        for c in 1..<classes where line[c] > line[best] { best = c }
        if best == Int(label) { correct += 1 }
        counted += 1
      }
    }
  }
}
