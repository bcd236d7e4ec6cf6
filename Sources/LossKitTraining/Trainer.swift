import Dispatch
import Foundation
import LossKitCore
import LossKitNN

/// Trains a model with a loss and an optimizer: shuffled mini-batches with a seed, gradient
/// clipping, validation after each epoch, early stopping on a chosen metric and restoring
/// the best weights.
public final class Trainer {
  /// How to train.
  public struct Configuration: Sendable, Codable, Equatable {
    /// Passes over the training data (default 6, the seed's).
    public var epochs: Int = 6
    /// Units per batch: windows for sequence models, rows otherwise (default 32).
    public var batchSize: Int = 32
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
      epochs: Int = 6, batchSize: Int = 32, seed: UInt64 = 0, gradientClipNorm: Double? = 5,
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
  /// The prediction stride for sequence models.
  public let predictionStride: Int
  /// Progress output.
  public let observer: (any TrainingObserver)?
  /// The shuffling state; saved with the model so training resumes exactly.
  public var random: SeededGenerator

  /// Creates a trainer.
  ///
  /// - Throws: ``LossKitError/invalidParameter(loss:name:reason:)`` for epochs or batch size
  ///   below 1.
  public init(
    model: any Model, loss: any Loss, optimizer: any Optimizer, configuration: Configuration,
    batching: Batching, predictionStride: Int = 1,
    observer: (any TrainingObserver)? = ProgressPrinter(), random: SeededGenerator? = nil
  ) throws {
    guard configuration.epochs >= 1, configuration.batchSize >= 1 else {
      throw LossKitError.invalidParameter(
        loss: "trainer", name: "epochs/batchSize", reason: "both must be at least 1")
    }
    self.model = model
    self.loss = loss
    self.optimizer = optimizer
    self.configuration = configuration
    self.batching = batching
    self.predictionStride = predictionStride
    self.observer = observer
    self.random = random ?? SeededGenerator(seed: configuration.seed)
  }

