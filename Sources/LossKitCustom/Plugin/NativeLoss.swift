import Foundation
import LossKitCore

/// A loss provided by a native plugin: its registry name, its parameters, and the plugin's
/// functions.
///
/// Built by the registry once ``NativeLossPlugin/load(path:into:)`` registered the plugin.
/// Saved models store it by name and parameters like any other loss, and its
/// ``provenance`` (library file name, SHA-256, ABI version) so that
/// ``LossLibraries/resolve(_:searching:into:)`` can find the same library again. Loading for
/// inference needs no plugin.
public struct NativeLoss: LibraryLoss, Equatable {
  /// Never registered itself: values report the plugin's name.
  public static let name = "native"
  /// The parameter version.
  public static let version = 1
  /// One line for documentation.
  public static let summary = "a loss defined by a native plugin"

  /// The loss's parameters (a JSON object).
  public var parameters: JSONValue
  let implementation: NativeLossImplementation?

  /// An unbound value (evaluating it throws).
  public init() {
    parameters = .object([:])
    implementation = nil
  }

  /// A plugin loss with parameters (defaults filled in), validated by the plugin.
  ///
  /// - Throws: ``LossKitCore/LossKitError/invalidParameter(loss:name:reason:)`` when the
  ///   plugin rejects them, or ``LossKitCore/LossKitError/invalidSpec(_:)`` when they are not
  ///   a JSON object.
  init(implementation: NativeLossImplementation, parameters: JSONValue) throws {
    guard let given = parameters.objectValue else {
      throw LossKitError.invalidSpec(
        "the parameters of '\(implementation.name)' must be a JSON object, got "
          + parameters.compactText)
    }
    var merged = implementation.defaults.objectValue ?? [:]
    for (key, value) in given { merged[key] = value }
    self.parameters = .object(merged)
    self.implementation = implementation
    if let validate = implementation.validate {
      var message = [CChar](repeating: 0, count: 512)
      let status = self.parameters.compactText.withCString { text in
        validate(implementation.context, text, &message, message.count)
      }
      guard status == 0 else {
        throw LossKitError.invalidParameter(
          loss: implementation.name, name: "parameters", reason: messageText(message))
      }
    }
  }

  /// The plugin's name for this loss.
  public var registryName: String { implementation?.name ?? Self.name }
  /// The plugin's version for this loss.
  public var registryVersion: Int { implementation?.version ?? Self.version }
  /// The outputs the plugin reads (`logits` for ABI 1 plugins).
  public var outputNames: Set<String> { Set(implementation?.outputs ?? ["logits"]) }
  /// The target set the plugin reads (`labels` for ABI 1 plugins).
  public var targetNames: Set<String> { [implementation?.targets ?? "labels"] }
  /// The plugin library's file name, SHA-256 and ABI version.
  public var provenance: LossProvenance? { implementation?.provenance }
  /// The absolute path the plugin was loaded from.
  public var libraryPath: String? { implementation?.path }
  /// The oldest parameter version the plugin still reads for this loss.
  public var minimumVersion: Int { implementation?.minimumVersion ?? Self.version }

  /// Same name and parameters.
  public static func == (a: NativeLoss, b: NativeLoss) -> Bool {
    a.registryName == b.registryName && a.parameters == b.parameters
  }

  /// Encodes the parameters.
  public func encode(to encoder: any Encoder) throws { try parameters.encode(to: encoder) }

  /// Decodes parameters without a plugin (only the registry binds one).
  public init(from decoder: any Decoder) throws {
    parameters = try JSONValue(from: decoder)
    implementation = nil
  }

  /// Calls the plugin's evaluate with checked inputs and adds `scale` × its gradient, once
  /// the value and every gradient element are known to be finite.
  ///
  /// - Throws: ``LossKitCore/LossKitError/invalidSpec(_:)`` when no plugin is bound; the usual
  ///   shape, label and non-finite input errors; ``NativePluginError`` naming the plugin and
  ///   the loss when it reports an error or returns a non-finite value or gradient (the
  ///   buffers are then unchanged).
  public func evaluate(
    _ outputs: [String: Tensor], _ targets: [String: Targets], scale: Float,
    gradients: inout GradientBuffers
  ) throws -> LossValue {
    guard let implementation else {
      throw LossKitError.invalidSpec(
        "this native loss is not bound to a plugin; load the plugin and build the loss "
          + "through its registry")
    }
    let (value, results) =
      switch implementation.evaluate {
      case .v1(let function):
        try evaluateV1(function, implementation, outputs, targets)
      case .v2(let function):
        try evaluateV2(function, implementation, outputs, targets)
      }
    guard value.isFinite else {
      throw NativePluginError.nonFiniteResult(
        plugin: implementation.plugin, loss: implementation.name, what: "the value \(value)")
    }
    for (name, result) in results {
      if let bad = result.gradient.firstIndex(where: { !$0.isFinite }) {
        throw NativePluginError.nonFiniteResult(
          plugin: implementation.plugin, loss: implementation.name,
          what: "\(result.gradient[bad]) in the gradient of '\(name)' at flat index \(bad)")
      }
    }
    for (name, result) in results {
      gradients.write(name, shape: result.shape) { gradient, accumulate in
        for index in 0..<gradient.count {
          let g = scale * result.gradient[index]
          gradient[index] = accumulate ? gradient[index] + g : g
        }
      }
    }
    return LossValue(value)
  }

  /// The gradient a plugin wrote for one output, not yet applied.
  struct PendingGradient {
    var shape: [Int]
    var gradient: [Float]
  }

  /// The named output, checked to be finite.
  func finiteOutput(_ name: String, in outputs: [String: Tensor]) throws -> Tensor {
    let tensor = try output(name, in: outputs)
    if let bad = tensor.scalars.firstIndex(where: { !$0.isFinite }) {
      throw LossKitError.nonFiniteInput(loss: registryName, input: "output '\(name)'", index: bad)
    }
    return tensor
  }
}

/// The text of a NUL-terminated message buffer a plugin filled.
func messageText(_ buffer: [CChar]) -> String {
  String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
