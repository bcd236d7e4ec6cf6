import Foundation
import LossKitCore
import LossKitTesting
import Testing

@testable import LossKitFocal

/// One configuration of the softmax focal loss to check against its reference.
struct FocalCase: CustomTestStringConvertible, Sendable {
  var gamma: Double
  var alpha: [Double]?
  var smoothing: Double = 0
  var dense = false
  var weighted = false
  var rows = 19
  var classes = 4
  var reduction: Reduction = .mean
  var testDescription: String {
    "γ=\(gamma) α=\(alpha.map { "\($0.count)" } ?? "none") ε=\(smoothing) dense=\(dense) "
      + "weighted=\(weighted) \(rows)×\(classes) \(reduction)"
  }
}

@Suite struct FocalLossTests {
  static let cases: [FocalCase] = [
    FocalCase(gamma: 0, alpha: nil),
    FocalCase(gamma: 0.5, alpha: nil, rows: 1, classes: 2),
    FocalCase(gamma: 1, alpha: [0.5, 1, 2, 3]),
    FocalCase(gamma: 2, alpha: nil, reduction: .sum),
    FocalCase(gamma: 2, alpha: [0.25], smoothing: 0.1),
    FocalCase(gamma: 3.7, alpha: [1, 2, 0.5, 1], weighted: true, rows: 33, classes: 4),
    FocalCase(gamma: 2, alpha: nil, dense: true),
    FocalCase(gamma: 1.5, alpha: [2, 1, 1, 1], smoothing: 0.2, dense: true, weighted: true),
    FocalCase(gamma: 2, alpha: nil, rows: 16, classes: 17),
    // Full 32-row tiles take the 4×4-transpose path; 10 and 5 classes end in a block that
    // overlaps the one before it.
    FocalCase(gamma: 2, alpha: [0.5, 1, 2, 3, 1, 1, 0.5, 2, 1, 1], weighted: true, rows: 70,
              classes: 10),
    FocalCase(gamma: 0, alpha: nil, rows: 64, classes: 5),
    FocalCase(gamma: 1, alpha: nil, smoothing: 0.1, rows: 64, classes: 8),
    FocalCase(gamma: 2, alpha: nil, dense: true, rows: 40, classes: 6),
  ]

  @Test("value matches the reference and the gradient matches finite differences",
        arguments: cases)
  func matchesReference(_ c: FocalCase) throws {
    var data = TestData(seed: 7)
    let logits = data.normal([c.rows, c.classes])
    var targets =
      c.dense
      ? Targets(dense: data.distributions(rows: c.rows, classes: c.classes))
      : Targets(classIndices: data.labels(c.rows, classes: c.classes, ignored: 0.15))
    if c.weighted { targets.sampleWeights = data.weights(c.rows) }
    let loss = try FocalLoss(
      gamma: c.gamma, alpha: c.alpha, labelSmoothing: c.smoothing, reduction: c.reduction)
    let problems = try referenceProblems(loss, output: logits, targets: targets)
    #expect(problems.isEmpty, "\(problems)")
  }

  @Test("focal with gamma 0 and no alpha is exactly cross-entropy")
  func gammaZeroIsCrossEntropy() throws {
    var data = TestData(seed: 3)
    let logits = data.normal([50, 6])
    let labels = data.labels(50, classes: 6)
    let result = try FocalLoss(gamma: 0)(logits, Targets(classIndices: labels))
    var expected = 0.0
    for row in 0..<50 {
      let z = (0..<6).map { Double(logits[row, $0]) }
      let top = z.max()!
      let logSum = top + log(z.map { exp($0 - top) }.reduce(0, +))
      expected += (logSum - z[Int(labels[row])]) / 50
    }
    #expect(isClose(result.value, expected, relative: 1e-6, absolute: 1e-7))
  }

  @Test("a large batch split across cores equals the sum of its parts")
  func parallelSplitIsConsistent() throws {
    var data = TestData(seed: 11)
    let rows = 20_011
    let logits = data.normal([rows, 5])
    let labels = data.labels(rows, classes: 5, ignored: 0.1)
    let loss = try FocalLoss(gamma: 2, alpha: [1, 2, 3, 4, 5], reduction: .sum)
    let whole = try loss(logits, Targets(classIndices: labels))
    var sum = 0.0
    var gradient: [Float] = []
    for start in stride(from: 0, to: rows, by: 997) {
      let end = min(rows, start + 997)
      let part = try Tensor(
        shape: [end - start, 5], scalars: Array(logits.scalars[(start * 5)..<(end * 5)]))
      let result = try loss(part, Targets(classIndices: Array(labels[start..<end])))
      sum += result.value
      gradient += result.gradients["logits"]!.scalars
    }
    #expect(isClose(whole.value, sum, relative: 1e-6, absolute: 1e-6))
    #expect(whole.gradients["logits"]!.scalars == gradient)
    let reference = try loss.referenceValue(
      logits.scalars.map(Double.init), shape: logits.shape, targets: Targets(classIndices: labels))
    #expect(isClose(whole.value, reference, relative: 1e-5, absolute: 1e-6))
  }

