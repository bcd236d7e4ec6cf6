/// An optimizer: updates parameters from their gradients, with state that can be saved;
/// registered by name.
///
/// ```swift
/// final class Lion: Optimizer {
///   static let name = "lion"
///   static let version = 1
///   static let summary = "sign of interpolated momentum"
///   struct Configuration: Codable, Sendable { var learningRate = 1e-4; var beta = 0.9 }
///   static let defaultConfiguration = Configuration()
///   …
/// }
/// try registry.register(Lion.self)
/// ```
public protocol Optimizer: AnyObject, Registrable {
  /// The hyper-parameters (learning rate, betas, …).
  associatedtype Configuration: Codable & Sendable

  /// The configuration with the optimizer's defaults (`losskit kinds` shows it; options
  /// given on the command line override its fields).
  static var defaultConfiguration: Configuration { get }

  /// The configuration the optimizer was built with, with the current learning rate.
  var configuration: Configuration { get }

  /// An optimizer with no state yet.
  ///
  /// - Throws: ``LossKitError/invalidParameter(loss:name:reason:)`` for values outside their
  ///   range.
  init(_ configuration: Configuration) throws

  /// The learning rate (may be changed between steps by a schedule).
  var learningRate: Double { get set }
  /// Steps taken so far.
  var stepCount: Int { get }

  /// Applies one update to `parameters` from their current gradients.
  func step(_ parameters: [Parameter])

  /// The per-parameter state tensors (moments, velocities) by `parameterName.stateName`,
  /// for saving.
  func stateTensors() -> [String: Tensor]

  /// Restores state saved by ``stateTensors()``.
  ///
  /// - Throws: ``LossKitError/shapeMismatch(_:expected:actual:)`` when a tensor does not fit.
  func restoreState(_ tensors: [String: Tensor], stepCount: Int, parameters: [Parameter]) throws
}

extension Optimizer {
  /// The kind saved in a manifest: the type's ``Registrable/name``.
  public var kind: String { Self.name }

  /// The configuration as JSON, as a saved model records it.
  ///
  /// - Throws: An encoding error (never for the built-in optimizers).
  public func configurationJSON() throws -> JSONValue { try JSONValue(encoding: configuration) }
}
