import Dispatch
import LossKitCore

/// Two ``LSTM`` layers reading each sequence forward and backward, outputs concatenated
/// (`[rows, 2·hiddenSize]`). The two directions are independent and run on two cores.
public final class BidirectionalLSTM {
  /// The layer reading sequences from the start.
  public let forwardLayer: LSTM
  /// The layer reading sequences from the end.
  public let backwardLayer: LSTM

  /// Creates the pair.
  public init(name: String, inputSize: Int, hiddenSize: Int, random: inout SeededGenerator) {
    forwardLayer = LSTM(
      name: "\(name).forward", inputSize: inputSize, hiddenSize: hiddenSize, reversed: false,
      random: &random)
    backwardLayer = LSTM(
      name: "\(name).backward", inputSize: inputSize, hiddenSize: hiddenSize, reversed: true,
      random: &random)
  }

  /// Both directions' parameters.
  public var parameters: [Parameter] { forwardLayer.parameters + backwardLayer.parameters }

  var hiddenSize: Int { forwardLayer.hiddenSize }

  /// `[rows, inputSize]` → `[rows, 2·hiddenSize]`.
  public func forward(
    _ x: Tensor, shape: SequenceShape, mask: [Float]?, training: Bool
  ) -> Tensor {
    let layers = UncheckedBox((forwardLayer, backwardLayer))
    let results = [UncheckedBox(Tensor(shape: [0])), UncheckedBox(Tensor(shape: [0]))]
    DispatchQueue.concurrentPerform(iterations: 2) { direction in
      let layer = direction == 0 ? layers.value.0 : layers.value.1
      results[direction].value = layer.forward(x, shape: shape, mask: mask, training: training)
    }
    let rows = shape.count * shape.steps
    let h = hiddenSize
    var joined = Tensor(uninitializedShape: [rows, 2 * h])
    joined.withUnsafeMutableBufferPointer { out in
      for (direction, part) in results.enumerated() {
        part.value.withUnsafeBufferPointer { p in
          TensorOps.copyColumns(
            from: p.baseAddress!, sourceWidth: h, into: out.baseAddress!, targetWidth: 2 * h,
            offset: direction * h, rows: rows)
        }
      }
    }
    return joined
  }

  /// Splits `∂L/∂output` between the directions and returns the summed `∂L/∂x`.
  public func backward(_ dOutput: Tensor, rows: Int) -> Tensor {
    let h = hiddenSize
    var parts = [Tensor(uninitializedShape: [rows, h]), Tensor(uninitializedShape: [rows, h])]
    dOutput.withUnsafeBufferPointer { d in
      for direction in 0..<2 {
        parts[direction].withUnsafeMutableBufferPointer { p in
          for row in 0..<rows {
            (p.baseAddress! + row * h).update(
              from: d.baseAddress! + row * 2 * h + direction * h, count: h)
          }
        }
      }
    }
    let layers = UncheckedBox((forwardLayer, backwardLayer))
    let slopes = UncheckedBox(parts)
    let results = [UncheckedBox(Tensor(shape: [0])), UncheckedBox(Tensor(shape: [0]))]
    DispatchQueue.concurrentPerform(iterations: 2) { direction in
      let layer = direction == 0 ? layers.value.0 : layers.value.1
      results[direction].value = layer.backward(slopes.value[direction])
    }
    var dx = results[0].value
    let other = results[1].value
    other.withUnsafeBufferPointer { o in
      dx.withUnsafeMutableBufferPointer { d in
        for i in d.indices { d[i] += o[i] }
      }
    }
    return dx
  }
}

/// A reference that crosses a `concurrentPerform` boundary: each task reads shared boxes or
/// writes only its own.
final class UncheckedBox<Value>: @unchecked Sendable {
  var value: Value
  init(_ value: Value) { self.value = value }
}
