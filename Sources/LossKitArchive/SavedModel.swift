import Foundation
import LossKitCore
import LossKitData
import LossKitNN
import LossKitTraining

/// Saves and loads trained classifiers as folders: `manifest.json` and
/// `weights.safetensors` (model parameters under `model/`, optimizer state under
/// `optimizer/`).
///
/// ```swift
/// try SavedModel.save(classifier, to: URL(fileURLWithPath: "models/skol"))
/// let reloaded = try SavedModel.load(from: url, registry: .standard)   // ready to train on
/// let frozen = try SavedModel.load(from: url, registry: nil)           // inference only
/// ```
public enum SavedModel {
  /// The manifest's file name.
  public static let manifestFile = "manifest.json"
  /// The weights' file name.
  public static let weightsFile = "weights.safetensors"

  /// Writes a trained classifier atomically (a crash leaves the old model or none, never a
  /// half-written one).
  ///
  /// - Parameter metrics: Final metrics to record, by split (`test`, `validation`).
  /// - Throws: ``ArchiveError/writeFailed(path:reason:)``, or ``LossKitError/invalidSpec(_:)``
  ///   when the classifier has no model.
  public static func save(
    _ classifier: LineClassifier, to folder: URL, metrics: [String: [String: Double]] = [:]
  ) throws {
    guard let model = classifier.model else {
      throw LossKitError.invalidSpec("nothing to save: the classifier has no model; call fit() first")
    }
    let manifest = try makeManifest(classifier, model: model, metrics: metrics)
    var tensors: [String: Tensor] = [:]
    for parameter in model.parameters { tensors["model/\(parameter.name)"] = parameter.value }
    for (name, tensor) in classifier.optimizer?.stateTensors() ?? [:] {
      tensors["optimizer/\(name)"] = tensor
    }
    let weights = try Safetensors.encode(
      tensors, metadata: ["format": ModelManifest.currentFormat, "model": model.kind])
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    let manifestData = try encoder.encode(manifest)
    try AtomicFolder.write(to: folder) { temporary in
      try manifestData.write(to: temporary.appendingPathComponent(manifestFile))
      try weights.write(to: temporary.appendingPathComponent(weightsFile))
    }
  }

  static func makeManifest(
    _ classifier: LineClassifier, model: any Model, metrics: [String: [String: Double]]
  ) throws -> ModelManifest {
    let optimizer = classifier.optimizer.map {
      ModelManifest.OptimizerDescription(kind: $0.kind, hyperparameters: $0.hyperparameters, stepCount: $0.stepCount)
    }
    var configuration = classifier.configuration
    configuration.featurizer = classifier.configuration.featurizer
    return ModelManifest(
      format: ModelManifest.currentFormat, createdBy: "LossKit",
      model: .init(kind: model.kind, hyperparameters: model.hyperparameters, parameterCount: model.parameterCount),
      labels: classifier.labelNames,
      featurizer: (model.parameters.first { $0.isSparse } != nil) ? configuration.featurizer : nil,
      classifier: configuration, loss: try LossSpec(classifier.loss), optimizer: optimizer,
      random: .init(model: model.random, trainer: classifier.trainerRandom),
      epochsTrained: classifier.epochsTrained, history: classifier.history, metrics: metrics,
      calibration: classifier.calibration, weightsFile: weightsFile)
  }

  /// Reads a manifest.
  ///
  /// - Throws: ``ArchiveError`` naming the file when it is missing, damaged, or of another
  ///   format version.
  public static func manifest(at folder: URL) throws -> ModelManifest {
    let url = folder.appendingPathComponent(manifestFile)
    guard FileManager.default.fileExists(atPath: url.path) else {
      throw ArchiveError.missingFile(path: url.path)
    }
    let data: Data
    do {
      data = try Data(contentsOf: url)
    } catch {
      throw ArchiveError.corrupt(path: url.path, reason: error.localizedDescription)
    }
    if let format = (try? JSONDecoder().decode(FormatProbe.self, from: data))?.format,
      format != ModelManifest.currentFormat
    {
      throw ArchiveError.unsupportedFormat(
        path: url.path, found: format, supported: ModelManifest.currentFormat)
    }
    do {
      return try JSONDecoder().decode(ModelManifest.self, from: data)
    } catch {
      throw ArchiveError.corrupt(path: url.path, reason: "not a LossKit manifest (\(error))")
    }
  }

