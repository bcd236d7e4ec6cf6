/// Every registered loss, model kind and optimizer: what a saved model's names resolve
/// through.
///
/// The `LossKit` module's `Registry.standard` holds every built-in; copy it and register your
/// own types in one line each:
///
/// ```swift
/// var registry = Registry.standard
/// try registry.register(HingeLoss.self)      // a Loss
/// try registry.register(TinyTagger.self)     // a Model
/// try registry.register(Lion.self)           // an Optimizer
/// let trained = try store.load(named: "tagger", registry: registry, for: .training)
/// ```
public struct Registry: Sendable {
  /// The losses.
  public var losses: LossRegistry
  /// The model kinds.
  public var models: ModelRegistry
  /// The optimizers.
  public var optimizers: OptimizerRegistry

  /// A registry with only what the core provides (the composite loss).
  public init() {
    losses = LossRegistry()
    models = ModelRegistry()
    optimizers = OptimizerRegistry()
  }

  /// Registers a loss type.
  ///
  /// - Throws: ``LossKitError/duplicateName(_:_:)`` when the name is taken.
  public mutating func register<L: Loss>(_ type: L.Type) throws { try losses.register(type) }

  /// Registers a model type.
  ///
  /// - Throws: ``LossKitError/duplicateName(_:_:)`` when the kind is taken.
  public mutating func register<M: Model>(_ type: M.Type) throws { try models.register(type) }

  /// Registers an optimizer type.
  ///
  /// - Throws: ``LossKitError/duplicateName(_:_:)`` when the name is taken.
  public mutating func register<O: Optimizer>(_ type: O.Type) throws {
    try optimizers.register(type)
  }
}
