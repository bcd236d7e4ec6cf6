import LossKitCore
import LossKitCustom
import LossKitData
import LossKitTraining

/// `manifest.json` of a saved model: everything but the weights.
///
/// Format `losskit-model/2`; `losskit-model/1` manifests are read and upgraded (see
/// ``ModelManifestV1``). docs/serialization.md describes every field.
public struct ModelManifest: Codable, Sendable, Equatable {
  /// The format this build writes.
  public static let currentFormat = "losskit-model/2"
  /// The formats this build reads.
  public static let readableFormats = ["losskit-model/1", currentFormat]

  /// A registered model kind or optimizer with its configuration.
  public struct Component: Codable, Sendable, Equatable {
    /// The registry name (`bilstm`, `adam`, …).
    public var kind: String
    /// The configuration's version.
    public var version: Int
    /// What rebuilds it.
    public var configuration: JSONValue
  }

  /// The model and its size.
  public struct ModelDescription: Codable, Sendable, Equatable {
    /// The kind, version and configuration.
    public var component: Component
    /// The number of trainable values.
    public var parameterCount: Int

    enum CodingKeys: String, CodingKey { case kind, version, configuration, parameterCount }

    /// Creates a description.
    public init(component: Component, parameterCount: Int) {
      self.component = component
      self.parameterCount = parameterCount
    }

    /// Decodes the flat form `{kind, version, configuration, parameterCount}`.
    public init(from decoder: any Decoder) throws {
      let container = try decoder.container(keyedBy: CodingKeys.self)
      component = Component(
        kind: try container.decode(String.self, forKey: .kind),
        version: try container.decode(Int.self, forKey: .version),
        configuration: try container.decode(JSONValue.self, forKey: .configuration))
      parameterCount = try container.decode(Int.self, forKey: .parameterCount)
    }

    /// Encodes the flat form.
    public func encode(to encoder: any Encoder) throws {
      var container = encoder.container(keyedBy: CodingKeys.self)
      try container.encode(component.kind, forKey: .kind)
      try container.encode(component.version, forKey: .version)
      try container.encode(component.configuration, forKey: .configuration)
      try container.encode(parameterCount, forKey: .parameterCount)
    }
  }

  /// The optimizer and how far it has stepped (its state tensors are in the weights file
  /// under `optimizer/`).
  public struct OptimizerDescription: Codable, Sendable, Equatable {
    /// The registry name.
    public var kind: String
    /// The configuration's version.
    public var version: Int
    /// Its configuration.
    public var configuration: JSONValue
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

  /// Where training stands.
  public struct Training: Codable, Sendable, Equatable {
    /// How the model is trained.
    public var trainer: Trainer.Configuration
    /// Epochs trained so far.
    public var epochsTrained: Int
    /// The best epoch by the monitored metric.
    public var best: TrainingState.BestEpoch?
    /// Whether the weights file holds the last epoch's parameters under `training/last/`
    /// (the model's own are the best epoch's).
    public var hasLastWeights: Bool
    /// Which loss trained which epochs.
    public var lossHistory: [TrainingState.LossPeriod]
    /// Every epoch's record.
    public var history: TrainingHistory
  }

  /// The format version.
  public var format: String
  /// Which software wrote the model.
  public var createdBy: String
  /// The model.
  public var model: ModelDescription
  /// The target sets, one label list per head.
  public var targets: [TargetDefinition]
  /// How raw data becomes model input.
  public var pipeline: InputPipeline
  /// The loss by name, version and parameters (composites nested).
  public var loss: LossSpec?
  /// Where each native or foreign loss of the loss tree came from, by loss name: the
  /// library's file name, SHA-256, and ABI version or declaration.
  public var libraries: [String: LossProvenance]?
  /// The optimizer.
  public var optimizer: OptimizerDescription?
  /// Random states.
  public var random: RandomState
  /// Where training stands.
  public var training: Training
  /// Final metrics by split (`validation`, `test`).
  public var metrics: [String: [String: Double]]
  /// Temperature scaling per target set, fitted on validation data.
  public var calibration: [String: TemperatureScaling]
  /// The recipe's options (`LineClassifierConfiguration`), for `losskit train --resume`.
  public var recipe: JSONValue?
  /// The weights file's name: a plain file name inside the model.
  public var weightsFile: String
}
