import CLossKitPlugin
import Foundation
import LossKitCore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Errors loading a native loss plugin.
public enum NativePluginError: Error, Sendable, Equatable, CustomStringConvertible, LocalizedError {
  /// The library cannot be opened (missing file, wrong architecture, missing dependency).
  case cannotOpen(path: String, reason: String)
  /// The library lacks a required function.
  case missingEntryPoint(path: String, symbol: String)
  /// The library was built against another ABI version.
  case abiMismatch(path: String, plugin: Int, host: Int)
  /// The plugin reported a failure while registering.
  case registrationFailed(path: String, reason: String)

  /// The problem and what to do.
  public var description: String {
    switch self {
    case .cannotOpen(let path, let reason):
      return "cannot load the plugin \(path): \(reason); check the path and that it is a shared library built for this machine"
    case .missingEntryPoint(let path, let symbol):
      return "\(path) is not a LossKit plugin: it does not export \(symbol)(); see docs/plugins.md"
    case .abiMismatch(let path, let plugin, let host):
      return "\(path) was built for plugin ABI \(plugin), but this LossKit uses ABI \(host); rebuild it against Sources/CLossKitPlugin/include/losskit_plugin.h"
    case .registrationFailed(let path, let reason):
      return "\(path) failed to register its losses: \(reason)"
    }
  }

  /// The same text as ``description``.
  public var errorDescription: String? { description }
}

/// Loads shared libraries that register losses through the C ABI in
/// `Sources/CLossKitPlugin/include/losskit_plugin.h`.
///
/// The ABI's function types are fixed, so Swift calls them directly as `@convention(c)`
/// function pointers; no call needs building at run time, hence no libffi.
///
/// ```swift
/// var registry = LossRegistry.standard
/// let names = try NativeLossPlugin.load(path: "libbrier.so", into: &registry)
/// ```
public enum NativeLossPlugin {
  /// The ABI version this build speaks.
  public static let abiVersion = Int(LOSSKIT_PLUGIN_ABI_VERSION)

  /// Loads a plugin and registers its losses; returns their names.
  ///
  /// - Throws: ``NativePluginError`` for a missing or unloadable file, a missing entry point,
  ///   an ABI mismatch or a failed registration; ``LossKitError/duplicateLossName(_:)`` when a
  ///   name is taken.
  @discardableResult
  public static func load(path: String, into registry: inout LossRegistry) throws -> [String] {
    guard FileManager.default.fileExists(atPath: path) else {
      throw NativePluginError.cannotOpen(path: path, reason: "no such file")
    }
    guard let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL) else {
      throw NativePluginError.cannotOpen(path: path, reason: String(cString: dlerror()))
    }
    guard let versionSymbol = dlsym(handle, "losskit_plugin_abi_version") else {
      throw NativePluginError.missingEntryPoint(path: path, symbol: "losskit_plugin_abi_version")
    }
    guard let registerSymbol = dlsym(handle, "losskit_plugin_register") else {
      throw NativePluginError.missingEntryPoint(path: path, symbol: "losskit_plugin_register")
    }
    typealias VersionFunction = @convention(c) () -> Int32
    typealias RegisterFunction = @convention(c) (UnsafePointer<losskit_host>?) -> Int32
    let version = Int(unsafeBitCast(versionSymbol, to: VersionFunction.self)())
    guard version == abiVersion else {
      throw NativePluginError.abiMismatch(path: path, plugin: version, host: abiVersion)
    }
    let collector = Collector(path: path)
    let retained = Unmanaged.passRetained(collector)
    defer { retained.release() }
    var host = losskit_host(
      abi_version: LOSSKIT_PLUGIN_ABI_VERSION, context: retained.toOpaque(),
      register_loss: { context, definition in
        guard let context, let definition else { return 1 }
        return Unmanaged<Collector>.fromOpaque(context).takeUnretainedValue().add(definition.pointee)
      })
    let status = withUnsafePointer(to: &host) { unsafeBitCast(registerSymbol, to: RegisterFunction.self)($0) }
    if let problem = collector.problem {
      throw NativePluginError.registrationFailed(path: path, reason: problem)
    }
    guard status == 0 else {
      throw NativePluginError.registrationFailed(path: path, reason: "losskit_plugin_register returned \(status)")
    }
    for implementation in collector.implementations {
      try registry.register(
        name: implementation.name, version: implementation.version, summary: implementation.summary,
        defaults: implementation.defaults,
        decode: { parameters in try NativeLoss(implementation: implementation, parameters: parameters) })
    }
    return collector.implementations.map(\.name)
  }

  /// Gathers definitions during `losskit_plugin_register`.
  final class Collector {
    let path: String
    var implementations: [NativeLossImplementation] = []
    var problem: String?

    init(path: String) { self.path = path }

    func add(_ definition: losskit_loss_definition) -> Int32 {
      guard let name = definition.name.map({ String(cString: $0) }), !name.isEmpty,
        let evaluate = definition.evaluate
      else {
        problem = "a definition lacks a name or an evaluate function"
        return 1
      }
      let defaultsText = definition.default_parameters.map { String(cString: $0) } ?? "{}"
      guard let defaults = try? JSONDecoder().decode(JSONValue.self, from: Data(defaultsText.utf8)),
        defaults.objectValue != nil
      else {
        problem = "the default parameters of '\(name)' are not a JSON object: \(defaultsText)"
        return 1
      }
      implementations.append(
        NativeLossImplementation(
          name: name, version: Int(definition.version),
          summary: definition.summary.map { String(cString: $0) } ?? "native loss from \(path)",
          defaults: defaults, validate: definition.validate, evaluate: evaluate,
          context: definition.context, path: path))
      return 0
    }
  }
}

