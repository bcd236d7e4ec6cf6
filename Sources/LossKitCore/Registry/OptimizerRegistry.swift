/// A table from optimizer name to the ``Optimizer`` type that builds it from a saved
/// configuration.
public typealias OptimizerRegistry = KindRegistry<any Optimizer>

extension KindRegistry where Product == any Optimizer {
  /// An empty optimizer registry.
  public init() { self.init(kind: .optimizer) }

  /// Registers an optimizer type under its ``Registrable/name``.
  ///
  /// - Throws: ``LossKitError/duplicateName(_:_:)`` when the name is taken.
  public mutating func register<O: Optimizer>(_ type: O.Type) throws {
    try add(
      O.self, defaults: try JSONValue(encoding: O.defaultConfiguration),
      decoding: O.Configuration.self
    ) { try O($0) }
  }

  /// An optimizer of a saved kind, version and configuration.
  ///
  /// - Throws: ``LossKitError/unknownName(_:_:registered:)``,
  ///   ``LossKitError/unsupportedVersion(_:_:found:supported:)``, or the optimizer's own
  ///   validation errors.
  public func makeOptimizer(kind: String, version: Int, configuration: JSONValue) throws
    -> any Optimizer
  {
    try make(named: kind, version: version, parameters: configuration)
  }
}
