/// A trainable model with named outputs, registered by kind.
///
/// `forward` maps a ``FeatureBatch`` to named outputs (`logits`, `embeddings`, one
/// `logits_<head>` per classification head, …); in training mode it caches what `backward`
/// needs. `backward` takes the loss gradient for each output and adds the parameter
/// gradients. Models are deterministic given their configuration: initialisation and dropout
/// draw from a ``SeededGenerator`` whose state is part of the model.
///
/// A model is rebuilt from its ``configuration`` by its throwing initialiser, which
/// validates it by the same rules whether the configuration is new or read from a saved
/// model. Register the type in one line and saved models of it reload by name:
///
/// ```swift
/// final class TinyTagger: Model {
///   static let name = "tiny-tagger"
///   static let version = 1
///   static let summary = "one linear layer per head"
///   struct Configuration: Codable, Sendable { var inputs: Int; var heads: [String: Int] }
///   let configuration: Configuration
///   init(_ configuration: Configuration) throws { … }
///   …
/// }
/// try registry.register(TinyTagger.self)
/// ```
public protocol Model: AnyObject, Registrable {
  /// What rebuilds an untrained model of the same shape: sizes, heads, seed.
  associatedtype Configuration: Codable & Sendable

  /// The configuration the model was built with.
  var configuration: Configuration { get }

  /// A freshly initialised model.
  ///
  /// - Throws: ``LossKitError/invalidParameter(loss:name:reason:)`` (or another
  ///   ``LossKitError``) for a configuration the model cannot be built from.
  init(_ configuration: Configuration) throws

  /// A configuration to show as the kind's defaults in `losskit kinds`, or `nil` when every
  /// size comes from the data (the default).
  static var defaultConfiguration: Configuration? { get }

  /// The number of trainable values a model of `configuration` has, computed without building
  /// it, or `nil` when unknown (the default). Loaders compare it with the weights file before
  /// allocating anything.
  static func parameterCount(of configuration: Configuration) -> Int?

  /// Whether the model reads windows of consecutive rows (``FeatureBatch/sequence``) rather
  /// than one row at a time (default `false`).
  static var readsSequences: Bool { get }

  /// Every parameter, in a stable order.
  var parameters: [Parameter] { get }
  /// The names of the outputs `forward` produces.
  var outputNames: [String] { get }
  /// The random state used by dropout, saved so training resumes exactly.
  var random: SeededGenerator { get set }

  /// The output holding the logits for the named target set, or `nil` when the model has
  /// none. The default answers `logits` for a model whose only head is that target set (or
  /// that has no per-head outputs), else `logits_<target>` when the model produces it.
  func outputName(forTarget target: String) -> String?

  /// Computes the outputs; `training` enables dropout and caches activations.
  ///
  /// - Throws: ``LossKitError`` when the batch does not fit the model.
  func forward(_ batch: FeatureBatch, training: Bool) throws -> [String: Tensor]

  /// Adds the parameter gradients for the last training-mode `forward`.
  ///
  /// - Parameter outputGradients: The loss gradient for each output (missing outputs count as
  ///   zero).
  /// - Throws: ``LossKitError`` when no training-mode forward preceded the call.
  func backward(_ outputGradients: [String: Tensor]) throws
}

extension Model {
  /// No defaults: the sizes come from the data.
  public static var defaultConfiguration: Configuration? { nil }

  /// One row at a time.
  public static var readsSequences: Bool { false }

  /// Unknown.
  public static func parameterCount(of configuration: Configuration) -> Int? { nil }

  /// `logits` for a lone head (or no per-head outputs), else `logits_<target>`.
  public func outputName(forTarget target: String) -> String? {
    let names = outputNames
    let perHead = names.filter { $0.hasPrefix("logits_") }
    if names.contains("logits"), perHead.isEmpty || perHead == ["logits_\(target)"] {
      return "logits"
    }
    return names.contains("logits_\(target)") ? "logits_\(target)" : nil
  }

  /// The kind saved in a manifest: the type's ``Registrable/name``.
  public var kind: String { Self.name }

  /// The configuration as JSON, as a saved model records it.
  ///
  /// - Throws: An encoding error (never for the built-in models).
  public func configurationJSON() throws -> JSONValue { try JSONValue(encoding: configuration) }

  /// Zeroes every parameter's gradient.
  public func zeroGradients() {
    for parameter in parameters { parameter.zeroGradient() }
  }

  /// The total number of trainable values.
  public var parameterCount: Int { parameters.reduce(0) { $0 + $1.value.count } }
}
