import LossKitCore
import LossKitKernels

/// A long short-term memory layer over sequences, with backpropagation through time.
///
/// Gates are ordered input, forget, cell, output (Keras' order), the forget bias starts at 1,
/// and kernels are Glorot-uniform. Rows are sequence-major (`row = sequence·steps + step`).
/// Padded steps (mask 0) keep the state at zero, so a ``reversed`` layer starts each
/// sequence at its last real step. The input projection `x·W` for all steps is one matrix
/// product; each step then adds `h·U` for the whole batch.
public final class LSTM {
  /// `W`, `[inputSize, 4·hiddenSize]`.
  public let inputWeights: Parameter
  /// `U`, `[hiddenSize, 4·hiddenSize]`.
  public let recurrentWeights: Parameter
  /// `b`, `[4·hiddenSize]`.
  public let bias: Parameter
  /// Whether the layer reads each sequence from its end.
  public let reversed: Bool
  /// The state width.
  public let hiddenSize: Int
  /// The input width.
  public let inputSize: Int

  private var input = Tensor(shape: [0])
  private var gates = Tensor(shape: [0])
  private var cellTanhs = Tensor(shape: [0])
  private var previousHidden = Tensor(shape: [0])
  private var previousCells = Tensor(shape: [0])
  private var mask: [Float] = []
  private var shape = SequenceShape(count: 0, steps: 0)

  /// Creates a layer.
  public init(
    name: String, inputSize: Int, hiddenSize: Int, reversed: Bool, random: inout SeededGenerator
  ) {
    let width = 4 * hiddenSize
    inputWeights = Parameter(
      name: "\(name).inputWeights",
      value: Initializer.glorotUniform(
        [inputSize, width], fanIn: inputSize, fanOut: width, random: &random))
    recurrentWeights = Parameter(
      name: "\(name).recurrentWeights",
      value: Initializer.glorotUniform(
        [hiddenSize, width], fanIn: hiddenSize, fanOut: width, random: &random))
    bias = Parameter(
      name: "\(name).bias",
      value: Tensor(shape: [width]) { $0 >= hiddenSize && $0 < 2 * hiddenSize ? 1 : 0 })
    self.reversed = reversed
    self.hiddenSize = hiddenSize
    self.inputSize = inputSize
  }

  /// The layer's parameters.
  public var parameters: [Parameter] { [inputWeights, recurrentWeights, bias] }

