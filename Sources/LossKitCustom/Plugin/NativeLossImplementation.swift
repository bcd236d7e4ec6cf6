import CLossKitPlugin
import LossKitCore

/// One loss a plugin defined: its metadata and function pointers, and where it came from.
///
/// Registry entries and ``NativeLoss`` values share it; when the last of them is gone, the
/// definition's `release(context)` runs (ABI 2). Its functions are never called concurrently
/// by LossKit itself, and the library is never unloaded.
final class NativeLossImplementation: @unchecked Sendable {
  /// The plugin's validate function (both ABI versions share its signature).
  typealias Validate =
    @convention(c) (
      UnsafeMutableRawPointer?, UnsafePointer<CChar>?, UnsafeMutablePointer<CChar>?, Int
    ) -> Int32
  /// An ABI 1 evaluate function.
  typealias EvaluateV1 =
    @convention(c) (
      UnsafeMutableRawPointer?, UnsafePointer<CChar>?, UnsafePointer<losskit_batch>?,
      UnsafeMutablePointer<Double>?, UnsafeMutablePointer<Float>?, UnsafeMutablePointer<CChar>?,
      Int
    ) -> Int32
  /// An ABI 2 evaluate function.
  typealias EvaluateV2 =
    @convention(c) (
      UnsafeMutableRawPointer?, UnsafePointer<CChar>?, UnsafePointer<losskit_batch_v2>?,
      UnsafeMutablePointer<Double>?, UnsafeMutablePointer<CChar>?, Int
    ) -> Int32
  /// An ABI 2 release function.
  typealias Release = @convention(c) (UnsafeMutableRawPointer?) -> Void

  /// The evaluate function, by ABI version.
  enum Evaluate {
    case v1(EvaluateV1)
    case v2(EvaluateV2)
  }

  let name: String
  let version: Int
  let minimumVersion: Int
  let summary: String
  let defaults: JSONValue
  /// The outputs read, in the order the plugin receives them.
  let outputs: [String]
  /// The target set read.
  let targets: String
  let validate: Validate?
  let evaluate: Evaluate
  let release: Release?
  let context: UnsafeMutableRawPointer?
  /// The library's absolute path.
  let path: String
  /// Where the library came from.
  let provenance: LossProvenance

  init(
    name: String, version: Int, minimumVersion: Int, summary: String, defaults: JSONValue,
    outputs: [String], targets: String, validate: Validate?, evaluate: Evaluate,
    release: Release?, context: UnsafeMutableRawPointer?, path: String,
    provenance: LossProvenance
  ) {
    self.name = name
    self.version = version
    self.minimumVersion = minimumVersion
    self.summary = summary
    self.defaults = defaults
    self.outputs = outputs
    self.targets = targets
    self.validate = validate
    self.evaluate = evaluate
    self.release = release
    self.context = context
    self.path = path
    self.provenance = provenance
  }

  deinit { release?(context) }

  /// The plugin's file name, how errors name it.
  var plugin: String { provenance.library }
}