  private struct FormatProbe: Decodable { var format: String }

  /// Every stored tensor with its shape, first and last value and sum, sorted by name: what
  /// `losskit inspect --weights` prints and what another reader's values can be checked
  /// against.
  ///
  /// - Throws: ``ArchiveError`` naming the file.
  public static func tensorSummaries(at folder: URL) throws -> [(name: String, shape: [Int], first: Float, last: Float, sum: Double)] {
    let manifest = try manifest(at: folder)
    let url = folder.appendingPathComponent(manifest.weightsFile)
    guard let data = FileManager.default.contents(atPath: url.path) else {
      throw ArchiveError.missingFile(path: url.path)
    }
    return try Safetensors.decode(data, path: url.path).tensors.sorted { $0.key < $1.key }.map {
      ($0.key, $0.value.shape, $0.value.scalars.first ?? 0, $0.value.scalars.last ?? 0,
       $0.value.scalars.reduce(0.0) { $0 + Double($1) })
    }
  }

  /// Loads a saved classifier.
  ///
  /// - Parameter registry: Resolves the loss by name. `nil` loads for inference only: no loss
  ///   is needed. With a registry, an unknown loss name is an error listing the registered
  ///   names; pass `nil` (or register the loss) to load such a model.
  /// - Throws: ``ArchiveError`` naming the file for missing or damaged files, a wrong format
  ///   version or a tensor of the wrong shape; ``LossKitError`` for an unknown loss.
  public static func load(from folder: URL, registry: LossRegistry?) throws -> LineClassifier {
    let manifest = try manifest(at: folder)
    let weightsURL = folder.appendingPathComponent(manifest.weightsFile)
    guard FileManager.default.fileExists(atPath: weightsURL.path) else {
      throw ArchiveError.missingFile(path: weightsURL.path)
    }
    let data: Data
    do {
      data = try Data(contentsOf: weightsURL)
    } catch {
      throw ArchiveError.corrupt(path: weightsURL.path, reason: error.localizedDescription)
    }
    let (tensors, _) = try Safetensors.decode(data, path: weightsURL.path)
    let model = try ModelFactory.makeModel(kind: manifest.model.kind, hyperparameters: manifest.model.hyperparameters)
    for parameter in model.parameters {
      let key = "model/\(parameter.name)"
      guard let tensor = tensors[key] else {
        throw ArchiveError.corrupt(path: weightsURL.path, reason: "tensor '\(key)' is missing")
      }
      guard tensor.shape == parameter.value.shape else {
        throw ArchiveError.shapeMismatch(
          path: weightsURL.path, tensor: key, expected: parameter.value.shape, found: tensor.shape)
      }
      parameter.value = tensor
    }
    model.random = manifest.random.model
    var optimizer: (any Optimizer)?
    if let description = manifest.optimizer {
      let restored = try OptimizerFactory.makeOptimizer(kind: description.kind, hyperparameters: description.hyperparameters)
      let state = Dictionary(uniqueKeysWithValues: tensors.filter { $0.key.hasPrefix("optimizer/") }
        .map { (String($0.key.dropFirst("optimizer/".count)), $0.value) })
      do {
        try restored.restoreState(state, stepCount: description.stepCount, parameters: model.parameters)
      } catch let error as LossKitError {
        throw ArchiveError.corrupt(path: weightsURL.path, reason: error.description)
      }
      optimizer = restored
    }
    let loss: any Loss
    if let spec = manifest.loss {
      if let registry {
        loss = try registry.makeLoss(from: spec)
      } else {
        loss = UnresolvedLoss(spec: spec, registered: [])
      }
    } else {
      loss = UnresolvedLoss()
    }
    var configuration = manifest.classifier ?? LineClassifierConfiguration()
    if let featurizer = manifest.featurizer { configuration.featurizer = featurizer }
    return LineClassifier(
      configuration, registry: registry ?? LossRegistry(), loss: loss, model: model,
      optimizer: optimizer, labelNames: manifest.labels, history: manifest.history,
      calibration: manifest.calibration, trainerRandom: manifest.random.trainer,
      epochsTrained: manifest.epochsTrained)
  }
}
