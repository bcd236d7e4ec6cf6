import ArgumentParser
import Foundation
import LossKit

/// Where the data comes from.
struct DataOptions: ParsableArguments {
  @Option(name: .long, help: "Training data: .ann or .csv files, directories or globs (repeatable).")
  var data: [String] = []

  @Option(name: .long, help: "Validation data for early stopping and calibration (repeatable; default: 10% of the training documents).")
  var validation: [String] = []

  @Option(name: .long, help: "Test data to report on after training (repeatable).")
  var test: [String] = []

  @Option(name: .long, help: "The label column of CSV files (default: 'label', else the last column).")
  var labelColumn: String?
}

/// The model's shape.
struct ModelOptions: ParsableArguments {
  @Option(name: .long, help: "Model: logistic, mlp or bilstm.")
  var model: LineClassifierConfiguration.ModelKind = .bilstm

  @Option(name: .long, help: "Lines per BiLSTM window.")
  var windowSize = 15

  @Option(name: .long, help: "Lines between prediction windows (default: half a window).")
  var predictionStride: Int?

  @Option(name: .long, help: "LSTM state width per direction, or the MLP's hidden width.")
  var hiddenSize = 128

  @Option(name: .long, help: "Width of a line's encoding for the BiLSTM.")
  var embeddingSize = 64

  @Option(name: .long, help: "Stacked BiLSTM layers.")
  var numLayers = 2

  @Option(name: .long, help: "Dropout rate.")
  var dropout: Float = 0.3

  @Option(name: .long, help: "Hash buckets for the sparse text features (a power of two is usual).")
  var buckets = 1 << 18
}

/// The loss.
struct LossOptions: ParsableArguments {
  @Option(name: .long, help: "Loss expression: cross-entropy, weighted, focal, focal-f1, binary-focal, supcon, or a sum such as '0.7*focal+0.3*weighted' (default: focal-f1 with --focal-labels, weighted with class weights, else cross-entropy).")
  var loss: String?

  @Option(name: .long, help: "Focusing exponent γ of focal losses (default 2).")
  var gamma: Double?

  @Option(name: .long, help: "α of focal losses: one value, or one per class separated by commas.")
  var alpha: String?

  @Option(name: .long, help: "Label smoothing ε.")
  var labelSmoothing: Double?

  @Option(name: .long, help: "Labels soft-F1 optimises, separated by commas (e.g. Nomenclature,Description).")
  var focalLabels: String?

  @Option(name: .long, help: "Class-weight strategy: inverse, balanced, aggressive, effective-number[:β].")
  var weightStrategy: String?

  @Option(name: .long, help: "A class weight LABEL=W (repeatable).")
  var classWeight: [String] = []
}

/// How to train.
struct TrainingOptions: ParsableArguments {
  @Option(name: .long, help: "Training epochs.")
  var epochs = 6

  @Option(name: .long, help: "Windows (bilstm) or lines (other models) per batch (default 32 or 256).")
  var batchSize: Int?

  @Option(name: .long, help: "Adam's learning rate.")
  var learningRate = 0.001

  @Option(name: .long, help: "Seed for initialisation, dropout, shuffling and the validation split.")
  var seed: UInt64 = 0

  @Option(name: .long, help: "Epochs without improvement before early stopping (0 disables).")
  var patience = 3

  @Option(name: .long, help: "Validation metric for early stopping and best weights (e.g. val_macro_f1, val_Nomenclature_f1, val_loss).")
  var monitor = "val_macro_f1"
}

extension LineClassifierConfiguration.ModelKind: ExpressibleByArgument {}

/// Builds a classifier configuration from the command-line groups.
enum ConfigurationBuilder {
  static func make(
    model: ModelOptions, loss: LossOptions, training: TrainingOptions
  ) throws -> LineClassifierConfiguration {
    var configuration = LineClassifierConfiguration()
    configuration.modelKind = model.model
    configuration.windowSize = model.windowSize
    configuration.predictionStride = model.predictionStride
    configuration.hiddenSize = model.hiddenSize
    configuration.embeddingSize = model.embeddingSize
    configuration.numLayers = model.numLayers
    configuration.dropout = model.dropout
    configuration.featurizer.buckets = model.buckets
    configuration.epochs = training.epochs
    configuration.batchSize = training.batchSize
    configuration.learningRate = training.learningRate
    configuration.seed = training.seed
    configuration.patience = training.patience > 0 ? training.patience : nil
    configuration.monitor = training.monitor
    configuration.loss = loss.loss
    configuration.gamma = loss.gamma
    configuration.labelSmoothing = loss.labelSmoothing
    configuration.weightStrategy = loss.weightStrategy
    if let alpha = loss.alpha {
      let values = alpha.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
      guard !values.isEmpty, values.allSatisfy({ $0 != nil }) else {
        throw ValidationError("--alpha '\(alpha)' must be numbers separated by commas, e.g. 0.25 or 1,2,4")
      }
      configuration.alpha = values.map { $0! }
    }
    if let labels = loss.focalLabels {
      configuration.focalLabels = labels.split(separator: ",").map {
        $0.trimmingCharacters(in: .whitespaces)
      }
    }
    if !loss.classWeight.isEmpty {
      var weights: [String: Double] = [:]
      for entry in loss.classWeight {
        let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
        guard parts.count == 2, let weight = Double(parts[1]) else {
          throw ValidationError("--class-weight '\(entry)' must be LABEL=WEIGHT, e.g. Nomenclature=10")
        }
        weights[parts[0]] = weight
      }
      configuration.classWeights = weights
    }
    return configuration
  }
}
