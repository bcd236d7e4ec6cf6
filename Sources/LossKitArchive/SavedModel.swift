import Foundation
import LossKitCore
import LossKitCustom
import LossKitData
import LossKitNN
import LossKitTraining

/// What a saved model is loaded for.
public enum LoadPurpose: Sendable, Equatable {
  /// Predicting and evaluating: the loss and optimizer are not needed (an unknown loss is
  /// kept as an ``UnresolvedLoss``; the optimizer state is not read).
  case inference
  /// Training further: the loss and optimizer must resolve through the registry.
  case training
}

/// Saves and loads trained models as files: `manifest.json` and `weights.safetensors`
/// (parameters under `model/`, optimizer state under `optimizer/`, the last epoch's
/// parameters under `training/last/` when the model holds the best epoch's).
///
/// ```swift
/// try SavedModel.save(trained, to: URL(fileURLWithPath: "models/skol"))
/// let again = try SavedModel.load(from: url, registry: .standard, for: .training)
/// let frozen = try SavedModel.load(from: url, registry: .standard, for: .inference)
/// ```
public enum SavedModel {
  /// The manifest's file name.
  public static let manifestFile = "manifest.json"
  /// The weights' file name.
  public static let weightsFile = "weights.safetensors"

  /// The folder inside a saved model that holds bundled loss libraries.
  public static let pluginsFolder = "plugins"

  /// The files of a trained model.
  ///
  /// - Parameters:
  ///   - bundlePlugins: Also store the library of every native or foreign loss under
  ///     `plugins/`, so the model resumes training on another machine with no flags (always
  ///     when the model was loaded from a save that carried them).
  ///   - elementType: How the weights are stored (`F16` for a small inference-only export).
  /// - Throws: An encoding error for a configuration that does not encode, or
  ///   ``ArchiveError/writeFailed(path:reason:)`` for a library that cannot be read or changed
  ///   on disk since it was loaded, or a weight `elementType` cannot hold.
  public static func encode(
    _ trained: TrainedModel, bundlePlugins: Bool = false,
    elementType: Safetensors.ElementType = .float32
  ) throws -> ModelFiles {
    let bundlePlugins = bundlePlugins || trained.bundlesLibraries
    let model = trained.model
    var tensors: [String: Tensor] = [:]
    for parameter in model.parameters { tensors["model/\(parameter.name)"] = parameter.value }
    for (name, tensor) in trained.optimizer?.stateTensors() ?? [:] {
      tensors["optimizer/\(name)"] = tensor
    }
    for (name, tensor) in trained.state.lastWeights ?? [:] {
      tensors["training/last/\(name)"] = tensor
    }
    let weights = try Safetensors.encode(
      tensors, metadata: ["format": ModelManifest.currentFormat, "model": model.kind],
      elementType: elementType)
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    var files = ModelFiles([
      manifestFile: try encoder.encode(try manifest(of: trained)), weightsFile: weights,
    ])
    if bundlePlugins {
      for (name, data) in try libraryFiles(of: trained.loss) {
        files["\(pluginsFolder)/\(name)"] = data
      }
    }
    return files
  }

  /// The contents of every library a loss tree uses, by recorded file name, checked against
  /// the SHA-256 recorded when it was loaded.
  static func libraryFiles(of loss: any Loss) throws -> [String: Data] {
    var files: [String: Data] = [:]
    for source in LossLibraries.sources(of: loss).values {
      let name = source.provenance.library
      guard let data = FileManager.default.contents(atPath: source.path) else {
        throw ArchiveError.writeFailed(path: source.path, reason: "the library cannot be read")
      }
      let digest = SHA256Digest(of: data).hex
      guard digest == source.provenance.sha256 else {
        throw ArchiveError.writeFailed(
          path: source.path,
          reason: "the library changed on disk since it was loaded (sha256 \(digest), loaded "
            + "\(source.provenance.sha256)); load it again before saving")
      }
      if let other = files[name], other != data {
        throw ArchiveError.writeFailed(
          path: source.path, reason: "two different libraries are both named '\(name)'")
      }
      files[name] = data
    }
    return files
  }

