/// A type that a ``Registry`` can save and rebuild by name: a loss, a model kind or an
/// optimizer.
///
/// The name is what a saved model records; the version is the version of the saved
/// parameters or configuration. Raise ``version`` when their meaning changes, and either keep
/// reading the old form (lower ``minimumVersion`` and translate it in
/// ``upgrade(_:from:)``) or let old saves fail with a clear error.
public protocol Registrable: SendableMetatype {
  /// The name the type is saved and looked up by, such as `"focal"` or `"bilstm"`.
  static var name: String { get }
  /// The version of the saved parameters or configuration.
  static var version: Int { get }
  /// The oldest saved version this type still reads (defaults to ``version``).
  static var minimumVersion: Int { get }
  /// One line describing the type, shown by `losskit kinds`.
  static var summary: String { get }

  /// Translates parameters saved at an older `version` (at least ``minimumVersion``) into
  /// the current form; the default returns them unchanged.
  ///
  /// - Throws: ``LossKitError/invalidSpec(_:)`` when the old parameters cannot be read.
  static func upgrade(_ parameters: JSONValue, from version: Int) throws -> JSONValue
}

extension Registrable {
  /// The oldest readable version: by default only the current ``version``.
  public static var minimumVersion: Int { version }

  /// Returns the parameters unchanged.
  public static func upgrade(_ parameters: JSONValue, from version: Int) throws -> JSONValue {
    parameters
  }
}

/// The three kinds of things a ``Registry`` holds, for messages.
public enum RegistryKind: String, Sendable, Equatable, CaseIterable, Codable {
  /// Losses (``Loss``).
  case loss
  /// Model kinds (``Model``).
  case model
  /// Optimizers (``Optimizer``).
  case optimizer

  /// How a message names one of them: `loss`, `model kind`, `optimizer`.
  public var noun: String {
    switch self {
    case .loss: return "loss"
    case .model: return "model kind"
    case .optimizer: return "optimizer"
    }
  }

  /// What a user does to make an unknown name known.
  public var howToRegister: String {
    switch self {
    case .loss:
      return "make it known in one of three ways: register a Swift type with "
        + "`registry.register(MyLoss.self)` before loading, load a native plugin with "
        + "`--plugin PATH` (or `NativeLossPlugin.load`), or declare a C function with "
        + "`--foreign 'LIBRARY:double NAME(double prediction, double target)'`"
    case .model:
      return "register yours with `registry.register(MyModel.self)` before loading"
    case .optimizer:
      return "register yours with `registry.register(MyOptimizer.self)` before loading"
    }
  }
}
