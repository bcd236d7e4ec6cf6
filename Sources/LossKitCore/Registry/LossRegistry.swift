import Foundation

/// A table from loss name to the type that decodes it: how a saved model finds its loss.
///
/// Built-in losses register from their plugin modules (the `LossKit` module's
/// `LossRegistry.standard` holds all of them); register your own type in one line. A name
/// that is already taken is an error, never a silent replacement.
///
/// ```swift
/// var registry = LossRegistry.standard
/// try registry.register(HingeLoss.self)
/// let loss = try registry.makeLoss(from: savedSpec)
/// ```
public typealias LossRegistry = KindRegistry<any Loss>

extension KindRegistry where Product == any Loss {
  /// A registry holding only ``CompositeLoss``, which the core itself provides.
  public init() {
    self.init(kind: .loss)
    do {
      try register(CompositeLoss.self)
    } catch {
      preconditionFailure("registering the composite loss failed: \(error)")
    }
  }

  /// Registers a loss type under its ``Registrable/name``.
  ///
  /// - Throws: ``LossKitError/duplicateName(_:_:)`` when the name is taken, or
  ///   ``LossKitError/invalidSpec(_:)`` for a name a loss expression could not spell.
  public mutating func register<L: Loss>(_ type: L.Type) throws {
    try add(
      L.self, defaults: try JSONValue(encoding: L()), decoding: L.self,
      userInfo: { registry in [.lossRegistry: registry] }, build: { $0 })
  }

  /// Registers a loss defined at run time (a native plugin's) by name, with a function that
  /// builds it from saved parameters.
  ///
  /// - Throws: ``LossKitError/duplicateName(_:_:)`` or ``LossKitError/invalidSpec(_:)`` for a
  ///   name a loss expression could not spell.
  public mutating func register(
    name: String, version: Int, minimumVersion: Int? = nil, summary: String,
    defaults: JSONValue, decode: @escaping @Sendable (JSONValue) throws -> any Loss
  ) throws {
    try add(
      Entry(
        name: name, version: version, minimumVersion: minimumVersion ?? version,
        summary: summary, defaults: defaults, make: { parameters, _ in try decode(parameters) }))
  }

  /// Rebuilds a loss from its spec.
  ///
  /// - Throws: ``LossKitError/unknownName(_:_:registered:)`` listing the registered names,
  ///   ``LossKitError/unsupportedVersion(_:_:found:supported:)``, or
  ///   ``LossKitError/invalidSpec(_:)`` when the parameters do not decode.
  public func makeLoss(from spec: LossSpec) throws -> any Loss {
    try make(named: spec.name, version: spec.version, parameters: spec.parameters)
  }

  /// Builds a loss by name with its default parameters, overridden by `parameters`.
  ///
  /// Keys the loss does not have are an error, so a typo never goes unnoticed.
  ///
  /// - Throws: ``LossKitError/unknownName(_:_:registered:)`` or
  ///   ``LossKitError/unknownParameter(_:_:parameter:known:)``.
  public func makeLoss(named name: String, parameters: [String: JSONValue] = [:]) throws
    -> any Loss
  {
    try make(named: name, parameters: parameters)
  }
}

extension CodingUserInfoKey {
  /// The key under which a decoder finds the ``LossRegistry`` that resolves nested losses.
  public static let lossRegistry = CodingUserInfoKey(rawValue: "losskit.lossRegistry")!
}