  /// The manifest that describes a trained model.
  ///
  /// - Throws: An encoding error for a configuration that does not encode.
  public static func manifest(of trained: TrainedModel) throws -> ModelManifest {
    let model = trained.model
    let state = trained.state
    let libraries = LossLibraries.provenances(of: trained.loss)
    return ModelManifest(
      format: ModelManifest.currentFormat, createdBy: "LossKit",
      model: .init(
        component: .init(
          kind: model.kind, version: type(of: model).version,
          configuration: try model.configurationJSON()),
        parameterCount: model.parameterCount),
      targets: trained.targets, pipeline: trained.pipeline,
      loss: trained.loss is UnresolvedLoss && trained.loss.registryName == UnresolvedLoss.name
        ? nil : try LossSpec(trained.loss),
      libraries: libraries.isEmpty ? nil : libraries,
      optimizer: try trained.optimizer.map {
        .init(
          kind: $0.kind, version: type(of: $0).version, configuration: try $0.configurationJSON(),
          stepCount: $0.stepCount)
      },
      random: .init(model: model.random, trainer: state.random),
      training: .init(
        trainer: trained.trainer, epochsTrained: state.epochsTrained, best: state.best,
        hasLastWeights: state.lastWeights != nil, lossHistory: state.lossHistory,
        history: state.history),
      metrics: trained.metrics, calibration: trained.calibration, recipe: trained.recipe,
      weightsFile: weightsFile)
  }

  /// Writes a trained model into a folder atomically (a crash leaves the old model or the
  /// new one, never a half-written one).
  ///
  /// - Throws: ``ArchiveError/writeFailed(path:reason:)``.
  public static func save(_ trained: TrainedModel, to folder: URL, bundlePlugins: Bool = false)
    throws
  {
    try DirectoryStore.write(try encode(trained, bundlePlugins: bundlePlugins), to: folder)
  }

  /// Loads a saved model from a folder.
  ///
  /// - Throws: As ``decode(_:source:registry:for:)``.
  public static func load(from folder: URL, registry: Registry, for purpose: LoadPurpose) throws
    -> TrainedModel
  {
    try decode(DirectoryStore.read(folder: folder), source: folder.path, registry: registry, for: purpose)
  }

  /// Reads the manifest of a folder.
  ///
  /// - Throws: ``ArchiveError`` naming the file.
  public static func manifest(at folder: URL) throws -> ModelManifest {
    let url = folder.appendingPathComponent(manifestFile)
    guard let data = FileManager.default.contents(atPath: url.path) else {
      throw ArchiveError.missingFile(path: url.path)
    }
    return try manifest(data, path: url.path)
  }

  /// Decodes a manifest of any readable format, upgraded to the current one.
  ///
  /// - Throws: ``ArchiveError/unsupportedFormat(path:found:supported:)`` or
  ///   ``ArchiveError/corrupt(path:reason:)`` naming the field that does not decode.
  public static func manifest(_ data: Data, path: String) throws -> ModelManifest {
    guard let format = (try? JSONDecoder().decode(FormatProbe.self, from: data))?.format else {
      throw ArchiveError.corrupt(
        path: path, reason: "not a LossKit manifest (no \"format\" field); save the model again")
    }
    guard ModelManifest.readableFormats.contains(format) else {
      throw ArchiveError.unsupportedFormat(
        path: path, found: format,
        supported: ModelManifest.readableFormats.joined(separator: ", "))
    }
    do {
      if format == "losskit-model/1" {
        return try JSONDecoder().decode(ModelManifestV1.self, from: data).upgraded()
      }
      return try JSONDecoder().decode(ModelManifest.self, from: data)
    } catch let error as DecodingError {
      throw ArchiveError.corrupt(
        path: path, reason: "\(error.oneLine); save the model again")
    } catch let error as LossKitError {
      throw ArchiveError.corrupt(path: path, reason: error.description)
    }
  }

  private struct FormatProbe: Decodable { var format: String }

