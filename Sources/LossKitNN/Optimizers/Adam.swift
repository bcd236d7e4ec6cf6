import Foundation
import LossKitCore

/// Adam (Kingma & Ba 2015) and AdamW (decoupled weight decay, Loshchilov & Hutter 2019),
/// with PyTorch's update rule and Keras' default ε:
///
/// ```
/// m ← β₁m + (1−β₁)g;   v ← β₂v + (1−β₂)g²
/// θ ← θ − lr·(m/(1−β₁ᵗ)) / (√(v/(1−β₂ᵗ)) + ε)        AdamW first: θ ← θ − lr·λ·θ
/// ```
///
/// Defaults: lr 0.001, β 0.9 / 0.999, ε 1e-7 (Keras; PyTorch uses 1e-8). Sparse parameters
/// (embedding tables) update only the rows the batch touched, leaving other rows' moments
/// as they are (the "lazy" Adam of Keras and PyTorch's SparseAdam): the cost of a step is
/// proportional to the batch, not to the table.
public final class Adam: Optimizer {
  /// The hyper-parameters.
  public struct Configuration: Codable, Sendable, Equatable {
    /// The learning rate (default 0.001).
    public var learningRate: Double = 0.001
    /// β₁ (default 0.9).
    public var beta1: Double = 0.9
    /// β₂ (default 0.999).
    public var beta2: Double = 0.999
    /// ε (default 1e-7, Keras').
    public var epsilon: Double = 1e-7
    /// Decoupled weight decay λ (AdamW); 0 for plain Adam.
    public var weightDecay: Double = 0

    /// Creates a configuration.
    public init(
      learningRate: Double = 0.001, beta1: Double = 0.9, beta2: Double = 0.999,
      epsilon: Double = 1e-7, weightDecay: Double = 0
    ) {
      self.learningRate = learningRate
      self.beta1 = beta1
      self.beta2 = beta2
      self.epsilon = epsilon
      self.weightDecay = weightDecay
    }
  }

  /// The configuration.
  public private(set) var configuration: Configuration
  /// Steps taken.
  public private(set) var stepCount = 0
  private var slots = OptimizerSlots()

  /// Adam (or AdamW when `weightDecay > 0`).
  ///
  /// - Throws: ``LossKitError/invalidParameter(loss:name:reason:)`` for betas outside
  ///   `[0, 1)`, a negative ε or a negative weight decay.
  public init(_ configuration: Configuration = Configuration()) throws {
    for (name, beta) in [("beta1", configuration.beta1), ("beta2", configuration.beta2)]
    where !(beta >= 0 && beta < 1) {
      throw LossKitError.invalidParameter(loss: "adam", name: name, reason: "\(beta) is not in [0, 1)")
    }
    guard configuration.epsilon > 0, configuration.weightDecay >= 0 else {
      throw LossKitError.invalidParameter(
        loss: "adam", name: "epsilon/weightDecay", reason: "ε must be > 0 and λ ≥ 0")
    }
    self.configuration = configuration
  }

  /// AdamW with PyTorch's default decay 0.01.
  public static func adamW(learningRate: Double = 0.001, weightDecay: Double = 0.01) throws -> Adam {
    try Adam(Configuration(learningRate: learningRate, weightDecay: weightDecay))
  }

  /// `adam`, or `adamw` with weight decay.
  public var kind: String { configuration.weightDecay > 0 ? "adamw" : "adam" }
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
    let t = Double(stepCount)
    let b1 = Float(configuration.beta1)
    let b2 = Float(configuration.beta2)
    let correction1 = Float(1 - pow(configuration.beta1, t))
    let correction2 = Float((1 - pow(configuration.beta2, t)).squareRoot())
    let lr = Float(configuration.learningRate)
    let epsilon = Float(configuration.epsilon)
    let decay = 1 - lr * Float(configuration.weightDecay)
    for parameter in parameters {
      let first = slots.slot("m", of: parameter)
      let second = slots.slot("v", of: parameter)
      parameter.value.withUnsafeMutableBufferPointer { theta in
        parameter.gradient.withUnsafeBufferPointer { gradient in
          first.tensor.withUnsafeMutableBufferPointer { m in
            second.tensor.withUnsafeMutableBufferPointer { v in
              parameter.forEachUpdateRange { start, count in
                for i in start..<(start + count) {
                  let g = gradient[i]
                  m[i] = b1 * m[i] + (1 - b1) * g
                  v[i] = b2 * v[i] + (1 - b2) * g * g
                  let update = (m[i] / correction1) / ((v[i]).squareRoot() / correction2 + epsilon)
                  theta[i] = theta[i] * decay - lr * update
                }
              }
            }
          }
        }
      }
    }
  }

  /// The moments by `parameter.m` and `parameter.v`.
  public func stateTensors() -> [String: Tensor] { slots.tensors }

  /// Restores the moments and the step count.
  public func restoreState(_ tensors: [String: Tensor], stepCount: Int, parameters: [Parameter])
    throws
  {
    try slots.restore(tensors, parameters: parameters, slots: ["m", "v"])
    self.stepCount = stepCount
  }
}
