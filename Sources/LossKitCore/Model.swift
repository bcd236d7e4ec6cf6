/// A trainable model with named outputs.
///
/// `forward` maps a ``FeatureBatch`` to named outputs (`logits`, `embeddings`, one
/// `logits_<aspect>` per head, …); in training mode it caches what `backward` needs.
/// `backward` takes the loss gradient for each output and adds the parameter gradients.
/// Models are deterministic given their seed: initialisation and dropout draw from a
/// ``SeededGenerator`` whose state is part of the model.
public protocol Model: AnyObject {
  /// The model kind saved in a manifest, such as `bilstm`.
  var kind: String { get }
  /// Every parameter, in a stable order.
  var parameters: [Parameter] { get }
  /// The names of the outputs `forward` produces.
  var outputNames: [String] { get }
  /// The hyper-parameters that rebuild an untrained model of the same shape.
  var hyperparameters: JSONValue { get }
  /// The random state used by dropout, saved so training resumes exactly.
  var random: SeededGenerator { get set }

  /// Computes the outputs; `training` enables dropout and caches activations.
  ///
  /// - Throws: ``LossKitError`` when the batch does not fit the model.
  func forward(_ batch: FeatureBatch, training: Bool) throws -> [String: Tensor]

  /// Adds the parameter gradients for the last training-mode `forward`.
  ///
  /// - Parameter outputGradients: The loss gradient for each output (missing outputs count as
  ///   zero).
  /// - Throws: ``LossKitError`` when no training-mode forward preceded the call.
  func backward(_ outputGradients: [String: Tensor]) throws
}

extension Model {
  /// Zeroes every parameter's gradient.
  public func zeroGradients() {
    for parameter in parameters { parameter.zeroGradient() }
  }

  /// The total number of trainable values.
  public var parameterCount: Int { parameters.reduce(0) { $0 + $1.value.count } }
}

/// An optimizer: updates parameters from their gradients, with state that can be saved.
public protocol Optimizer: AnyObject {
  /// The kind saved in a manifest, such as `adam`.
  var kind: String { get }
  /// The learning rate (may be changed between steps by a schedule).
  var learningRate: Double { get set }
  /// The hyper-parameters (learning rate, betas, …).
  var hyperparameters: JSONValue { get }
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
