import LossKit

/// An optimizer defined outside LossKit's modules: the sign of a momentum average,
/// `v ← βv + (1−β)g; θ ← θ − lr·sign(v)`, with `v` saved as state.
public final class SignMomentum: Optimizer {
  /// `sign-momentum`.
  public static let name = "sign-momentum"
  /// The configuration version.
  public static let version = 1
  /// One line for `losskit kinds`.
  public static let summary = "a user optimizer in the tests: sign of a momentum average"

  /// The hyper-parameters.
  public struct Configuration: Codable, Sendable, Equatable {
    /// The step size.
    public var learningRate = 0.01
    /// The momentum β.
    public var beta = 0.9

    /// Creates a configuration.
    public init(learningRate: Double = 0.01, beta: Double = 0.9) {
      self.learningRate = learningRate
      self.beta = beta
    }
  }

  /// lr 0.01, β 0.9.
  public static let defaultConfiguration = Configuration()

  /// The configuration.
  public private(set) var configuration: Configuration
  /// Steps taken.
  public private(set) var stepCount = 0
  private var velocity: [String: Tensor] = [:]

  /// Creates an optimizer.
  ///
  /// - Throws: ``LossKitError/invalidParameter(loss:name:reason:)`` for β outside `[0, 1)`.
  public init(_ configuration: Configuration) throws {
    guard configuration.beta >= 0, configuration.beta < 1 else {
      throw LossKitError.invalidParameter(loss: Self.name, name: "beta", reason: "not in [0, 1)")
    }
    self.configuration = configuration
  }

  /// The step size.
  public var learningRate: Double {
    get { configuration.learningRate }
    set { configuration.learningRate = newValue }
  }

  /// One step.
  public func step(_ parameters: [Parameter]) {
    stepCount += 1
    let beta = Float(configuration.beta)
    let rate = Float(configuration.learningRate)
    for parameter in parameters {
      var v = (velocity[parameter.name] ?? Tensor(shape: parameter.value.shape)).scalars
      var value = parameter.value.scalars
      let gradient = parameter.gradient.scalars
      for index in v.indices {
        v[index] = beta * v[index] + (1 - beta) * gradient[index]
        value[index] -= rate * (v[index] > 0 ? 1 : (v[index] < 0 ? -1 : 0))
      }
      velocity[parameter.name] = try? Tensor(shape: parameter.value.shape, scalars: v)
      try? parameter.load(Tensor(shape: parameter.value.shape, scalars: value))
    }
  }

  /// The velocities by `parameter.v`.
  public func stateTensors() -> [String: Tensor] {
    Dictionary(uniqueKeysWithValues: velocity.map { ("\($0.key).v", $0.value) })
  }

  /// Restores the velocities.
  ///
  /// - Throws: ``LossKitError/shapeMismatch(_:expected:actual:)`` for a tensor that fits no
  ///   parameter.
  public func restoreState(_ tensors: [String: Tensor], stepCount: Int, parameters: [Parameter]) throws {
    var restored: [String: Tensor] = [:]
    for parameter in parameters {
      guard let tensor = tensors["\(parameter.name).v"] else { continue }
      guard tensor.shape == parameter.value.shape else {
        throw LossKitError.shapeMismatch(parameter.name, expected: parameter.value.shape, actual: tensor.shape)
      }
      restored[parameter.name] = tensor
    }
    velocity = restored
    self.stepCount = stepCount
  }
}
