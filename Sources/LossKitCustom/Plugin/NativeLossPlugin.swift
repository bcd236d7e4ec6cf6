import CLossKitPlugin
import Foundation
import LossKitCore

/// Loads shared libraries that register losses through the C ABI in
/// `Sources/CLossKitPlugin/include/losskit_plugin.h` (ABI 2, and ABI 1 plugins unchanged).
///
/// The ABI's function types are fixed, so Swift calls them directly as `@convention(c)`
/// function pointers; for C functions whose parameter list is only known at run time, see
/// ``ForeignLoss``.
///
/// ```swift
/// var registry = LossRegistry.standard
/// let names = try NativeLossPlugin.load(path: "./libbrier.so", into: &registry)
/// ```
///
/// A relative path, or a bare file name, means the file in the current directory; the
/// absolute path it resolves to is what is checked, hashed and opened.
public enum NativeLossPlugin {
  /// The newest ABI version this build speaks (`LOSSKIT_PLUGIN_ABI_VERSION`).
  public static let abiVersion = Int(LOSSKIT_PLUGIN_ABI_VERSION)
  /// The oldest ABI version this build still loads (`LOSSKIT_PLUGIN_ABI_OLDEST_VERSION`).
  public static let oldestABIVersion = Int(LOSSKIT_PLUGIN_ABI_OLDEST_VERSION)

  /// Loads a plugin and registers its losses; returns their names.
  ///
  /// - Throws: ``NativePluginError`` for a missing or unloadable file, a missing entry point,
  ///   an ABI version outside ``oldestABIVersion``…``abiVersion`` or a failed registration;
  ///   ``LossKitCore/LossKitError/duplicateName(_:_:)`` when a name is taken (then no loss
  ///   of the library is registered).
  @discardableResult
  public static func load(path: String, into registry: inout LossRegistry) throws -> [String] {
    let library = try open(path: path)
    try library.register(into: &registry)
    return library.lossNames
  }

  /// Opens a plugin and collects its loss definitions without registering them.
  ///
  /// - Throws: ``NativePluginError`` as for ``load(path:into:)``.
  public static func open(path: String) throws -> NativePluginLibrary {
    let library: SharedLibrary
    do {
      library = try SharedLibrary.open(path)
    } catch {
      throw NativePluginError.cannotOpen(path: error.path, reason: error.reason)
    }
    let path = library.path
    guard let versionSymbol = library.symbol("losskit_plugin_abi_version") else {
      throw NativePluginError.missingEntryPoint(path: path, symbol: "losskit_plugin_abi_version")
    }
    guard let registerSymbol = library.symbol("losskit_plugin_register") else {
      throw NativePluginError.missingEntryPoint(path: path, symbol: "losskit_plugin_register")
    }
    typealias VersionFunction = @convention(c) () -> Int32
    typealias RegisterFunction = @convention(c) (UnsafePointer<losskit_host>?) -> Int32
    let version = Int(unsafeBitCast(versionSymbol, to: VersionFunction.self)())
    guard (oldestABIVersion...abiVersion).contains(version) else {
      throw NativePluginError.abiMismatch(path: path, plugin: version, host: abiVersion)
    }
    let provenance = LossProvenance.plugin(
      library: library.fileName, sha256: library.digest.hex, abiVersion: version)
    let collector = NativePluginCollector(path: path, provenance: provenance)
    let retained = Unmanaged.passRetained(collector)
    defer { retained.release() }
    var host = losskit_host(
      abi_version: Int32(version), context: retained.toOpaque(),
      register_loss: { context, definition in
        guard let context, let definition else { return 1 }
        return Unmanaged<NativePluginCollector>.fromOpaque(context).takeUnretainedValue()
          .add(definition.pointee)
      },
      register_loss_v2: nil)
    if version >= 2 {
      host.register_loss_v2 = { context, definition in
        guard let context, let definition else { return 1 }
        return Unmanaged<NativePluginCollector>.fromOpaque(context).takeUnretainedValue()
          .add(definition.pointee)
      }
    }
    let status = withUnsafePointer(to: &host) {
      unsafeBitCast(registerSymbol, to: RegisterFunction.self)($0)
    }
    if let problem = collector.problem {
      throw NativePluginError.registrationFailed(path: path, reason: problem)
    }
    guard status == 0 else {
      throw NativePluginError.registrationFailed(
        path: path, reason: "losskit_plugin_register returned \(status)")
    }
    return NativePluginLibrary(
      path: path, provenance: provenance, implementations: collector.implementations)
  }
}

/// An opened plugin: where it was loaded from and the losses it defines.
///
/// From ``NativeLossPlugin/open(path:)``; ``register(into:)`` makes its losses known.
public struct NativePluginLibrary: Sendable {
  /// The absolute path the library was loaded from.
  public let path: String
  /// The library's file name, SHA-256 and ABI version.
  public let provenance: LossProvenance
  let implementations: [NativeLossImplementation]

  /// The names of the losses the library defines, in the order it defined them.
  public var lossNames: [String] { implementations.map(\.name) }

  /// The oldest parameter version each loss still reads, by name (ABI 1 plugins: their
  /// version).
  public var minimumVersions: [String: Int] {
    Dictionary(uniqueKeysWithValues: implementations.map { ($0.name, $0.minimumVersion) })
  }

  /// Registers the library's losses: all of them, or those named in `names`.
  ///
  /// - Throws: ``LossKitCore/LossKitError/duplicateName(_:_:)`` before registering any,
  ///   when one of the names is taken.
  public func register(into registry: inout LossRegistry, only names: Set<String>? = nil) throws {
    let chosen = implementations.filter { names?.contains($0.name) ?? true }
    if let taken = chosen.first(where: { registry.entry(named: $0.name) != nil }) {
      throw LossKitError.duplicateName(.loss, taken.name)
    }
    for implementation in chosen {
      try registry.register(
        name: implementation.name, version: implementation.version,
        minimumVersion: implementation.minimumVersion, summary: implementation.summary, defaults: implementation.defaults,
        decode: { parameters in
          try NativeLoss(implementation: implementation, parameters: parameters)
        })
    }
  }
}
