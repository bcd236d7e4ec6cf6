import LossKitCore
import LossKitTesting
import Testing

@testable import LossKitFocal

@Suite struct BinaryFocalLossTests {
  static let settings: [(gamma: Double, alpha: Double?, smoothing: Double, weighted: Bool)] = [
    (2, 0.25, 0, false), (0, nil, 0, false), (0.5, 0.75, 0, true), (3, 0.4, 0.2, false),
    (1, nil, 0.1, true),
  ]

  @Test("value matches the reference and the gradient matches finite differences",
        arguments: 0..<5)
  func matchesReference(_ index: Int) throws {
    let s = Self.settings[index]
    var data = TestData(seed: UInt64(20 + index))
    let logits = data.normal([13, 3])
    var targets = Targets(dense: data.binary([13, 3]))
    if s.weighted { targets.sampleWeights = data.weights(13) }
    let loss = try BinaryFocalLoss(gamma: s.gamma, alpha: s.alpha, labelSmoothing: s.smoothing)
    let problems = try referenceProblems(loss, output: logits, targets: targets)
    #expect(problems.isEmpty, "\(problems)")
  }

  @Test("soft targets in (0, 1) are handled")
  func softTargets() throws {
    var data = TestData(seed: 4)
    let logits = data.normal([10, 2])
    let targets = Targets(dense: Tensor(shape: [10, 2]) { Float($0 % 7) / 7 })
    let problems = try referenceProblems(
      BinaryFocalLoss(gamma: 2, alpha: 0.25), output: logits, targets: targets)
    #expect(problems.isEmpty, "\(problems)")
  }

  @Test("class indices 0/1 with ignored samples for logits [N]")
  func classIndexTargets() throws {
    var data = TestData(seed: 9)
    let logits = data.normal([21])
    let labels: [Int32] = (0..<21).map { $0 % 5 == 0 ? -100 : Int32($0 % 2) }
    let problems = try referenceProblems(
      BinaryFocalLoss(gamma: 2), output: logits, targets: Targets(classIndices: labels))
    #expect(problems.isEmpty, "\(problems)")
  }

  @Test("torchvision and Keras conventions")
  func conventions() throws {
    #expect(try BinaryFocalLoss.torchvision(alpha: -1).alpha == nil)
    #expect(try BinaryFocalLoss.torchvision(alpha: 0.25).alpha == 0.25)
    #expect(try BinaryFocalLoss.keras(applyClassBalancing: false, alpha: 0.25).alpha == nil)
    #expect(try BinaryFocalLoss.keras(applyClassBalancing: true, alpha: 0.6).alpha == 0.6)
  }

  @Test("saturated logits keep finite gradients for every gamma (torchvision's are NaN below 1)",
        arguments: [0.0, 0.25, 0.5, 1, 2])
  func saturation(gamma: Double) throws {
    let logits = try Tensor(shape: [2, 4], scalars: [1e4, -1e4, 100, -100, 30, -30, 88.9, -90])
    let targets = Targets(dense: try Tensor(shape: [2, 4], scalars: [1, 0, 1, 0, 0, 1, 1, 0]))
    let result = try BinaryFocalLoss(gamma: gamma, alpha: 0.25)(logits, targets)
    #expect(result.value.isFinite)
    #expect(result.gradients["logits"]!.scalars.allSatisfy { $0.isFinite })
  }

  @Test("the SIMD tail and parallel chunks agree with the reference", arguments: [1, 15, 17, 70_001])
  func sizes(count: Int) throws {
    var data = TestData(seed: UInt64(count))
    let logits = data.normal([count, 1])
    let targets = Targets(dense: data.binary([count, 1]))
    let loss = try BinaryFocalLoss(gamma: 2, alpha: 0.25)
    let result = try loss(logits, targets)
    let reference = try loss.referenceValue(
      logits.scalars.map(Double.init), shape: logits.shape, targets: targets)
    #expect(isClose(result.value, reference, relative: 1e-5, absolute: 1e-7))
  }

  @Test func targetsOutsideZeroOneAreRejected() {
    let logits = Tensor(shape: [1, 2])
    #expect(throws: LossKitError.self) {
      try BinaryFocalLoss()(logits, Targets(dense: try Tensor(shape: [1, 2], scalars: [1, 2])))
    }
    #expect(throws: LossKitError.self) {
      try BinaryFocalLoss()(Tensor(shape: [2]), Targets(classIndices: [0, 2]))
    }
  }

  @Test("class indices on a C-class output are one-vs-rest targets, ignored rows masked out")
  func classIndicesOnSeveralClasses() throws {
    let logits = try Tensor(shape: [3, 3], scalars: [1, -2, 0.5, 0, 3, -1, 2, 2, -4])
    let loss = try BinaryFocalLoss(gamma: 2, alpha: 0.25)
    let indexed = try loss(logits, Targets(classIndices: [2, 0, -100]))
    let oneHot = try Tensor(shape: [3, 3], scalars: [0, 0, 1, 1, 0, 0, 0, 0, 0])
    let dense = try loss(logits, Targets(dense: oneHot, sampleWeights: [1, 1, 0]))
    #expect(indexed.value == dense.value)
    #expect(indexed.gradients["logits"] == dense.gradients["logits"])
  }

  @Test func invalidParameters() {
    #expect(throws: LossKitError.self) { try BinaryFocalLoss(gamma: -2) }
    #expect(throws: LossKitError.self) { try BinaryFocalLoss(alpha: 1.5) }
    #expect(throws: LossKitError.self) { try BinaryFocalLoss(labelSmoothing: 1) }
  }
}
