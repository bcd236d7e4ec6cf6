import Foundation
import LossKitCore
import LossKitKernels

/// Adam (Kingma & Ba 2015) with PyTorch's update rule and Keras' default ε:
///
/// ```
/// g ← g + λ·θ   (λ: weightDecay, L2, as PyTorch's Adam)
/// m ← β₁m + (1−β₁)g;   v ← β₂v + (1−β₂)g²
/// θ ← θ − lr·(m/(1−β₁ᵗ)) / (√(v/(1−β₂ᵗ)) + ε)
/// ```
///
/// ``AdamW`` decouples the decay instead. Defaults: lr 0.001, β 0.9 / 0.999, ε 1e-7 (Keras;
/// PyTorch uses 1e-8). Sparse parameters (embedding tables) update only the rows the batch
/// touched, leaving other rows' moments as they are (the "lazy" Adam of Keras and PyTorch's
/// SparseAdam): the cost of a step is proportional to the batch, not to the table.
public class Adam: Optimizer {
  /// `adam`.
  public class var name: String { "adam" }
  /// The configuration version.
  public static let version = 1
  /// One line for `losskit kinds`.
  public class var summary: String { "Adam, L2 weight decay as PyTorch (lazy on embedding rows)" }

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
    /// Weight decay λ: L2 for ``Adam``, decoupled for ``AdamW`` (default 0, AdamW 0.01).
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

  /// lr 0.001, β 0.9 / 0.999, ε 1e-7, no weight decay.
  public class var defaultConfiguration: Configuration { Configuration() }

  /// The configuration.
  public private(set) var configuration: Configuration
  /// Steps taken.
  public private(set) var stepCount = 0
  private var slots = OptimizerSlots()

  /// Whether weight decay is decoupled from the gradient (AdamW).
  class var decouplesWeightDecay: Bool { false }

  /// An optimizer with no moments yet.
  ///
  /// - Throws: ``LossKitError/invalidParameter(loss:name:reason:)`` for a negative or
  ///   infinite learning rate, betas outside `[0, 1)`, ε ≤ 0 or a negative weight decay.
  public required init(_ configuration: Configuration) throws {
    let name = Self.name
    guard configuration.learningRate >= 0, configuration.learningRate.isFinite else {
      throw LossKitError.invalidParameter(
        loss: name, name: "learningRate",
        reason: "\(configuration.learningRate) is not ≥ 0 and finite")
    }
    for (key, beta) in [("beta1", configuration.beta1), ("beta2", configuration.beta2)]
    where !(beta >= 0 && beta < 1) {
      throw LossKitError.invalidParameter(loss: name, name: key, reason: "\(beta) is not in [0, 1)")
    }
    guard configuration.epsilon > 0, configuration.epsilon.isFinite else {
      throw LossKitError.invalidParameter(
        loss: name, name: "epsilon", reason: "\(configuration.epsilon) is not > 0")
    }
    guard configuration.weightDecay >= 0, configuration.weightDecay.isFinite else {
      throw LossKitError.invalidParameter(
        loss: name, name: "weightDecay", reason: "\(configuration.weightDecay) is not ≥ 0")
    }
    self.configuration = configuration
  }

  /// The learning rate.
  public var learningRate: Double {
    get { configuration.learningRate }
    set { configuration.learningRate = newValue }
  }

  /// Applies one update, on every core (``AdamKernel``; each element's result does not
  /// depend on how the work is split).
  public func step(_ parameters: [Parameter]) {
    stepCount += 1
    let t = Double(stepCount)
    let decoupled = Self.decouplesWeightDecay
    let lr = Float(configuration.learningRate)
    let settings = AdamKernel.Settings(
      beta1: Float(configuration.beta1), beta2: Float(configuration.beta2),
      correction1: Float(1 - pow(configuration.beta1, t)),
      correction2: Float((1 - pow(configuration.beta2, t)).squareRoot()), learningRate: lr,
      epsilon: Float(configuration.epsilon),
      l2: decoupled ? 0 : Float(configuration.weightDecay),
      shrink: decoupled ? 1 - lr * Float(configuration.weightDecay) : 1)
    slots.forEachRange(of: parameters, slots: ["m", "v"]) { theta, gradient, states, count in
      AdamKernel.update(
        theta: theta, gradient: gradient, m: states[0], v: states[1], count: count,
        settings: settings)
    } rows: { theta, gradient, states, rows, rowCount, width in
      AdamKernel.updateRows(
        theta: theta, gradient: gradient, m: states[0], v: states[1], rows: rows,
        rowCount: rowCount, width: width, settings: settings)
    }
  }

  /// The moments by `parameter.m` and `parameter.v`.
  public func stateTensors() -> [String: Tensor] { slots.tensors }

  /// Restores the moments and the step count.
  public func restoreState(_ tensors: [String: Tensor], stepCount: Int, parameters: [Parameter])
    throws
  {
    guard stepCount >= 0 else {
      throw LossKitError.invalidSpec("optimizer step count \(stepCount) is negative")
    }
    try slots.restore(tensors, parameters: parameters, slots: ["m", "v"])
    self.stepCount = stepCount
  }
}

/// AdamW (Loshchilov & Hutter 2019): Adam with decoupled weight decay,
/// `θ ← θ − lr·λ·θ` before the Adam step; PyTorch's default λ 0.01.
public final class AdamW: Adam {
  /// `adamw`.
  public override class var name: String { "adamw" }
  /// One line for `losskit kinds`.
  public override class var summary: String {
    "AdamW, decoupled weight decay (lazy on embedding rows)"
  }
  /// lr 0.001, β 0.9 / 0.999, ε 1e-7, weight decay 0.01.
  public override class var defaultConfiguration: Configuration {
    Configuration(weightDecay: 0.01)
  }
  override class var decouplesWeightDecay: Bool { true }
}
