import LossKitCore

/// Stochastic gradient descent with optional momentum, Nesterov momentum and (coupled, L2)
/// weight decay, with PyTorch's update rule:
///
/// ```
/// g ← g + λ·θ;   v ← μ·v + g;   θ ← θ − lr·(Nesterov ? g + μ·v : v)
/// ```
///
/// Sparse parameters (embedding tables) update only the rows the batch touched.
public final class SGD: Optimizer {
  /// `sgd`.
  public static let name = "sgd"
  /// The configuration version.
  public static let version = 1
  /// One line for `losskit kinds`.
  public static let summary = "SGD with momentum, Nesterov and L2 weight decay (PyTorch's rule)"

  /// The hyper-parameters.
  public struct Configuration: Codable, Sendable, Equatable {
    /// The learning rate (default 0.01).
    public var learningRate: Double = 0.01
    /// The momentum μ (default 0).
    public var momentum: Double = 0
    /// Whether to use Nesterov momentum.
    public var nesterov = false
    /// The L2 weight decay λ (default 0).
    public var weightDecay: Double = 0

    /// Creates a configuration.
    public init(
      learningRate: Double = 0.01, momentum: Double = 0, nesterov: Bool = false,
      weightDecay: Double = 0
    ) {
      self.learningRate = learningRate
      self.momentum = momentum
      self.nesterov = nesterov
      self.weightDecay = weightDecay
    }
  }

  /// lr 0.01, no momentum, no weight decay.
  public static let defaultConfiguration = Configuration()

  /// The configuration.
  public private(set) var configuration: Configuration
  /// Steps taken.
  public private(set) var stepCount = 0
  private var slots = OptimizerSlots()

  /// Creates an optimizer.
  ///
  /// - Throws: ``LossKitError/invalidParameter(loss:name:reason:)`` for a negative or
  ///   infinite learning rate, a momentum outside `[0, 1)` or a negative weight decay;
  ///   ``LossKitError/conflictingOptions(_:fix:)`` for Nesterov without momentum.
  public init(_ configuration: Configuration) throws {
    guard configuration.learningRate >= 0, configuration.learningRate.isFinite else {
      throw LossKitError.invalidParameter(
        loss: Self.name, name: "learningRate",
        reason: "\(configuration.learningRate) is not ≥ 0 and finite")
    }
    guard configuration.momentum >= 0, configuration.momentum < 1 else {
      throw LossKitError.invalidParameter(
        loss: Self.name, name: "momentum", reason: "\(configuration.momentum) is not in [0, 1)")
    }
    guard configuration.weightDecay >= 0, configuration.weightDecay.isFinite else {
      throw LossKitError.invalidParameter(
        loss: Self.name, name: "weightDecay", reason: "\(configuration.weightDecay) is not ≥ 0")
    }
    guard !configuration.nesterov || configuration.momentum > 0 else {
      throw LossKitError.conflictingOptions(
        "Nesterov momentum needs a momentum above 0", fix: "set momentum (0.9 is usual)")
    }
    self.configuration = configuration
  }

  /// The learning rate.
  public var learningRate: Double {
    get { configuration.learningRate }
    set { configuration.learningRate = newValue }
  }

  /// Applies one update.
  public func step(_ parameters: [Parameter]) {
    stepCount += 1
    let lr = Float(configuration.learningRate)
    let mu = Float(configuration.momentum)
    let decay = Float(configuration.weightDecay)
    let nesterov = configuration.nesterov
    if mu == 0 {
      slots.forEachRange(of: parameters, slots: []) { theta, gradient, _, count in
        for i in 0..<count { theta[i] -= lr * (gradient[i] + decay * theta[i]) }
      }
      return
    }
    slots.forEachRange(of: parameters, slots: ["velocity"]) { theta, gradient, states, count in
      let velocity = states[0]
      for i in 0..<count {
        let g = gradient[i] + decay * theta[i]
        velocity[i] = mu * velocity[i] + g
        theta[i] -= lr * (nesterov ? g + mu * velocity[i] : velocity[i])
      }
    }
  }

  /// The velocities by `parameter.velocity`.
  public func stateTensors() -> [String: Tensor] { slots.tensors }

  /// Restores velocities and the step count.
  public func restoreState(_ tensors: [String: Tensor], stepCount: Int, parameters: [Parameter])
    throws
  {
    guard stepCount >= 0 else {
      throw LossKitError.invalidSpec("optimizer step count \(stepCount) is negative")
    }
    try slots.restore(tensors, parameters: parameters, slots: ["velocity"])
    self.stepCount = stepCount
  }
}
