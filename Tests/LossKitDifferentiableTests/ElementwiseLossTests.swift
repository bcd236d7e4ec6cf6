import Foundation
import LossKit
import LossKitDifferentiable
import LossKitTesting
import Testing
import _Differentiation

/// The Brier score of a binary prediction, written as a plain differentiable function.
struct BinaryBrier: ElementwiseLoss, Equatable {
  static let name = "binary-brier"
  static let version = 1
  static let summary = "(σ(x) − y)²"
  static let input = ElementwiseInput.probability

  @differentiable(reverse,wrt: prediction)
  static func elementLoss(_ prediction: Double, target: Double) -> Double {
    (prediction - target) * (prediction - target)
  }
}

/// Logistic loss on the raw logit: log(1 + e^{−(2y−1)x}).
struct LogitLoss: ElementwiseLoss, Equatable {
  static let name = "logit-loss"
  static let version = 1
  static let summary = "logistic loss on the logit"
  static let input = ElementwiseInput.logit

  @differentiable(reverse,wrt: prediction)
  static func elementLoss(_ prediction: Double, target: Double) -> Double {
    log(1 + exp(-(2 * target - 1) * prediction))
  }
}

/// A function that is not finite everywhere: log of the probability, unclamped.
struct UnclampedLog: ElementwiseLoss, Equatable {
  static let name = "unclamped-log"
  static let version = 1
  static let summary = "−log p"
  static let input = ElementwiseInput.probability

  @differentiable(reverse,wrt: prediction)
  static func elementLoss(_ prediction: Double, target: Double) -> Double {
    -log(prediction)
  }
}

@Suite struct ElementwiseLossTests {
  func check<L: ElementwiseLoss>(
    _ loss: L, _ logits: Tensor, _ targets: Targets, reference: ([Double]) -> Double
  ) throws {
    let result = try loss(logits, targets)
    let x = logits.scalars.map(Double.init)
    #expect(isClose(result.value, reference(x), relative: 1e-6, absolute: 1e-9))
    let numeric = finiteDifferenceGradient(at: x, reference)
    let gradient = result.gradients["logits"]!.scalars.map(Double.init)
    #expect(mismatches(gradient, numeric, relative: 1e-4, absolute: 1e-7).isEmpty)
  }

  @Test("the derived gradient of a probability loss matches finite differences")
  func probabilityInput() throws {
    var data = TestData(seed: 1)
    let logits = data.normal([6, 2])
    let y = data.binary([6, 2])
    try check(BinaryBrier(), logits, Targets(dense: y)) { x in
      zip(x, y.scalars).map {
        let p = 1 / (1 + exp(-$0)); return (p - Double($1)) * (p - Double($1))
      }
      .reduce(0, +) / Double(x.count)
    }
  }

  @Test("a logit loss with class indices and an ignored sample")
  func logitInput() throws {
    let logits = try Tensor(shape: [4], scalars: [0.5, -1, 2, 0.3])
    try check(LogitLoss(), logits, Targets(classIndices: [1, 0, -100, 1])) { x in
      let labels: [Double] = [1, 0, -1, 1]
      var total = 0.0
      for (logit, label) in zip(x, labels) where label >= 0 {
        let sign: Double = 2 * label - 1
        total += log(1 + exp(-sign * logit))
      }
      return total / 3
    }
  }

  @Test("class indices on a 3-class output average the one-vs-rest losses, weighted")
  func multiClassIndices() throws {
    var data = TestData(seed: 3)
    let logits = data.normal([5, 3])
    let labels: [Int32] = [2, 0, -100, 1, 2]
    let weights: [Float] = [1, 0.5, 3, 2, 1]
    try check(LogitLoss(), logits, Targets(classIndices: labels, sampleWeights: weights)) { x in
      var total = 0.0
      var divisor = 0.0
      for (row, label) in labels.enumerated() where label >= 0 {
        for c in 0..<3 {
          let sign: Double = Int32(c) == label ? 1 : -1
          total += Double(weights[row]) * log(1 + exp(-sign * x[row * 3 + c]))
          divisor += Double(weights[row])
        }
      }
      return total / divisor
    }
  }

  @Test("registered in one line, saved by name, composed with built-ins")
  func registration() throws {
    var registry = LossRegistry.standard
    try registry.register(BinaryBrier.self)
    let composite = 0.5 * BinaryBrier() + 0.5 * BinaryFocalLoss()
    let reloaded = try registry.makeLoss(from: try LossSpec(composite))
    #expect(try LossSpec(reloaded) == LossSpec(composite))
  }

  @Test("a label outside the output's classes is an error")
  func labelsMustBeInRange() {
    #expect(throws: LossKitError.self) {
      try BinaryBrier()(Tensor(shape: [2]), Targets(classIndices: [0, 2]))
    }
    #expect(throws: LossKitError.self) {
      try BinaryBrier()(Tensor(shape: [2, 3]), Targets(classIndices: [0, 3]))
    }
  }

  @Test("a non-finite function value is an error and leaves the gradient buffers unchanged")
  func nonFiniteFunction() throws {
    let logits = try Tensor(shape: [3], scalars: [0.5, -800, 1])
    var gradients = GradientBuffers()
    gradients.write("logits", shape: [3]) { buffer, _ in buffer.update(repeating: 7) }
    #expect(throws: ElementwiseLossError.self) {
      try UnclampedLog().evaluate(
        ["logits": logits], ["labels": Targets(classIndices: [1, 0, 1])], scale: 1,
        gradients: &gradients)
    }
    #expect(gradients["logits"]!.scalars == [7, 7, 7])
  }
}