  /// `[rows, inputSize]` → `[rows, hiddenSize]` for `shape.count` sequences of `shape.steps`.
  public func forward(
    _ x: Tensor, shape: SequenceShape, mask: [Float]?, training: Bool
  ) -> Tensor {
    let rows = shape.count * shape.steps
    let h = hiddenSize
    let width = 4 * h
    let steps = shape.steps
    let batch = shape.count
    // Every element of these is written below (the products start from β = 0).
    var preactivation = Tensor(uninitializedShape: [rows, width])
    TensorOps.multiply(
      x, rows: rows, inputWeights.value, columns: width, inner: inputSize, into: &preactivation)
    TensorOps.addRowVector(bias.value, to: &preactivation)
    var output = Tensor(uninitializedShape: [rows, h])
    var cellTanh = Tensor(uninitializedShape: [rows, h])
    var hiddenBefore = Tensor(uninitializedShape: [rows, h])
    var cellsBefore = Tensor(uninitializedShape: [rows, h])
    var hidden = Tensor(shape: [batch, h])
    var cell = Tensor(shape: [batch, h])
    let steps01 = mask ?? Array(repeating: 1, count: rows)
    preactivation.withUnsafeMutableBufferPointer { z in
      recurrentWeights.value.withUnsafeBufferPointer { u in
        hidden.withUnsafeMutableBufferPointer { hState in
          cell.withUnsafeMutableBufferPointer { cState in
            output.withUnsafeMutableBufferPointer { out in
              cellTanh.withUnsafeMutableBufferPointer { tanhOut in
                hiddenBefore.withUnsafeMutableBufferPointer { hb in
                  cellsBefore.withUnsafeMutableBufferPointer { cb in
                    for step in 0..<steps {
                      let t = reversed ? steps - 1 - step : step
                      // z_t += h·U for the whole batch, the step's rows `steps` rows apart
                      // (the state is zero before the first step).
                      if step > 0 {
                        Matrix.multiply(
                          hState.baseAddress!, u.baseAddress!, into: z.baseAddress! + t * width,
                          m: batch, n: width, k: h, beta: 1, ldc: steps * width)
                      }
                      for b in 0..<batch {
                        let row = b * steps + t
                        let hs = hState.baseAddress! + b * h
                        let cs = cState.baseAddress! + b * h
                        (hb.baseAddress! + row * h).update(from: hs, count: h)
                        (cb.baseAddress! + row * h).update(from: cs, count: h)
                        LSTMStep.forward(
                          gates: z.baseAddress! + row * width, cell: cs, hidden: hs,
                          output: out.baseAddress! + row * h,
                          cellTanh: tanhOut.baseAddress! + row * h, mask: steps01[row], width: h)
                      }
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
    if training {
      input = x
      gates = preactivation
      cellTanhs = cellTanh
      previousHidden = hiddenBefore
      previousCells = cellsBefore
      self.mask = steps01
      self.shape = shape
    }
    return output
  }

  /// Adds the parameter gradients for the last training forward and returns `∂L/∂x`.
  public func backward(_ dOutput: Tensor) -> Tensor {
    let rows = shape.count * shape.steps
    let h = hiddenSize
    let width = 4 * h
    let steps = shape.steps
    let batch = shape.count
    var dGates = Tensor(uninitializedShape: [rows, width])
    var dHiddenNext = Tensor(shape: [batch, h])
    var dCellNext = Tensor(shape: [batch, h])
    // Uᵀ stored as `[4·hiddenSize, hiddenSize]`, so each step's product reads it in place.
    let recurrentTransposed = recurrentWeights.value.transposedMatrix()
    dGates.withUnsafeMutableBufferPointer { dg in
      dOutput.withUnsafeBufferPointer { dOut in
        gates.withUnsafeBufferPointer { gate in
          cellTanhs.withUnsafeBufferPointer { tanhs in
            previousCells.withUnsafeBufferPointer { cBefore in
              dHiddenNext.withUnsafeMutableBufferPointer { dhNext in
                dCellNext.withUnsafeMutableBufferPointer { dcNext in
                  recurrentTransposed.withUnsafeBufferPointer { uT in
                    for step in (0..<steps).reversed() {
                      let t = reversed ? steps - 1 - step : step
                      for b in 0..<batch {
                        let row = b * steps + t
                        LSTMStep.backward(
                          gates: gate.baseAddress! + row * width,
                          cellTanh: tanhs.baseAddress! + row * h,
                          cellBefore: cBefore.baseAddress! + row * h,
                          dOutput: dOut.baseAddress! + row * h,
                          dHidden: dhNext.baseAddress! + b * h,
                          dCell: dcNext.baseAddress! + b * h,
                          dGates: dg.baseAddress! + row * width, mask: mask[row], width: h)
                      }
                      // dh_{t−1} = dGates_t · Uᵀ (nothing flows back before the first step).
                      if step > 0 {
                        Matrix.multiply(
                          dg.baseAddress! + t * width, uT.baseAddress!,
                          into: dhNext.baseAddress!, m: batch, n: h, k: width,
                          lda: steps * width)
                      }
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
    TensorOps.multiply(
      previousHidden, rows: h, dGates, columns: width, inner: rows, transposeA: true,
      into: &recurrentWeights.gradient, beta: 1)
    TensorOps.multiply(
      input, rows: inputSize, dGates, columns: width, inner: rows, transposeA: true,
      into: &inputWeights.gradient, beta: 1)
    TensorOps.addColumnSums(of: dGates, into: &bias.gradient)
    var dx = Tensor(uninitializedShape: [rows, inputSize])
    TensorOps.multiply(
      dGates, rows: rows, inputWeights.value, columns: inputSize, inner: width, transposeB: true,
      into: &dx)
    return dx
  }
}
