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
  private var cells = Tensor(shape: [0])
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
    var preactivation = Tensor(shape: [rows, width])
    TensorOps.multiply(x, rows: rows, inputWeights.value, columns: width, inner: inputSize, into: &preactivation)
    TensorOps.addRowVector(bias.value, to: &preactivation)
    var output = Tensor(shape: [rows, h])
    var cellStates = Tensor(shape: [rows, h])
    var hiddenBefore = Tensor(shape: [rows, h])
    var cellsBefore = Tensor(shape: [rows, h])
    var hidden = Tensor(shape: [batch, h])
    var cell = Tensor(shape: [batch, h])
    var recurrent = Tensor(shape: [batch, width])
    let steps01 = mask ?? Array(repeating: 1, count: rows)
    for step in 0..<steps {
      let t = reversed ? steps - 1 - step : step
      TensorOps.multiply(hidden, rows: batch, recurrentWeights.value, columns: width, inner: h, into: &recurrent)
      preactivation.withUnsafeMutableBufferPointer { z in
        recurrent.withUnsafeBufferPointer { r in
          hidden.withUnsafeMutableBufferPointer { hState in
            cell.withUnsafeMutableBufferPointer { cState in
              output.withUnsafeMutableBufferPointer { out in
                cellStates.withUnsafeMutableBufferPointer { cOut in
                  hiddenBefore.withUnsafeMutableBufferPointer { hb in
                    cellsBefore.withUnsafeMutableBufferPointer { cb in
                      for b in 0..<batch {
                        let row = b * steps + t
                        let m = steps01[row]
                        let g = z.baseAddress! + row * width
                        let rec = r.baseAddress! + b * width
                        let hs = hState.baseAddress! + b * h
                        let cs = cState.baseAddress! + b * h
                        (hb.baseAddress! + row * h).update(from: hs, count: h)
                        (cb.baseAddress! + row * h).update(from: cs, count: h)
                        let o = out.baseAddress! + row * h
                        let co = cOut.baseAddress! + row * h
                        for j in 0..<h {
                          let i = Activations.sigmoid(g[j] + rec[j])
                          let f = Activations.sigmoid(g[h + j] + rec[h + j])
                          let cand = Activations.tanh(g[2 * h + j] + rec[2 * h + j])
                          let og = Activations.sigmoid(g[3 * h + j] + rec[3 * h + j])
                          g[j] = i
                          g[h + j] = f
                          g[2 * h + j] = cand
                          g[3 * h + j] = og
                          let c = f * cs[j] + i * cand
                          co[j] = c
                          let hValue = m * og * Activations.tanh(c)
                          o[j] = hValue
                          hs[j] = hValue
                          cs[j] = m * c
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
    }
    if training {
      input = x
      gates = preactivation
      cells = cellStates
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
    var dGates = Tensor(shape: [rows, width])
    var dHiddenNext = Tensor(shape: [batch, h])
    var dCellNext = Tensor(shape: [batch, h])
    for step in (0..<steps).reversed() {
      let t = reversed ? steps - 1 - step : step
      dGates.withUnsafeMutableBufferPointer { dg in
        dOutput.withUnsafeBufferPointer { dOut in
          gates.withUnsafeBufferPointer { gate in
            cells.withUnsafeBufferPointer { cellState in
              previousCells.withUnsafeBufferPointer { cBefore in
                dHiddenNext.withUnsafeBufferPointer { dhNext in
                  dCellNext.withUnsafeMutableBufferPointer { dcNext in
                    for b in 0..<batch {
                      let row = b * steps + t
                      let m = mask[row]
                      let g = gate.baseAddress! + row * width
                      let d = dg.baseAddress! + row * width
                      let c = cellState.baseAddress! + row * h
                      let cb = cBefore.baseAddress! + row * h
                      let dOutRow = dOut.baseAddress! + row * h
                      let dhRow = dhNext.baseAddress! + b * h
                      let dcRow = dcNext.baseAddress! + b * h
                      for j in 0..<h {
                        let i = g[j]
                        let f = g[h + j]
                        let cand = g[2 * h + j]
                        let o = g[3 * h + j]
                        let tc = Activations.tanh(c[j])
                        let dh = (dOutRow[j] + dhRow[j]) * m
                        let dc = dcRow[j] * m + dh * o * (1 - tc * tc)
                        d[j] = dc * cand * i * (1 - i)
                        d[h + j] = dc * cb[j] * f * (1 - f)
                        d[2 * h + j] = dc * i * (1 - cand * cand)
                        d[3 * h + j] = dh * tc * o * (1 - o)
                        dcRow[j] = dc * f
                      }
                    }
                  }
                }
              }
            }
          }
        }
      }
      // dh_{t−1} = dGates_t · Uᵀ, the step's rows being `steps` rows apart.
      dGates.withUnsafeBufferPointer { dg in
        recurrentWeights.value.withUnsafeBufferPointer { u in
          dHiddenNext.withUnsafeMutableBufferPointer { dh in
            Matrix.multiply(
              dg.baseAddress! + t * width, u.baseAddress!, transposeB: true,
              into: dh.baseAddress!, m: batch, n: h, k: width, lda: steps * width)
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
    var dx = Tensor(shape: [rows, inputSize])
    TensorOps.multiply(
      dGates, rows: rows, inputWeights.value, columns: inputSize, inner: width, transposeB: true,
      into: &dx)
    return dx
  }
}
