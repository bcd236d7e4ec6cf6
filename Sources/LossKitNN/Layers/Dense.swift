import LossKitCore
import LossKitKernels

/// A fully connected layer, `y = x·W + b`, with an optional activation.
public final class Dense {
  /// The activation applied after the affine map.
  public enum Activation: String, Codable, Sendable {
    case identity, relu, tanh
  }

  /// `W`, `[inputSize, outputSize]`.
  public let weight: Parameter
  /// `b`, `[outputSize]`.
  public let bias: Parameter
  /// The activation.
  public let activation: Activation
  private var input = Tensor(shape: [0])
  private var output = Tensor(shape: [0])

  /// Creates a layer with Glorot-uniform weights and zero bias.
  public init(
    name: String, inputSize: Int, outputSize: Int, activation: Activation = .identity,
    random: inout SeededGenerator
  ) {
    weight = Parameter(
      name: "\(name).weight",
      value: Initializer.glorotUniform(
        [inputSize, outputSize], fanIn: inputSize, fanOut: outputSize, random: &random))
    bias = Parameter(name: "\(name).bias", value: Tensor(shape: [outputSize]))
    self.activation = activation
  }

  /// The layer's parameters.
  public var parameters: [Parameter] { [weight, bias] }

  var inputSize: Int { weight.value.shape[0] }
  var outputSize: Int { weight.value.shape[1] }

  /// `[rows, inputSize]` → `[rows, outputSize]`; keeps what backward needs when `training`.
  public func forward(_ x: Tensor, rows: Int, training: Bool) -> Tensor {
    var y = Tensor(shape: [rows, outputSize])
    TensorOps.multiply(x, rows: rows, weight.value, columns: outputSize, inner: inputSize, into: &y)
    TensorOps.addRowVector(bias.value, to: &y)
    activation.apply(to: &y)
    if training {
      input = x
      output = y
    }
    return y
  }

  /// Adds `∂L/∂W`, `∂L/∂b` and returns `∂L/∂x` for the last training forward.
  public func backward(_ dy: Tensor, rows: Int) -> Tensor {
    var slope = dy
    activation.backward(&slope, output: output)
    TensorOps.multiply(
      input, rows: inputSize, slope, columns: outputSize, inner: rows, transposeA: true,
      into: &weight.gradient, beta: 1)
    TensorOps.addColumnSums(of: slope, into: &bias.gradient)
    var dx = Tensor(shape: [rows, inputSize])
    TensorOps.multiply(
      slope, rows: rows, weight.value, columns: inputSize, inner: outputSize, transposeB: true,
      into: &dx)
    return dx
  }
}

extension Dense.Activation {
  /// Applies the activation in place.
  func apply(to y: inout Tensor) {
    switch self {
    case .identity: break
    case .relu: y.withUnsafeMutableBufferPointer { for i in $0.indices { $0[i] = max($0[i], 0) } }
    case .tanh:
      y.withUnsafeMutableBufferPointer { for i in $0.indices { $0[i] = Activations.tanh($0[i]) } }
    }
  }

  /// Turns `∂L/∂output` into `∂L/∂input` in place, given the activation's output.
  func backward(_ slope: inout Tensor, output: Tensor) {
    switch self {
    case .identity: break
    case .relu:
      output.withUnsafeBufferPointer { y in
        slope.withUnsafeMutableBufferPointer { g in
          for i in g.indices {
            let value = g[i]
            g[i] = y[i] > 0 ? value : 0
          }
        }
      }
    case .tanh:
      output.withUnsafeBufferPointer { y in
        slope.withUnsafeMutableBufferPointer { g in for i in g.indices { g[i] *= 1 - y[i] * y[i] } }
      }
    }
  }
}

/// Element-wise activations written for the loop vectoriser (``LaneMath``'s, on `Float`).
enum Activations {
  @inline(__always)
  static func sigmoid(_ x: Float) -> Float { ScalarMath.sigmoid(x) }

  @inline(__always)
  static func tanh(_ x: Float) -> Float { ScalarMath.tanh(x) }
}
