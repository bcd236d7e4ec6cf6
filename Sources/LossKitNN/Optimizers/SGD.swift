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

  /// The configuration.
  public private(set) var configuration: Configuration
  /// Steps taken.
  public private(set) var stepCount = 0
  private var slots = OptimizerSlots()

  /// Creates an optimizer.
  ///
  /// - Throws: ``LossKitError/conflictingOptions(_:fix:)`` for Nesterov without momentum.
  public init(_ configuration: Configuration = Configuration()) throws {
    guard !configuration.nesterov || configuration.momentum > 0 else {
      throw LossKitError.conflictingOptions(
        "Nesterov momentum needs a momentum above 0", fix: "set momentum (0.9 is usual)")
    }
    self.configuration = configuration
  }

  /// `sgd`.
  public var kind: String { "sgd" }
  /// The learning rate.
  public var learningRate: Double {
    get { configuration.learningRate }
    set { configuration.learningRate = newValue }
  }
  /// The configuration as JSON.
  public var hyperparameters: JSONValue { (try? JSONValue(encoding: configuration)) ?? .null }

  /// Applies one update.
  public func step(_ parameters: [Parameter]) {
    stepCount += 1
    let lr = Float(configuration.learningRate)
    let mu = Float(configuration.momentum)
    let decay = Float(configuration.weightDecay)
    let nesterov = configuration.nesterov
    for parameter in parameters {
      let velocitySlot = mu == 0 ? nil : slots.slot("velocity", of: parameter)
      parameter.value.withUnsafeMutableBufferPointer { theta in
        parameter.gradient.withUnsafeBufferPointer { gradient in
          if mu == 0 {
            parameter.forEachUpdateRange { start, count in
              for i in start..<(start + count) {
                theta[i] -= lr * (gradient[i] + decay * theta[i])
              }
            }
          } else {
            velocitySlot!.tensor.withUnsafeMutableBufferPointer { velocity in
              parameter.forEachUpdateRange { start, count in
                for i in start..<(start + count) {
                  let g = gradient[i] + decay * theta[i]
                  velocity[i] = mu * velocity[i] + g
                  theta[i] -= lr * (nesterov ? g + mu * velocity[i] : velocity[i])
                }
              }
            }
          }
        }
      }
    }
  }

  /// The velocities by `parameter.velocity`.
  public func stateTensors() -> [String: Tensor] { slots.tensors }

  /// Restores velocities and the step count.
  public func restoreState(_ tensors: [String: Tensor], stepCount: Int, parameters: [Parameter])
    throws
  {
    try slots.restore(tensors, parameters: parameters, slots: ["velocity"])
    self.stepCount = stepCount
  }
}
