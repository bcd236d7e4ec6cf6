import ArgumentParser
import Foundation
import LossKit

/// Where the data comes from.
struct DataOptions: ParsableArguments {
  @Option(name: .long, help: "Training data: .ann or .csv files, directories or globs (repeatable). (default: none)")
  var data: [String] = []

  @Option(name: .long, help: "Validation data for early stopping and calibration (repeatable). (default: 10% of the training documents)")
  var validation: [String] = []

  @Option(name: .long, help: "Test data to report on after training (repeatable). (default: none)")
  var test: [String] = []

  @Option(name: .long, help: "The label column of CSV files. (default: 'label', else the last column)")
  var labelColumn: String?
}

/// The model's shape; unset options take the command's defaults.
struct ModelOptions: ParsableArguments {
  @Option(name: .long, help: "Model: logistic, mlp or bilstm. (default: bilstm)")
  var model: LineClassifierConfiguration.ModelKind?

  @Option(name: .long, help: "Lines per BiLSTM window. (default: 15)")
  var windowSize: Int?

  @Option(name: .long, help: "Lines between prediction windows. (default: half a window)")
  var predictionStride: Int?

  @Option(name: .long, help: "LSTM state width per direction, or the MLP's hidden width. (default: 128; compare on built-in data: 48)")
  var hiddenSize: Int?

  @Option(name: .long, help: "Width of a line's encoding for the BiLSTM. (default: 64; compare on built-in data: 32)")
  var embeddingSize: Int?

  @Option(name: .long, help: "Stacked BiLSTM layers. (default: 2; compare on built-in data: 1)")
  var numLayers: Int?

  @Option(name: .long, help: "Dropout rate. (default: 0.3)")
  var dropout: Float?

  @Option(name: .long, help: "Hash buckets for the sparse text features. (default: 262144; compare on built-in data: 65536)")
  var buckets: Int?
}

/// The loss.
struct LossOptions: ParsableArguments {
  @Option(name: .long, help: "Loss expression: cross-entropy, weighted, focal, focal-f1, binary-focal, supcon, or a sum such as '0.7*focal+0.3*weighted' (default: focal-f1 with --focal-labels, weighted with class weights, else cross-entropy)")
  var loss: String?

  @Option(name: .long, help: "Focusing exponent γ of focal losses. (default: 2)")
  var gamma: Double?

  @Option(name: .long, help: "α of focal losses: one value, or one per class separated by commas. (default: none for focal, 0.25 for binary-focal)")
  var alpha: String?

  @Option(name: .long, help: "Label smoothing ε. (default: 0)")
  var labelSmoothing: Double?

  @Option(name: .long, help: "Labels soft-F1 optimises, separated by commas, e.g. Nomenclature,Description. (default: none)")
  var focalLabels: String?

  @Option(name: .long, help: "Class-weight strategy: inverse, balanced, aggressive, effective-number[:β]. (default: none)")
  var weightStrategy: String?

  @Option(name: .long, help: "A class weight LABEL=W (repeatable). (default: none)")
  var classWeight: [String] = []
}

/// How to train; unset options take the command's defaults.
struct TrainingOptions: ParsableArguments {
  @Option(name: .long, help: "Training epochs. (default: 6; compare on built-in data: 4)")
  var epochs: Int?

  @Option(name: .long, help: "Windows (bilstm) or lines (other models) per batch. (default: 32 windows or 256 lines)")
  var batchSize: Int?

  @Option(name: .long, help: "Adam's learning rate. (default: 0.001)")
  var learningRate: Double?

  @Option(name: .long, help: "Seed for initialisation, dropout, shuffling and the validation split. (default: 0)")
  var seed: UInt64?

  @Option(name: .long, help: "Epochs without improvement before early stopping; 0 disables. (default: 3)")
  var patience: Int?

  @Option(name: .long, help: "Validation metric for early stopping and best weights, e.g. val_macro_f1, val_Nomenclature_f1, val_loss. (default: val_macro_f1)")
  var monitor: String?
}

extension LineClassifierConfiguration.ModelKind: ExpressibleByArgument {}

/// Builds a classifier configuration from the command-line groups over `defaults`.
enum ConfigurationBuilder {
  static func make(
    model: ModelOptions, loss: LossOptions, training: TrainingOptions,
    defaults: LineClassifierConfiguration = LineClassifierConfiguration()
  ) throws -> LineClassifierConfiguration {
    var configuration = defaults
    configuration.modelKind = model.model ?? defaults.modelKind
    configuration.windowSize = model.windowSize ?? defaults.windowSize
    configuration.predictionStride = model.predictionStride ?? defaults.predictionStride
    configuration.hiddenSize = model.hiddenSize ?? defaults.hiddenSize
    configuration.embeddingSize = model.embeddingSize ?? defaults.embeddingSize
    configuration.numLayers = model.numLayers ?? defaults.numLayers
    configuration.dropout = model.dropout ?? defaults.dropout
    configuration.featurizer.buckets = model.buckets ?? defaults.featurizer.buckets
    configuration.epochs = training.epochs ?? defaults.epochs
    configuration.batchSize = training.batchSize ?? defaults.batchSize
    configuration.learningRate = training.learningRate ?? defaults.learningRate
    configuration.seed = training.seed ?? defaults.seed
    if let patience = training.patience { configuration.patience = patience > 0 ? patience : nil }
    configuration.monitor = training.monitor ?? defaults.monitor
    for (name, value) in [
      ("--window-size", configuration.windowSize), ("--hidden-size", configuration.hiddenSize),
      ("--embedding-size", configuration.embeddingSize), ("--num-layers", configuration.numLayers),
      ("--epochs", configuration.epochs), ("--buckets", configuration.featurizer.buckets),
    ] where value < 1 {
      throw ValidationError("\(name) must be at least 1, got \(value)")
    }
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
