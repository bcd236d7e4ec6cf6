import LossKitCore
import LossKitData
import LossKitTraining

/// `manifest.json` of a saved model: everything but the weights.
///
/// Format `losskit-model/1`; see docs/serialization.md for every field.
public struct ModelManifest: Codable, Sendable, Equatable {
  /// The format this build writes and reads.
  public static let currentFormat = "losskit-model/1"

  /// The model kind, its hyper-parameters and size.
  public struct ModelDescription: Codable, Sendable, Equatable {
    /// `logistic`, `mlp`, `bilstm` or `multi-head`.
    public var kind: String
    /// What rebuilds an untrained model of the same shape.
    public var hyperparameters: JSONValue
    /// The number of trainable values.
    public var parameterCount: Int
  }

  /// The optimizer and where its state is.
  public struct OptimizerDescription: Codable, Sendable, Equatable {
    /// `sgd`, `adam` or `adamw`.
    public var kind: String
    /// Its hyper-parameters.
    public var hyperparameters: JSONValue
    /// Steps taken (for bias correction when training resumes).
    public var stepCount: Int
  }

  /// Random states, so training resumes exactly.
  public struct RandomState: Codable, Sendable, Equatable {
    /// The model's dropout generator.
    public var model: SeededGenerator
    /// The trainer's shuffling generator.
    public var trainer: SeededGenerator?
  }

  /// The format version (`losskit-model/1`).
  public var format: String
  /// Which software wrote the model.
  public var createdBy: String
  /// The model.
  public var model: ModelDescription
  /// The class names in class-index order.
  public var labels: [String]
  /// How text lines become features (absent for models trained on CSV).
  public var featurizer: LineFeaturizer?
  /// The options the model was trained with.
  public var classifier: LineClassifierConfiguration?
  /// The loss by name, version and parameters (composites nested).
  public var loss: LossSpec?
  /// The optimizer (its state tensors are in the weights file under `optimizer/`).
  public var optimizer: OptimizerDescription?
  /// Random states.
  public var random: RandomState
  /// Epochs trained so far.
  public var epochsTrained: Int
  /// The training history.
  public var history: TrainingHistory
  /// Final metrics by split (`validation`, `test`), with the seed's keys.
  public var metrics: [String: [String: Double]]
  /// Temperature scaling fitted on validation data.
  public var calibration: TemperatureScaling?
  /// The weights file's name.
  public var weightsFile: String
}
