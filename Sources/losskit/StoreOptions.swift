import ArgumentParser
import Foundation
import LossKit

/// A saved model and the data to run it on.
struct ModelDataOptions: ParsableArguments {
  @Option(name: .long, help: "The model: a name in the store, or a folder path (containing '/').")
  var model: String

  @Option(name: .long, help: "Data: .ann, .txt (predict only: every non-blank line) or CSV files, directories or globs (repeatable).")
  var data: [String]
}

/// Where named models live, and native loss plugins to load first.
struct StoreOptions: ParsableArguments {
  @Option(name: .long, help: "Model store: a directory.")
  var store: Setting<String> = .unset(description: "$LOSSKIT_MODELS, else ~/.losskit/models")

  @Option(name: .long, help: "A native loss plugin (shared library) to load before resolving losses (repeatable).")
  var plugin: [String] = []

  @Option(name: .long, help: ArgumentHelp(
    "A C function as an element-wise loss, 'LIBRARY:double NAME(double prediction, double target, double margin=1)'; its derivative is NAME_grad (repeatable).",
    valueName: "declaration"))
  var foreign: [String] = []

  /// The store models are saved in and loaded from by name.
  var modelStore: any ModelStore {
    DirectoryStore(directory: store.value.map { URL(fileURLWithPath: $0) })
  }

  /// The store and name a `NAME_OR_PATH` argument points at: a value containing `/` is a
  /// folder path (its parent is a directory store), otherwise a name in ``modelStore``.
  ///
  /// - Throws: ``ArchiveError/invalidName(_:)`` for an unusable name.
  func locate(_ nameOrPath: String) throws -> (store: any ModelStore, name: String) {
    guard nameOrPath.contains("/") else {
      guard ModelName.isValid(nameOrPath) else { throw ArchiveError.invalidName(nameOrPath) }
      return (modelStore, nameOrPath)
    }
    let url = URL(fileURLWithPath: nameOrPath).standardizedFileURL
    let name = url.lastPathComponent
    guard ModelName.isValid(name) else { throw ArchiveError.invalidName(nameOrPath) }
    return (DirectoryStore(directory: url.deletingLastPathComponent()), name)
  }

  /// The standard registry plus every plugin's and foreign function's losses.
  func registry() throws -> Registry {
    var registry = Registry.standard
    for path in plugin { _ = try NativeLossPlugin.load(path: path, into: &registry.losses) }
    for declaration in foreign { try ForeignLoss.register(declaration, into: &registry.losses) }
    return registry
  }

  /// Loads a model by name or path.
  func load(_ nameOrPath: String, for purpose: LoadPurpose) throws -> TrainedModel {
    let (store, name) = try locate(nameOrPath)
    return try store.load(named: name, registry: try registry(), for: purpose)
  }
}
