import Foundation

/// Errors loading or running a native loss plugin. Each names the plugin and says what to do.
public enum NativePluginError: Error, Sendable, Equatable, CustomStringConvertible, LocalizedError {
  /// The library cannot be opened (missing file, wrong architecture, missing dependency).
  case cannotOpen(path: String, reason: String)
  /// The library lacks a required function.
  case missingEntryPoint(path: String, symbol: String)
  /// The library was built for an ABI version this LossKit does not load.
  case abiMismatch(path: String, plugin: Int, host: Int)
  /// The plugin reported a failure, or gave an invalid definition, while registering.
  case registrationFailed(path: String, reason: String)
  /// The plugin's evaluate function returned an error.
  case evaluationFailed(plugin: String, loss: String, reason: String)
  /// The plugin returned a non-finite value, or a non-finite gradient element.
  case nonFiniteResult(plugin: String, loss: String, what: String)
  /// The batch holds something the plugin's ABI version cannot receive.
  case unsupportedTargets(plugin: String, loss: String, reason: String)

  /// The problem and what to do.
  public var description: String {
    switch self {
    case .cannotOpen(let path, let reason):
      return "cannot load the plugin \(path): \(reason); check the path (a relative path or a "
        + "bare file name means the current directory) and that it is a shared library built "
        + "for this machine"
    case .missingEntryPoint(let path, let symbol):
      return "\(path) is not a LossKit plugin: it does not export \(symbol)(); see "
        + "docs/plugins.md"
    case .abiMismatch(let path, let plugin, let host):
      return "\(path) was built for plugin ABI \(plugin), but this LossKit loads ABI "
        + "\(NativeLossPlugin.oldestABIVersion)…\(host); rebuild it against "
        + "Sources/CLossKitPlugin/include/losskit_plugin.h"
    case .registrationFailed(let path, let reason):
      return "\(path) failed to register its losses: \(reason)"
    case .evaluationFailed(let plugin, let loss, let reason):
      return "plugin \(plugin), loss '\(loss)' failed: \(reason); nothing was applied to the "
        + "gradients"
    case .nonFiniteResult(let plugin, let loss, let what):
      return "plugin \(plugin), loss '\(loss)' returned \(what); nothing was applied to the "
        + "gradients. Fix the plugin's arithmetic (subtract the row maximum before exp, clamp "
        + "logarithms) or lower the learning rate"
    case .unsupportedTargets(let plugin, let loss, let reason):
      return "plugin \(plugin), loss '\(loss)': \(reason)"
    }
  }

  /// The same text as ``description``.
  public var errorDescription: String? { description }
}
