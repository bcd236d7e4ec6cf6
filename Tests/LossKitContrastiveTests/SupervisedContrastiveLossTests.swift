import LossKitCore
import LossKitTesting
import Testing

@testable import LossKitContrastive

@Suite struct SupervisedContrastiveLossTests {
  @Test("value matches the reference and the gradient matches finite differences",
        arguments: [0.07, 0.1, 0.5])
  func matchesReference(temperature: Double) throws {
    var data = TestData(seed: 51)
    let embeddings = data.normal([14, 5], scale: 1)
    var labels = data.labels(14, classes: 3)
    labels[0] = 9  // seen once: this anchor has no positive
    let problems = try referenceProblems(
      SupervisedContrastiveLoss(temperature: temperature), output: embeddings,
      targets: Targets(classIndices: labels), gradientTolerance: 3e-3, gradientFloor: 5e-5)
    #expect(problems.isEmpty, "\(problems)")
  }

  @Test("a single-sample class contributes nothing as an anchor")
  func singleSampleClass() throws {
    var data = TestData(seed: 52)
    let embeddings = data.normal([6, 3], scale: 1)
    let loss = try SupervisedContrastiveLoss(temperature: 0.1)
    let with = try loss(embeddings, Targets(classIndices: [0, 0, 1, 1, 1, 7]))
    #expect(with.value > 0)
    let problems = try referenceProblems(
      loss, output: embeddings, targets: Targets(classIndices: [0, 0, 1, 1, 1, 7]),
      gradientTolerance: 3e-3, gradientFloor: 5e-5)
    #expect(problems.isEmpty, "\(problems)")
  }

  @Test("no positive pair, or no negative pair, gives 0")
  func degenerateBatches() throws {
    var data = TestData(seed: 53)
    let embeddings = data.normal([4, 3], scale: 1)
    let loss = SupervisedContrastiveLoss()
    #expect(try loss(embeddings, Targets(classIndices: [0, 1, 2, 3])).value == 0)
    let same = try loss(embeddings, Targets(classIndices: [5, 5, 5, 5]))
    #expect(same.value == 0)
    #expect(same.gradients["embeddings"]!.scalars.allSatisfy { $0 == 0 })
  }

  @Test("ignored and masked samples are left out of the batch")
  func ignoredSamples() throws {
    var data = TestData(seed: 54)
    let embeddings = data.normal([8, 4], scale: 1)
    var targets = Targets(classIndices: [0, 0, 1, -100, 1, 2, 2, 0])
    targets.mask = [1, 1, 1, 1, 1, 1, 0, 1]
    let loss = try SupervisedContrastiveLoss(temperature: 0.2)
    let problems = try referenceProblems(
      loss, output: embeddings, targets: targets, gradientTolerance: 3e-3, gradientFloor: 5e-5)
    #expect(problems.isEmpty, "\(problems)")
    let gradient = try loss(embeddings, targets).gradients["embeddings"]!
    #expect((0..<4).allSatisfy { gradient[3, $0] == 0 && gradient[6, $0] == 0 })
  }

  @Test("a larger batch (GEMM path, several tiles) matches the reference")
  func largerBatch() throws {
    var data = TestData(seed: 55)
    let embeddings = data.normal([130, 20], scale: 1)
    let targets = Targets(classIndices: data.labels(130, classes: 6))
    let loss = try SupervisedContrastiveLoss(temperature: 0.1)
    let value = try loss(embeddings, targets).value
    let reference = try loss.referenceValue(
      embeddings.scalars.map(Double.init), shape: embeddings.shape, targets: targets)
    #expect(isClose(value, reference, relative: 1e-4, absolute: 1e-6))
  }

  @Test func invalidTemperature() {
    #expect(throws: LossKitError.self) { try SupervisedContrastiveLoss(temperature: 0) }
    #expect(throws: LossKitError.self) { try SupervisedContrastiveLoss(temperature: -0.1) }
  }

  @Test func shapeAndInputErrors() {
    let loss = SupervisedContrastiveLoss()
    #expect(throws: LossKitError.self) {
      try loss(Tensor(shape: [3, 2]), Targets(classIndices: [0, 1]))
    }
    #expect(throws: LossKitError.self) {
      try loss(try Tensor(shape: [2, 1], scalars: [.nan, 1]), Targets(classIndices: [0, 0]))
    }
    #expect(throws: LossKitError.self) {
      try loss(Tensor(shape: [2, 2]), Targets(classIndices: [0, 0], sampleWeights: [1, 2]))
    }
  }

  @Test func zeroEmbeddingsStayFinite() throws {
    let result = try SupervisedContrastiveLoss()(
      Tensor(shape: [4, 3]), Targets(classIndices: [0, 0, 1, 1]))
    #expect(result.value.isFinite)
    #expect(result.gradients["embeddings"]!.scalars.allSatisfy { $0.isFinite })
  }
}