  /// Rebuilds a trained model from its files, validating everything before it sizes
  /// anything: the model through its registered type's throwing initialiser, every tensor's
  /// shape, the targets against the model's heads, the pipeline against the model's input.
  ///
  /// - Parameters:
  ///   - files: The model's files.
  ///   - source: Where they came from (a folder or a store name), for messages.
  ///   - registry: Resolves the model kind, and for training the loss and optimizer.
  ///   - purpose: ``LoadPurpose/inference`` needs no loss and no optimizer.
  /// - Throws: ``ArchiveError`` naming the file and field for anything missing or damaged;
  ///   ``LossKitError/unknownName(_:_:registered:)`` for an unregistered model kind (or, for
  ///   training, loss or optimizer).
  public static func decode(
    _ files: ModelFiles, source: String, registry: Registry, for purpose: LoadPurpose
  ) throws -> TrainedModel {
    let manifestPath = source + "/" + manifestFile
    guard let manifestData = files[manifestFile] else {
      throw ArchiveError.missingFile(path: manifestPath)
    }
    let manifest = try self.manifest(manifestData, path: manifestPath)
    let weightsPath = source + "/" + manifest.weightsFile
    guard DirectoryStore.isPlainFileName(manifest.weightsFile) else {
      throw ArchiveError.corrupt(
        path: manifestPath,
        reason: "weightsFile '\(manifest.weightsFile)' is not a plain file name inside the "
          + "model; it must be '\(weightsFile)' — save the model again")
    }
    guard let weightsData = files[manifest.weightsFile] else {
      throw ArchiveError.missingFile(path: weightsPath)
    }
    func corrupt(_ reason: String) -> ArchiveError {
      .corrupt(path: manifestPath, reason: reason + "; save the model again")
    }
    let model: any Model
    do {
      try manifest.pipeline.validate()
      for target in manifest.targets { try target.validate() }
      try manifest.training.trainer.validate()
      for (target, scaling) in manifest.calibration {
        guard manifest.targets.contains(where: { $0.name == target }),
          scaling.temperature.isFinite, scaling.temperature > 1e-6, scaling.temperature < 1e6
        else {
          throw LossKitError.invalidParameter(
            loss: "calibration", name: target,
            reason: "temperature \(scaling.temperature) is not in 1e-6…1e6, or names no target")
        }
      }
      model = try registry.models.makeModel(
        kind: manifest.model.component.kind, version: manifest.model.component.version,
        configuration: manifest.model.component.configuration,
        parameterBudget: weightsData.count / Safetensors.ElementType.smallestByteCount)
    } catch let error as LossKitError {
      throw Self.isResolution(error)
        ? ArchiveError.unresolved(path: manifestPath, problem: error.description)
        : corrupt(error.description)
    }
    try checkAgreement(manifest, model: model, corrupt: corrupt)
    let (tensors, _) = try Safetensors.decode(weightsData, path: weightsPath)
    try load(tensors, prefix: "model/", into: model.parameters, path: weightsPath)
    model.random = manifest.random.model
    var state = TrainingState()
    state.epochsTrained = manifest.training.epochsTrained
    state.history = manifest.training.history
    state.random = manifest.random.trainer
    state.best = manifest.training.best
    state.lossHistory = manifest.training.lossHistory
    if state.best != nil, manifest.training.trainer.restoreBestWeights {
      state.bestWeights = Dictionary(model.parameters.map { ($0.name, $0.value) }) { a, _ in a }
    }
    if manifest.training.hasLastWeights {
      state.lastWeights = try namedTensors(
        tensors, prefix: "training/last/", like: model.parameters, path: weightsPath)
    }
    let trained = TrainedModel(
      model: model, loss: UnresolvedLoss(), optimizer: nil, targets: manifest.targets,
      pipeline: manifest.pipeline, trainer: manifest.training.trainer, state: state,
      calibration: manifest.calibration, metrics: manifest.metrics, recipe: manifest.recipe)
    switch purpose {
    case .inference:
      trained.loss = manifest.loss.map { spec in
        (try? registry.losses.makeLoss(from: spec))
          ?? UnresolvedLoss(spec: spec, registered: registry.losses.names)
      } ?? UnresolvedLoss()
    case .training:
      guard let spec = manifest.loss, let description = manifest.optimizer else {
        throw ArchiveError.corrupt(
          path: manifestPath,
          reason: "the model was saved without its \(manifest.loss == nil ? "loss" : "optimizer") "
            + "(an inference-only export); train a new model, or resume from the full save")
      }
      var losses = registry.losses
      if let libraries = manifest.libraries, !libraries.isEmpty {
        let bundled = try bundledPluginFolder(files)
        trained.bundlesLibraries = bundled != nil
        let folders = bundled.map { [$0] } ?? []
        try LossLibraries.resolve(
          libraries, searching: folders + LossLibraries.searchFolders(savedModel: nil),
          into: &losses)
      }
      let optimizer: any Optimizer
      do {
        trained.loss = try losses.makeLoss(from: spec)
        optimizer = try registry.optimizers.makeOptimizer(
          kind: description.kind, version: description.version,
          configuration: description.configuration)
      } catch let error as LossKitError {
        throw Self.isResolution(error)
          ? ArchiveError.unresolved(path: manifestPath, problem: error.description)
          : corrupt(error.description)
      }
      let state = tensors.filter { $0.key.hasPrefix("optimizer/") }
        .reduce(into: [String: Tensor]()) { $0[String($1.key.dropFirst(10))] = $1.value }
      do {
        try optimizer.restoreState(
          state, stepCount: description.stepCount, parameters: model.parameters)
      } catch let error as LossKitError {
        throw ArchiveError.corrupt(path: weightsPath, reason: error.description)
      }
      trained.optimizer = optimizer
    }
    return trained
  }

