import LossKitCore

/// Where a native or foreign loss came from: enough to find the same library again when a
/// saved model is reloaded for training, and to refuse a different one.
///
/// A saved model records one per loss name its loss tree uses
/// (``LossLibraries/provenances(of:)``); ``LossLibraries/resolve(_:searching:into:)`` finds and
/// loads the libraries again. As JSON:
///
/// ```json
/// {"kind": "plugin", "library": "libbrier.so", "sha256": "9f86d08…", "abiVersion": 2}
/// {"kind": "foreign", "library": "libhinge.so", "sha256": "3a7bd3e…",
///  "declaration": "double smooth_hinge(double prediction, double target, double margin=1)"}
/// ```
public struct LossProvenance: Sendable, Codable, Hashable {
  /// How the library provides losses.
  public enum Kind: String, Sendable, Codable, Hashable {
    /// A plugin speaking the C ABI of `losskit_plugin.h` (``NativeLossPlugin``).
    case plugin
    /// Any C function, declared in C syntax and called through libffi (``ForeignLoss``).
    case foreign
  }

  /// Plugin or foreign function.
  public var kind: Kind
  /// The library's file name (no folder), such as `libbrier.so`.
  public var library: String
  /// The SHA-256 of the library file, 64 lowercase hexadecimal digits.
  public var sha256: String
  /// The plugin ABI version the library spoke (plugins only).
  public var abiVersion: Int?
  /// The declaration the loss was registered from, without the library part (foreign losses
  /// only), as ``ForeignDeclaration/text`` writes it.
  public var declaration: String?

  /// The provenance of a plugin library.
  public static func plugin(library: String, sha256: String, abiVersion: Int) -> LossProvenance {
    LossProvenance(
      kind: .plugin, library: library, sha256: sha256, abiVersion: abiVersion, declaration: nil)
  }

  /// The provenance of a foreign function.
  public static func foreign(library: String, sha256: String, declaration: String)
    -> LossProvenance
  {
    LossProvenance(
      kind: .foreign, library: library, sha256: sha256, abiVersion: nil, declaration: declaration)
  }
}

/// A loss defined by a shared library (a native plugin or a foreign function).
public protocol LibraryLoss: Loss {
  /// Where the loss came from, or `nil` for a value not bound to a library.
  var provenance: LossProvenance? { get }
  /// The absolute path the library was loaded from (what `--bundle-plugins` copies), or `nil`
  /// for an unbound value.
  var libraryPath: String? { get }
}