  /// Trains on `training` for ``Configuration/epochs`` epochs, validating on `validation`
  /// after each epoch when given.
  ///
  /// - Parameter firstEpoch: The number of the first epoch (greater than 1 when resuming).
  /// - Throws: ``LossKitError`` from the loss (label problems, a non-finite loss) or the model.
  @discardableResult
  public func fit(
    _ training: LabeledCorpus, validation: LabeledCorpus? = nil, firstEpoch: Int = 1
  ) throws -> TrainingHistory {
    loss = try loss.prepared(for: training.lossContext)
    var history = TrainingHistory()
    var best: (value: Double, epoch: Int, weights: [Tensor])?
    var gradients = GradientBuffers()
    let minimize = configuration.monitor.hasSuffix("loss")
    let lastEpoch = firstEpoch + configuration.epochs - 1
    for epoch in firstEpoch...lastEpoch {
      let started = DispatchTime.now().uptimeNanoseconds
      let units = batching.trainingUnits(training, random: &random)
      let batches = (units.count + configuration.batchSize - 1) / configuration.batchSize
      observer?.epochStarted(epoch, of: lastEpoch, batches: batches)
      var totalLoss = 0.0
      var partTotals: [String: Double] = [:]
      var correct = 0
      var counted = 0
      for index in 0..<batches {
        let slice = units[(index * configuration.batchSize)..<min(units.count, (index + 1) * configuration.batchSize)]
        let (batch, targets, _) = batching.batch(slice, corpus: training)
        let outputs = try model.forward(batch, training: true)
        gradients.reset()
        let value = try loss.evaluate(
          outputs, lossTargets(targets), scale: 1, gradients: &gradients)
        guard value.value.isFinite else {
          throw LossKitError.nonFiniteInput(loss: "training", input: "loss value at epoch \(epoch), batch \(index + 1)", index: 0)
        }
        model.zeroGradients()
        try model.backward(gradients.written)
        if let maxNorm = configuration.gradientClipNorm {
          GradientClipping.clip(model.parameters, maxNorm: maxNorm)
        }
        optimizer.step(model.parameters)
        totalLoss += value.value
        for part in value.parts { partTotals[part.name, default: 0] += part.value }
        (correct, counted) = Self.tally(outputs["logits"], targets, correct, counted)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        observer?.batchFinished(
          index + 1, of: batches, seconds: seconds, loss: totalLoss / Double(index + 1),
          parts: partTotals.mapValues { $0 / Double(index + 1) })
      }
      let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
      var metrics: [String: Double] = counted > 0 ? ["accuracy": Double(correct) / Double(counted)] : [:]
      if let validation {
        metrics.merge(try validationMetrics(validation)) { $1 }
      }
      let record = TrainingHistory.Epoch(
        epoch: epoch, loss: totalLoss / Double(max(batches, 1)),
        parts: partTotals.mapValues { $0 / Double(max(batches, 1)) }, metrics: metrics,
        seconds: seconds, rowsPerSecond: Double(training.rowCount) / max(seconds, 1e-9))
      history.epochs.append(record)
      observer?.epochFinished(record, batches: batches)
      guard let current = metrics[configuration.monitor] else { continue }
      if best == nil || (minimize ? current < best!.value : current > best!.value) {
        best = (current, epoch, configuration.restoreBestWeights ? model.parameters.map(\.value) : [])
      } else if let patience = configuration.patience, epoch - best!.epoch >= patience {
        history.stoppedEarly =
          "\(configuration.monitor) did not improve for \(patience) epochs after epoch \(best!.epoch)"
        observer?.note("Early stopping: \(history.stoppedEarly!)")
        break
      }
    }
    if let best {
      history.bestEpoch = best.epoch
      if configuration.restoreBestWeights, best.epoch != history.epochs.last?.epoch {
        for (parameter, value) in zip(model.parameters, best.weights) { parameter.value = value }
        observer?.note(
          "Restored the weights of epoch \(best.epoch) (\(configuration.monitor) "
            + String(format: "%.4f", best.value) + ")")
      }
    }
    return history
  }

  /// Targets under every name the loss reads (one target set serves all outputs).
  private func lossTargets(_ targets: Targets) -> [String: Targets] {
    Dictionary(uniqueKeysWithValues: loss.targetNames.map { ($0, targets) })
  }

  /// Validation loss and classification statistics, keys prefixed with `val_`.
  func validationMetrics(_ corpus: LabeledCorpus) throws -> [String: Double] {
    let probabilities = try Prediction.probabilities(
      of: model, on: corpus, batching: batching, stride: predictionStride,
      batchSize: configuration.predictionBatchSize)
    let report = ClassificationReport(
      probabilities: probabilities.scalars, labels: corpus.labels, labelNames: corpus.labelNames)
    var metrics = Dictionary(
      uniqueKeysWithValues: report.dictionary.filter { !$0.key.hasSuffix("_support") }
        .map { ("val_\($0.key)", $0.value) })
    metrics["val_loss"] = ClassificationReport.negativeLogLikelihood(
      probabilities.scalars, labels: corpus.labels, classes: corpus.labelNames.count)
    return metrics
  }

  static func tally(_ logits: Tensor?, _ targets: Targets, _ correct: Int, _ counted: Int) -> (Int, Int) {
    guard let logits, let labels = targets.classIndices else { return (correct, counted) }
    let classes = logits.lastDimension
    var correct = correct
    var counted = counted
    logits.withUnsafeBufferPointer { z in
      for (row, label) in labels.enumerated() where label >= 0 {
        let line = z.baseAddress! + row * classes
        var best = 0
        for c in 1..<max(classes, 1) where line[c] > line[best] { best = c }
        if best == Int(label) { correct += 1 }
        counted += 1
      }
    }
    return (correct, counted)
  }
}
