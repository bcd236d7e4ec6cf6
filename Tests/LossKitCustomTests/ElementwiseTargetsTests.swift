import LossKit
import Testing

@Suite struct ElementwiseTargetsTests {
  @Test("class indices on a sequence output [N, T, C] become one-vs-rest targets per step")
  func sequenceOneVsRest() throws {
    let output = Tensor(shape: [2, 2, 3])
    let targets = try Targets(
      classIndices: [2, -100, 0, 1], shape: [2, 2], sampleWeights: [1, 1, 0.5, 2])
    let laidOut = try targets.elementwiseTargets(like: output, loss: "test")
    #expect(laidOut.values == [0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0])
    #expect(laidOut.sampleWeights == [1, 0, 0.5, 2])
    #expect(laidOut.elementsPerSample == 3)
    #expect(laidOut.weight(ofElement: 7) == 0.5)
  }

  @Test("binary outputs take 0/1 labels; dense targets pass through with the mask as weights")
  func binaryAndDense() throws {
    let binary = try Targets(classIndices: [1, 0, 1]).elementwiseTargets(
      like: Tensor(shape: [3, 1]), loss: "test")
    #expect(binary.values == [1, 0, 1])
    #expect(binary.sampleWeights == nil)
    let dense = try Tensor(shape: [2, 2], scalars: [0.2, 0.8, 1, 0])
    let laidOut = try Targets(dense: dense, mask: [1, 0]).elementwiseTargets(
      like: Tensor(shape: [2, 2]), loss: "test")
    #expect(laidOut.values == dense.scalars)
    #expect(laidOut.sampleWeights == [1, 0])
  }

  @Test("shapes that do not fit the output are errors")
  func mismatches() throws {
    #expect(throws: LossKitError.self) {
      try Targets(classIndices: [0, 1, 2]).elementwiseTargets(
        like: Tensor(shape: [2, 3]), loss: "t")
    }
    #expect(throws: LossKitError.self) {
      try Targets(dense: Tensor(shape: [2, 3])).elementwiseTargets(
        like: Tensor(shape: [3, 2]), loss: "t")
    }
    #expect(throws: LossKitError.self) {
      try Targets(classIndices: [0, 1], sampleWeights: [1]).elementwiseTargets(
        like: Tensor(shape: [2, 3]), loss: "t")
    }
  }
}
