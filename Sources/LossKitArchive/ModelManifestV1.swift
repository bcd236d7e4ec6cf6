import LossKitCore
import LossKitData
import LossKitTraining

/// A `losskit-model/1` manifest, as LossKit wrote it before models had named heads and
/// registries: read and upgraded to a ``ModelManifest``.
struct ModelManifestV1: Decodable {
  struct Model: Decodable {
    var kind: String
    var hyperparameters: JSONValue
    var parameterCount: Int
  }

  struct Optimizer: Decodable {
    var kind: String
    var hyperparameters: JSONValue
    var stepCount: Int
  }

  /// The recipe options of version 1 (`LineClassifierConfiguration` as it was).
  struct Classifier: Decodable {
    var modelKind: String?
    var windowSize: Int?
    var predictionStride: Int?
    var hiddenSize: Int?
    var embeddingSize: Int?
    var numLayers: Int?
    var dropout: Float?
    var epochs: Int?
    var batchSize: Int?
    var learningRate: Double?
    var seed: UInt64?
    var loss: String?
    var gamma: Double?
    var alpha: [Double]?
    var labelSmoothing: Double?
    var focalLabels: [String]?
    var classWeights: [String: Double]?
    var weightStrategy: String?
    var featurizer: LineFeaturizer?
    var collapsing: LabelCollapsing?
    var validationFraction: Double?
    var monitor: String?
    var patience: Int?
  }

  var format: String
  var createdBy: String
  var model: Model
  var labels: [String]
  var featurizer: LineFeaturizer?
  var classifier: Classifier?
  var loss: LossSpec?
  var optimizer: Optimizer?
  var random: ModelManifest.RandomState
  var epochsTrained: Int
  var history: TrainingHistory
  var metrics: [String: [String: Double]]
  var calibration: TemperatureScaling?
  var weightsFile: String

  /// The same model in the current form.
  ///
  /// - Throws: ``LossKitError/invalidSpec(_:)`` for a version-1 model trained on CSV columns
  ///   (version 1 did not record the columns' names).
  func upgraded() throws -> ModelManifest {
    guard let featurizer else {
      throw LossKitError.invalidSpec(
        "this losskit-model/1 model was trained on CSV columns, whose names version 1 did not "
          + "record; train it again with this version")
    }
    let options = classifier
    let hyper = model.hyperparameters
    var windows: InputPipeline.Windowing?
    if model.kind == "bilstm" {
      let size = hyper["windowSize"]?.numberValue.map { Int($0) } ?? options?.windowSize ?? 15
      windows = InputPipeline.Windowing(
        size: size, predictionStride: hyper["predictionStride"]?.numberValue.map { Int($0) })
    }
    var trainer = Trainer.Configuration()
    trainer.epochs = options?.epochs ?? trainer.epochs
    trainer.batchSize = options?.batchSize
    trainer.seed = options?.seed ?? trainer.seed
    trainer.monitor = options?.monitor ?? trainer.monitor
    trainer.patience = options?.patience
    let collapsing = options?.collapsing ?? .skol
    return ModelManifest(
      format: ModelManifest.currentFormat, createdBy: createdBy,
      model: .init(
        component: .init(kind: model.kind, version: 1, configuration: hyper),
        parameterCount: model.parameterCount),
      targets: [TargetDefinition(name: "labels", view: .collapsed(collapsing), labels: labels)],
      pipeline: InputPipeline(featurizer: featurizer, windows: windows), loss: loss,
      libraries: nil,
      optimizer: optimizer.map {
        .init(kind: $0.kind, version: 1, configuration: $0.hyperparameters, stepCount: $0.stepCount)
      },
      random: random,
      training: .init(
        trainer: trainer, epochsTrained: epochsTrained, best: nil, hasLastWeights: false,
        lossHistory: loss.map {
          [TrainingState.LossPeriod(firstEpoch: 1, lastEpoch: epochsTrained, loss: $0)]
        } ?? [],
        history: history),
      metrics: metrics, calibration: calibration.map { ["labels": $0] } ?? [:],
      recipe: try options.map { try JSONValue(encoding: recipe($0, windows: windows)) },
      weightsFile: weightsFile)
  }

  /// The version-1 options as the current recipe's.
  func recipe(_ old: Classifier, windows: InputPipeline.Windowing?) -> LineClassifierConfiguration {
    var recipe = LineClassifierConfiguration()
    recipe.model = old.modelKind ?? model.kind
    var modelOptions: [String: JSONValue] = [:]
    if model.kind != "logistic" {
      if let value = old.hiddenSize { modelOptions["hiddenSize"] = .number(Double(value)) }
      if let value = old.dropout { modelOptions["dropout"] = .number(Double(value)) }
    }
    if model.kind == "bilstm" {
      if let value = old.embeddingSize { modelOptions["embeddingSize"] = .number(Double(value)) }
      if let value = old.numLayers { modelOptions["numLayers"] = .number(Double(value)) }
      recipe.windowSize = windows?.size
      recipe.predictionStride = windows?.predictionStride
    }
    recipe.modelOptions = modelOptions
    recipe.featurizer = old.featurizer ?? featurizer ?? LineFeaturizer()
    var lossOptions: [String: JSONValue] = [:]
    if let value = old.gamma { lossOptions["gamma"] = .number(value) }
    if let value = old.alpha { lossOptions["alpha"] = .array(value.map { .number($0) }) }
    if let value = old.labelSmoothing { lossOptions["labelSmoothing"] = .number(value) }
    if let value = old.focalLabels { lossOptions["focalLabels"] = .array(value.map { .string($0) }) }
    if let value = old.classWeights { lossOptions["classWeights"] = .object(value.mapValues { .number($0) }) }
    if let value = old.weightStrategy { lossOptions["strategy"] = .string(value) }
    recipe.loss = LossConfiguration(expression: old.loss ?? "", options: lossOptions)
    if let rate = old.learningRate { recipe.optimizerOptions = ["learningRate": .number(rate)] }
    recipe.trainer.epochs = old.epochs ?? recipe.trainer.epochs
    recipe.trainer.batchSize = old.batchSize
    recipe.trainer.seed = old.seed ?? 0
    recipe.trainer.monitor = old.monitor ?? recipe.trainer.monitor
    recipe.trainer.patience = old.patience
    recipe.validationFraction = old.validationFraction ?? recipe.validationFraction
    if let collapsing = old.collapsing, collapsing != .skol {
      recipe.heads = [HeadSpecification(name: "labels", view: .collapsed(collapsing))]
    }
    return recipe
  }
}
