/// A table from model kind to the ``Model`` type that builds it from a saved configuration.
///
/// ```swift
/// var registry = Registry.standard
/// try registry.register(TinyTagger.self)
/// let model = try registry.models.makeModel(kind: "tiny", version: 1, configuration: json)
/// ```
public typealias ModelRegistry = KindRegistry<any Model>

extension KindRegistry where Product == any Model {
  /// An empty model registry.
  public init() { self.init(kind: .model) }

  /// Registers a model type under its ``Registrable/name``; its defaults are the
  /// ``Model/defaultConfiguration`` when it has one.
  ///
  /// - Throws: ``LossKitError/duplicateName(_:_:)`` when the kind is taken.
  public mutating func register<M: Model>(_ type: M.Type) throws {
    let defaults = try M.defaultConfiguration.map { try JSONValue(encoding: $0) } ?? .null
    try add(M.self, defaults: defaults, decoding: M.Configuration.self) { configuration in
      if let budget = ParameterBudget.current, let count = M.parameterCount(of: configuration),
        count > budget
      {
        throw LossKitError.invalidParameter(
          loss: M.name, name: "configuration",
          reason: "it describes \(count) parameters, but the weights hold at most \(budget)")
      }
      return try M(configuration)
    }
  }

  /// A freshly initialised model of a saved kind, version and configuration, validated by
  /// the model's own throwing initialiser.
  ///
  /// - Throws: ``LossKitError/unknownName(_:_:registered:)`` for an unknown kind,
  ///   ``LossKitError/unsupportedVersion(_:_:found:supported:)``, or the model's own
  ///   validation errors.
  public func makeModel(kind: String, version: Int, configuration: JSONValue) throws
    -> any Model
  {
    try make(named: kind, version: version, parameters: configuration)
  }

  /// A model of a saved configuration, refused before anything is allocated when its type
  /// can count its parameters (``Model/parameterCount(of:)``) and they exceed `budget` (the
  /// values the weights file can hold), so a damaged manifest cannot size memory.
  ///
  /// - Throws: As ``makeModel(kind:version:configuration:)``, and
  ///   ``LossKitError/invalidParameter(loss:name:reason:)`` over the budget.
  public func makeModel(
    kind: String, version: Int, configuration: JSONValue, parameterBudget budget: Int
  ) throws -> any Model {
    try ParameterBudget.$current.withValue(budget) {
      try makeModel(kind: kind, version: version, configuration: configuration)
    }
  }
}

/// The most parameters a model being loaded may have, for the registry's builders.
enum ParameterBudget {
  @TaskLocal static var current: Int?
}