  @Test("extreme logits give finite values and gradients", arguments: [0.0, 0.5, 1, 2, 5])
  func extremeLogits(gamma: Double) throws {
    let values: [Float] = [1e4, -1e4, 0, -1e4, 1e4, 3, 1e4, 1e4, -1e4, 0, 0, 0]
    let logits = try Tensor(shape: [4, 3], scalars: values)
    let result = try FocalLoss(gamma: gamma, alpha: [0.3, 1, 2])(
      logits, Targets(classIndices: [1, 0, 2, 1]))
    #expect(result.value.isFinite)
    #expect(result.gradients["logits"]!.scalars.allSatisfy { $0.isFinite })
    // Row 0 puts all mass on class 0 while the target is 1: loss ≈ α₁·2e4.
    #expect(result.value > 1_000)
  }

  @Test("an all-ignored batch gives 0 with a zero gradient")
  func allIgnored() throws {
    let logits = try Tensor(shape: [3, 2], scalars: [1, 2, 3, 4, 5, 6])
    let result = try FocalLoss()(logits, Targets(classIndices: [-100, -100, -100]))
    #expect(result.value == 0)
    #expect(result.gradients["logits"]!.scalars == [0, 0, 0, 0, 0, 0])
  }

  @Test("an empty batch gives 0")
  func emptyBatch() throws {
    let result = try FocalLoss()(Tensor(shape: [0, 3]), Targets(classIndices: []))
    #expect(result.value == 0)
  }

  @Test("per-sample losses add up to the sum reduction")
  func perSampleView() throws {
    var data = TestData(seed: 5)
    let logits = data.normal([40, 3])
    let targets = Targets(classIndices: data.labels(40, classes: 3, ignored: 0.2))
    let loss = try FocalLoss(gamma: 2, alpha: [1, 2, 3], reduction: .sum)
    let perSample = try loss.perSampleLosses(["logits": logits], ["labels": targets])
    #expect(perSample.shape == [40])
    let total = try loss(logits, targets).value
    #expect(isClose(perSample.scalars.map(Double.init).reduce(0, +), total, relative: 1e-5, absolute: 1e-6))
  }

  @Test("sequence logits [N, T, C] with [N, T] targets and a mask")
  func sequences() throws {
    var data = TestData(seed: 8)
    let logits = data.normal([3, 5, 4])
    var targets = try Targets(classIndices: data.labels(15, classes: 4), shape: [3, 5])
    targets.mask = (0..<15).map { $0 % 5 < 3 ? 1 : 0 }
    let problems = try referenceProblems(FocalLoss(gamma: 2), output: logits, targets: targets)
    #expect(problems.isEmpty, "\(problems)")
  }
}

@Suite struct FocalLossErrorTests {
  let logits = try! Tensor(shape: [2, 3], scalars: [0, 1, 2, 3, 4, 5])

  @Test func negativeGammaIsRejected() {
    #expect(throws: LossKitError.self) { try FocalLoss(gamma: -1) }
    var loss = FocalLoss()
    loss.gamma = -0.5
    #expect(throws: LossKitError.self) { try loss(logits, Targets(classIndices: [0, 1])) }
  }

  @Test func shapeMismatch() {
    #expect(throws: LossKitError.self) { try FocalLoss()(logits, Targets(classIndices: [0, 1, 2])) }
  }

  @Test func labelOutOfRange() throws {
    do {
      _ = try FocalLoss()(logits, Targets(classIndices: [0, 3]))
      Issue.record("expected an error")
    } catch let error as LossKitError {
      guard case .labelOutOfRange(_, let label, let sample, let classes, _) = error else {
        Issue.record("wrong error \(error)")
        return
      }
      #expect(label == 3 && sample == 1 && classes == 3)
      #expect(error.description.contains("0..<3"))
    }
  }

  @Test func nonFiniteLogits() {
    for bad in [Float.nan, .infinity, -.infinity] {
      let input = try! Tensor(shape: [2, 3], scalars: [0, 1, bad, 3, 4, 5])
      #expect(throws: LossKitError.nonFiniteInput(loss: "focal", input: "output 'logits'", index: 2)) {
        try FocalLoss()(input, Targets(classIndices: [0, 1]))
      }
    }
  }

  @Test("a non-finite logit inside a full tile is reported, whichever class it is in",
        arguments: [Float.nan, .infinity, -.infinity])
  func nonFiniteLogitInFullTile(bad: Float) {
    var data = TestData(seed: 5)
    let labels = data.labels(64, classes: 10)
    for index in [0, 407, 639] {
      var input = data.normal([64, 10])
      input.withUnsafeMutableBufferPointer { $0[index] = bad }
      #expect(
        throws: LossKitError.nonFiniteInput(loss: "focal", input: "output 'logits'", index: index)
      ) {
        try FocalLoss()(input, Targets(classIndices: labels))
      }
    }
  }

  @Test func alphaOfWrongLength() {
    #expect(throws: LossKitError.self) {
      try FocalLoss(alpha: [1, 2])(logits, Targets(classIndices: [0, 1]))
    }
  }

  @Test func missingOutputNamesWhatExists() {
    #expect(throws: LossKitError.missingOutput(loss: "focal", name: "logits", available: ["scores"])) {
      try FocalLoss()(["scores": logits], ["labels": Targets(classIndices: [0, 1])])
    }
  }
}
