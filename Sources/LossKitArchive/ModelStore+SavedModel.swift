import Foundation
import LossKitCore
import LossKitTraining

extension ModelStore {
  /// Saves a trained model under a name, replacing any model of that name atomically;
  /// `bundlePlugins` stores the libraries of native and foreign losses with it.
  ///
  /// - Throws: ``ArchiveError``.
  public func save(_ trained: TrainedModel, named name: String, bundlePlugins: Bool = false)
    throws
  {
    try write(try SavedModel.encode(trained, bundlePlugins: bundlePlugins), named: name)
  }

  /// Loads a named model (see ``SavedModel/decode(_:source:registry:for:)``).
  ///
  /// - Throws: ``ArchiveError/notFound(name:store:available:)`` listing the stored names,
  ///   and the errors of decoding.
  public func load(named name: String, registry: Registry, for purpose: LoadPurpose) throws
    -> TrainedModel
  {
    try SavedModel.decode(
      try read(named: name), source: "\(location)/\(name)", registry: registry, for: purpose)
  }

  /// The manifest of a named model, without reading its weights.
  ///
  /// - Throws: ``ArchiveError`` naming the model.
  public func manifest(named name: String) throws -> ModelManifest {
    try SavedModel.manifest(
      try readFile(SavedModel.manifestFile, of: name),
      path: "\(location)/\(name)/\(SavedModel.manifestFile)")
  }
}
