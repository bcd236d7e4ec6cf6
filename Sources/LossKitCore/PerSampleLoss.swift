/// A loss that is a reduction of independent per-sample values, and can show them.
///
/// This is the "per-sample view" of a reduction: each sample's loss with its weights applied
/// and nothing averaged, shaped like the samples (or, for element-wise losses, like the
/// output). Use it to find the hardest examples or to weight samples yourself.
public protocol PerSampleLoss: Loss {
  /// Each sample's loss before reduction.
  ///
  /// - Throws: The same errors as ``Loss/evaluate(_:_:scale:gradients:)``.
  func perSampleLosses(_ outputs: [String: Tensor], _ targets: [String: Targets]) throws -> Tensor
}
