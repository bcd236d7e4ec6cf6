import LossKitCore
import LossKitData

/// The options of a ``LineClassifier``, with the seed's names and defaults.
public struct LineClassifierConfiguration: Sendable, Codable, Equatable {
  /// The model family.
  public enum ModelKind: String, Sendable, Codable, CaseIterable {
    /// One linear map per line (`LogisticRegression`).
    case logistic
    /// One hidden layer per line (`MultilayerPerceptron`).
    case mlp
    /// Bidirectional LSTMs over windows of lines (`BiLSTMTagger`).
    case bilstm
  }

  /// The model (default `bilstm`, the seed's `rnn`).
  public var modelKind: ModelKind = .bilstm
  /// Lines per window (default 15).
  public var windowSize = 15
  /// Lines between prediction windows (default half a window).
  public var predictionStride: Int?
  /// LSTM state width per direction, or the MLP's hidden width (default 128).
  public var hiddenSize = 128
  /// The width of a line's encoding for the BiLSTM (default 64).
  public var embeddingSize = 64
  /// Stacked BiLSTM layers (default 2).
  public var numLayers = 2
  /// Dropout (default 0.3).
  public var dropout: Float = 0.3
  /// Training epochs (default 6).
  public var epochs = 6
  /// Windows (BiLSTM) or lines (other models) per batch; default 32 windows or 256 lines.
  public var batchSize: Int?
  /// Adam's learning rate (default 0.001).
  public var learningRate = 0.001
  /// The seed for initialisation, dropout and shuffling.
  public var seed: UInt64 = 0
  /// The loss expression (`focal`, `0.5*focal+0.5*focal-f1`, …); `nil` follows the seed: focal
  /// labels give `focal-f1`, class weights or a strategy give `weighted`, else cross-entropy.
  public var loss: String?
  /// Focal exponent γ for focal losses.
  public var gamma: Double?
  /// α for focal losses (one value or one per class).
  public var alpha: [Double]?
  /// Label smoothing.
  public var labelSmoothing: Double?
  /// The labels soft-F1 optimises.
  public var focalLabels: [String]?
  /// Class weights by label name.
  public var classWeights: [String: Double]?
  /// A class-weight strategy (`inverse`, `balanced`, `aggressive`, `effective-number:β`).
  public var weightStrategy: String?
  /// How lines become features.
  public var featurizer = LineFeaturizer()
  /// How raw labels collapse into classes (default: Nomenclature, Description, Misc).
  public var collapsing = LabelCollapsing.skol
  /// The share of training documents held out for validation when no validation set is
  /// given (default 0.1; 0 disables validation).
  public var validationFraction = 0.1
  /// The validation metric for early stopping and best weights (default `val_macro_f1`).
  public var monitor = "val_macro_f1"
  /// Epochs without improvement before stopping (default 3).
  public var patience: Int? = 3

  /// The default configuration.
  public init() {}

  /// The loss configuration these options describe.
  public var lossConfiguration: LossConfiguration {
    let expression =
      loss
      ?? (focalLabels != nil
        ? "focal-f1" : (classWeights != nil || weightStrategy != nil ? "weighted" : "cross-entropy"))
    var configuration = LossConfiguration(expression: expression)
    configuration.gamma = gamma
    configuration.alpha = alpha
    configuration.labelSmoothing = labelSmoothing
    configuration.focalLabels = focalLabels
    configuration.classWeights = classWeights
    configuration.weightStrategy = weightStrategy
    return configuration
  }

  /// Units per batch after applying the model-dependent default.
  public var effectiveBatchSize: Int { batchSize ?? (modelKind == .bilstm ? 32 : 256) }

  /// The prediction stride after applying the default.
  public var effectivePredictionStride: Int { predictionStride ?? max(1, windowSize / 2) }
}
