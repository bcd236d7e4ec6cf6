import LossKitCore
import LossKitTesting
import Testing

@testable import LossKitFocalF1

@Suite struct FocalF1LossTests {
  @Test("value matches the reference and the gradient matches finite differences",
        arguments: [[0], [0, 1], [2, 0, 1], [1]])
  func matchesReference(focal: [Int]) throws {
    var data = TestData(seed: 41)
    let logits = data.normal([37, 3])
    let targets = Targets(classIndices: data.labels(37, classes: 3, ignored: 0.1))
    let problems = try referenceProblems(
      FocalF1Loss(focalClasses: focal), output: logits, targets: targets,
      gradientFloor: 1e-6)
    #expect(problems.isEmpty, "\(problems)")
  }

  @Test("sequences count every unmasked step")
  func sequences() throws {
    var data = TestData(seed: 42)
    let logits = data.normal([4, 6, 3])
    var targets = try Targets(classIndices: data.labels(24, classes: 3), shape: [4, 6])
    targets.mask = (0..<24).map { $0 % 6 < 4 ? 1 : 0 }
    let problems = try referenceProblems(
      FocalF1Loss(focalClasses: [0, 1]), output: logits, targets: targets, gradientFloor: 1e-6)
    #expect(problems.isEmpty, "\(problems)")
    // Masked steps get no gradient.
    let gradient = try FocalF1Loss(focalClasses: [0, 1])(logits, targets).gradients["logits"]!
    #expect(gradient[0, 5, 0] == 0 && gradient[3, 4, 2] == 0)
  }

  @Test("a large batch across cores matches the reference")
  func largeBatch() throws {
    var data = TestData(seed: 43)
    let logits = data.normal([30_001, 3])
    let targets = Targets(classIndices: data.labels(30_001, classes: 3))
    let loss = try FocalF1Loss(focalClasses: [0, 1])
    let value = try loss(logits, targets).value
    let reference = try loss.referenceValue(
      logits.scalars.map(Double.init), shape: logits.shape, targets: targets)
    #expect(isClose(value, reference, relative: 1e-5, absolute: 1e-6))
  }

  @Test("a perfect prediction gives a loss near 0; labels not named are ignored")
  func perfectPrediction() throws {
    let logits = try Tensor(shape: [3, 3], scalars: [20, 0, 0, 0, 20, 0, 0, 0, 20])
    let loss = try FocalF1Loss(focalClasses: [0, 1])
    #expect(try loss(logits, Targets(classIndices: [0, 1, 2])).value < 1e-6)
    let wrongOnMisc = try Tensor(shape: [3, 3], scalars: [20, 0, 0, 0, 20, 0, 0, 20, 0])
    #expect(try FocalF1Loss(focalClasses: [0])(wrongOnMisc, Targets(classIndices: [0, 1, 2])).value < 1e-6)
  }

  @Test("focal labels resolve by name")
  func resolution() throws {
    let context = LossContext(labelNames: ["Nomenclature", "Description", "Misc"])
    let loss = try FocalF1Loss(focalLabels: ["Description", "Nomenclature"]).prepared(for: context)
    #expect(loss.focalClasses == [1, 0])
  }

  @Test func unknownFocalLabel() throws {
    let context = LossContext(labelNames: ["Nomenclature", "Description", "Misc"])
    #expect(throws: LossKitError.unknownLabel(
      "Species", known: ["Nomenclature", "Description", "Misc"], context: "focal-f1 focal labels")) {
      try FocalF1Loss(focalLabels: ["Species"]).prepared(for: context)
    }
  }

  @Test func emptyFocalLabels() {
    #expect(throws: LossKitError.self) { try FocalF1Loss(focalLabels: []) }
    #expect(throws: LossKitError.self) { try FocalF1Loss(focalClasses: []) }
    #expect(throws: LossKitError.self) {
      try FocalF1Loss()(Tensor(shape: [1, 2]), Targets(classIndices: [0]))
    }
  }

  @Test func unresolvedLabelsAreAnError() {
    #expect(throws: LossKitError.self) {
      try FocalF1Loss(focalLabels: ["a"])(Tensor(shape: [1, 2]), Targets(classIndices: [0]))
    }
  }

  @Test func focalClassBeyondTheLogits() {
    #expect(throws: LossKitError.self) {
      try FocalF1Loss(focalClasses: [3])(Tensor(shape: [1, 2]), Targets(classIndices: [0]))
    }
  }

  @Test("an all-ignored batch gives 0 with a zero gradient")
  func allIgnored() throws {
    let result = try FocalF1Loss(focalClasses: [0])(
      Tensor(shape: [2, 2], repeating: 1), Targets(classIndices: [-100, -100]))
    #expect(result.value == 0)
    #expect(result.gradients["logits"]!.scalars == [0, 0, 0, 0])
  }

  @Test func extremeLogitsStayFinite() throws {
    let logits = try Tensor(shape: [3, 3], scalars: [1e4, -1e4, 0, -1e4, 1e4, 1e4, 0, 0, -1e4])
    let result = try FocalF1Loss(focalClasses: [0, 2])(logits, Targets(classIndices: [2, 0, 1]))
    #expect(result.value.isFinite)
    #expect(result.gradients["logits"]!.scalars.allSatisfy { $0.isFinite })
  }
}