/// A plugin loss's function pointers and metadata; lives as long as the process (plugins
/// are never unloaded), which is what makes sharing it between threads safe.
public final class NativeLossImplementation: @unchecked Sendable {
  let name: String
  let version: Int
  let summary: String
  let defaults: JSONValue
  let validate: (@convention(c) (UnsafeMutableRawPointer?, UnsafePointer<CChar>?, UnsafeMutablePointer<CChar>?, Int) -> Int32)?
  let evaluate: @convention(c) (UnsafeMutableRawPointer?, UnsafePointer<CChar>?, UnsafePointer<losskit_batch>?, UnsafeMutablePointer<Double>?, UnsafeMutablePointer<Float>?, UnsafeMutablePointer<CChar>?, Int) -> Int32
  let context: UnsafeMutableRawPointer?
  let path: String

  init(
    name: String, version: Int, summary: String, defaults: JSONValue,
    validate: (@convention(c) (UnsafeMutableRawPointer?, UnsafePointer<CChar>?, UnsafeMutablePointer<CChar>?, Int) -> Int32)?,
    evaluate: @escaping @convention(c) (UnsafeMutableRawPointer?, UnsafePointer<CChar>?, UnsafePointer<losskit_batch>?, UnsafeMutablePointer<Double>?, UnsafeMutablePointer<Float>?, UnsafeMutablePointer<CChar>?, Int) -> Int32,
    context: UnsafeMutableRawPointer?, path: String
  ) {
    self.name = name
    self.version = version
    self.summary = summary
    self.defaults = defaults
    self.validate = validate
    self.evaluate = evaluate
    self.context = context
    self.path = path
  }
}

/// A loss provided by a native plugin: its registry name, its parameters, and the plugin's
/// functions. Saved models store it by name like any other loss; loading one needs the
/// plugin loaded first (`--plugin PATH`), or loading for inference only.
public struct NativeLoss: Loss, Equatable {
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
  /// - Throws: ``LossKitError/invalidParameter(loss:name:reason:)`` when the plugin rejects
  ///   them.
  init(implementation: NativeLossImplementation, parameters: JSONValue) throws {
    var merged = implementation.defaults.objectValue ?? [:]
    for (key, value) in parameters.objectValue ?? [:] { merged[key] = value }
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
  /// `logits`.
  public var outputNames: Set<String> { ["logits"] }
  /// `labels`.
  public var targetNames: Set<String> { ["labels"] }

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

  /// Calls the plugin's evaluate and adds `scale` × its gradient.
  ///
  /// - Throws: ``LossKitError/invalidSpec(_:)`` when no plugin is bound or the plugin reports
  ///   an error, and the usual shape and label errors.
  public func evaluate(
    _ outputs: [String: Tensor], _ targets: [String: Targets], scale: Float,
    gradients: inout GradientBuffers
  ) throws -> LossValue {
    guard let implementation else {
      throw LossKitError.invalidSpec("this native loss is not bound to a plugin; load the plugin and build the loss through its registry")
    }
    let logits = try output("logits", in: outputs)
    let given = try self.targets("labels", in: targets)
    let classes = logits.lastDimension
    let rows = logits.flatRowCount
    if let bad = logits.scalars.firstIndex(where: { !$0.isFinite }) {
      throw LossKitError.nonFiniteInput(loss: registryName, input: "output 'logits'", index: bad)
    }
    switch given.values {
    case .classIndices(let shape, let labels):
      guard shape == Array(logits.shape.dropLast()) else {
        throw LossKitError.shapeMismatch("\(registryName): targets", expected: Array(logits.shape.dropLast()), actual: shape)
      }
      if let (sample, label) = labels.enumerated().first(where: { $0.element != given.ignoreIndex && ($0.element < 0 || Int($0.element) >= classes) }) {
        throw LossKitError.labelOutOfRange(loss: registryName, label: Int(label), sample: sample, classCount: classes, ignoreIndex: Int(given.ignoreIndex))
      }
    case .dense(let dense):
      guard dense.shape == logits.shape else {
        throw LossKitError.shapeMismatch("\(registryName): dense targets", expected: logits.shape, actual: dense.shape)
      }
    }
    var slope = [Float](repeating: 0, count: logits.count)
    var value = 0.0
    var message = [CChar](repeating: 0, count: 512)
    let status = logits.withUnsafeBufferPointer { z in
      optionalBuffer(given.classIndices) { labels in
        optionalBuffer(given.denseValues?.scalars) { dense in
          var batch = losskit_batch(
            logits: z.baseAddress, rows: Int64(rows), classes: Int64(classes),
            labels: labels?.baseAddress, targets: dense?.baseAddress,
            ignore_index: given.ignoreIndex)
          return parameters.compactText.withCString { text in
            implementation.evaluate(implementation.context, text, &batch, &value, &slope, &message, message.count)
          }
        }
      }
    }
    guard status == 0 else {
      throw LossKitError.invalidSpec("plugin loss '\(registryName)' failed: \(messageText(message))")
    }
    gradients.write("logits", shape: logits.shape) { gradient, accumulate in
      for index in 0..<gradient.count {
        gradient[index] = (accumulate ? gradient[index] : 0) + scale * slope[index]
      }
    }
    return LossValue(value)
  }
}

/// The text of a NUL-terminated message buffer a plugin filled.
func messageText(_ buffer: [CChar]) -> String {
  String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
