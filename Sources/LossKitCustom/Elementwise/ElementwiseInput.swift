/// What an element-wise loss function receives as its prediction.
///
/// Both element-wise routes use it: ``ForeignLoss`` (a C function called through libffi) and
/// the `LossKitDifferentiable` module's `ElementwiseLoss` (a Swift function differentiated by
/// the toolchain).
public enum ElementwiseInput: String, Sendable, Codable {
  /// The raw model output (a logit).
  case logit
  /// `σ(logit)`, a probability in `(0, 1)`; LossKit applies the chain rule
  /// `dσ/dx = σ(1 − σ)` to the function's derivative.
  case probability
}