  /// The bundled libraries of a saved model written to a private folder (named by their
  /// contents, so it is reused), or `nil` when none are bundled: `dlopen` needs files.
  static func bundledPluginFolder(_ files: ModelFiles) throws -> URL? {
    let prefix = pluginsFolder + "/"
    let bundled = files.files.filter { $0.key.hasPrefix(prefix) }
      .map { (String($0.key.dropFirst(prefix.count)), $0.value) }
      .filter { DirectoryStore.isPlainFileName($0.0) }.sorted { $0.0 < $1.0 }
    guard !bundled.isEmpty else { return nil }
    var all = Data()
    for (name, data) in bundled { all += Data(name.utf8) + SHA256Digest(of: data).bytes }
    let folder = FileManager.default.temporaryDirectory
      .appendingPathComponent("losskit-plugins-\(SHA256Digest(of: all).hex.prefix(16))")
    do {
      try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
      for (name, data) in bundled {
        let url = folder.appendingPathComponent(name)
        if FileManager.default.contents(atPath: url.path) != data {
          try data.write(to: url, options: .atomic)
        }
      }
    } catch {
      throw ArchiveError.writeFailed(path: folder.path, reason: error.localizedDescription)
    }
    return folder
  }

  /// Whether an error is about a name or version this program does not know (rather than a
  /// damaged value).
  static func isResolution(_ error: LossKitError) -> Bool {
    switch error {
    case .unknownName, .unsupportedVersion: return true
    default: return false
    }
  }

  /// Checks that the targets and the pipeline agree with the model: an output for every
  /// target set, and for configurations that list `heads` and `input` (every built-in
  /// model's), the same heads and input sizes.
  static func checkAgreement(
    _ manifest: ModelManifest, model: any Model, corrupt: (String) -> ArchiveError
  ) throws {
    for target in manifest.targets where model.outputName(forTarget: target.name) == nil {
      throw corrupt(
        "target '\(target.name)' has no output in the '\(model.kind)' model (outputs: "
          + model.outputNames.joined(separator: ", ") + ")")
    }
    let configuration = try? model.configurationJSON()
    if let heads = configuration?["heads"]?.arrayValue {
      let expected = heads.map {
        "\($0["name"]?.stringValue ?? "?"):\(Int($0["classes"]?.numberValue ?? -1))"
      }
      let found = manifest.targets.map { "\($0.name):\($0.labels.count)" }
      guard expected == found else {
        throw corrupt(
          "the targets (\(found.joined(separator: ", "))) do not match the model's heads "
            + "(\(expected.joined(separator: ", ")))")
      }
    }
    if let input = configuration?["input"] {
      let shape = manifest.pipeline.inputShape
      guard input["buckets"]?.numberValue == Double(shape.buckets),
        input["denseWidth"]?.numberValue == Double(shape.denseWidth)
      else {
        throw corrupt(
          "the pipeline gives \(shape.buckets) buckets and \(shape.denseWidth) dense features, "
            + "but the model reads \(input.compactText)")
      }
    }
  }

  /// Sets every parameter from the tensor `prefix + name`, checking shapes.
  static func load(
    _ tensors: [String: Tensor], prefix: String, into parameters: [Parameter], path: String
  ) throws {
    for (name, value) in try namedTensors(tensors, prefix: prefix, like: parameters, path: path) {
      try parameters.first { $0.name == name }!.load(value)
    }
  }

  /// The tensors `prefix + name` of every parameter, checked against its shape.
  static func namedTensors(
    _ tensors: [String: Tensor], prefix: String, like parameters: [Parameter], path: String
  ) throws -> [String: Tensor] {
    var result: [String: Tensor] = [:]
    for parameter in parameters {
      let key = prefix + parameter.name
      guard let tensor = tensors[key] else {
        throw ArchiveError.corrupt(
          path: path, reason: "tensor '\(key)' is missing; save the model again")
      }
      guard tensor.shape == parameter.value.shape else {
        throw ArchiveError.shapeMismatch(
          path: path, tensor: key, expected: parameter.value.shape, found: tensor.shape)
      }
      result[parameter.name] = tensor
    }
    return result
  }

  /// Every stored tensor with its shape, first and last value and sum, sorted by name: what
  /// `losskit inspect --weights` prints and what another reader's values can be checked
  /// against.
  ///
  /// - Throws: ``ArchiveError`` naming the file.
  public static func tensorSummaries(_ files: ModelFiles, source: String) throws
    -> [(name: String, shape: [Int], first: Float, last: Float, sum: Double)]
  {
    let manifestPath = source + "/" + manifestFile
    guard let manifestData = files[manifestFile] else {
      throw ArchiveError.missingFile(path: manifestPath)
    }
    let manifest = try self.manifest(manifestData, path: manifestPath)
    guard DirectoryStore.isPlainFileName(manifest.weightsFile),
      let data = files[manifest.weightsFile]
    else {
      throw ArchiveError.missingFile(path: source + "/" + manifest.weightsFile)
    }
    let path = source + "/" + manifest.weightsFile
    return try Safetensors.decode(data, path: path).tensors.sorted { $0.key < $1.key }.map {
      ($0.key, $0.value.shape, $0.value.scalars.first ?? 0, $0.value.scalars.last ?? 0,
       $0.value.scalars.reduce(0.0) { $0 + Double($1) })
    }
  }
}
