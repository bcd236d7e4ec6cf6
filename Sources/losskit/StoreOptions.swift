import ArgumentParser
import Foundation
import LossKit
import LossKitRedis

/// A saved model and the data to run it on.
struct ModelDataOptions: ParsableArguments {
  @Option(
    name: .long,
    help:
      "The model: a name in the store, a folder path (containing '/'), a single-file model, or redis://HOST:PORT[/DB]/NAME."
  )
  var model: String

  @Option(
    name: .long,
    help:
      "Data: .ann, .txt (predict only: every non-blank line) or CSV files, directories or globs (repeatable)."
  )
  var data: [String]
}

/// Where named models live, and native loss plugins to load first.
struct StoreOptions: ParsableArguments {
  @Option(
    name: .long, help: "Model store: a directory, or redis://[[USER]:PASSWORD@]HOST[:PORT][/DB].")
  var store: Setting<String> = .unset(description: "$LOSSKIT_MODELS, else ~/.losskit/models")

  @Option(
    name: .long,
    help:
      "The key prefix of models in a Redis store ('skol:classifier:model:' keeps the seed's keys).")
  var prefix: String = RedisModelStore.defaultPrefix

  @Option(
    name: .long,
    help:
      "Seconds until models saved in a Redis store expire (every key of a model together). (default: never)"
  )
  var expiry: Double?

  @Option(
    name: .long,
    help: "A native loss plugin (shared library) to load before resolving losses (repeatable).")
  var plugin: [String] = []

  @Option(
    name: .long,
    help: ArgumentHelp(
      "A C function as an element-wise loss, 'LIBRARY:double NAME(double prediction, double target, double margin=1)'; its derivative is NAME_grad (repeatable).",
      valueName: "declaration"))
  var foreign: [String] = []

  func validate() throws {
    if let expiry, !(expiry > 0 && expiry.isFinite) {
      throw ValidationError("--expiry \(expiry) must be a positive number of seconds")
    }
  }

  /// How long saved models live in a Redis store.
  private var expiryDuration: Duration? {
    expiry.map { .milliseconds(Int64(($0 * 1000).rounded(.up))) }
  }

  /// The store models are saved in and loaded from by name.
  ///
  /// - Throws: ``RedisError/invalidURL(_:reason:)`` for an unusable `redis://` URL, or an
  ///   error for `--expiry` with a directory store.
  func modelStore() throws -> any ModelStore {
    try ModelStores.store(at: store.value, redisPrefix: prefix, expiry: expiryDuration)
  }

  /// The model a `NAME_OR_PATH` argument names (see ``ModelSource``).
  ///
  /// - Throws: ``ArchiveError/invalidName(_:)`` for an unusable name, URL errors.
  func source(_ nameOrPath: String) throws -> ModelSource {
    try ModelSource(
      nameOrPath, store: { try modelStore() }, redisPrefix: prefix, expiry: expiryDuration)
  }

  /// The store and name a model is saved to: a name in the store, a folder path, or
  /// `redis://HOST:PORT[/DB]/NAME`.
  ///
  /// - Throws: As ``source(_:)``, and a `ValidationError` for an existing file.
  func locate(_ nameOrPath: String) throws -> (store: any ModelStore, name: String) {
    switch try source(nameOrPath) {
    case .stored(let store, let name): return (store, name)
    case .file(let url):
      throw ValidationError(
        "\(url.path) is a file; save to a folder path, a name in the store or a redis:// URL "
          + "(single-file models are written by `losskit export SOURCE FILE --single-file`)")
    }
  }

  /// The standard registry plus every plugin's and foreign function's losses.
  func registry() throws -> Registry {
    var registry = Registry.standard
    for path in plugin { _ = try NativeLossPlugin.load(path: path, into: &registry.losses) }
    for declaration in foreign { try ForeignLoss.register(declaration, into: &registry.losses) }
    return registry
  }

  /// Loads a model by name, path or URL.
  func load(_ nameOrPath: String, for purpose: LoadPurpose) throws -> TrainedModel {
    try source(nameOrPath).load(registry: try registry(), for: purpose)
  }
}
