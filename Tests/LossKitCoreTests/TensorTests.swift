import LossKitCore
import Testing

@Suite struct TensorTests {
  @Test func elementsAreRowMajor() throws {
    let tensor = try Tensor(shape: [2, 3], scalars: [0, 1, 2, 3, 4, 5])
    #expect(tensor[1, 0] == 3)
    #expect(tensor.flatRowCount == 2 && tensor.lastDimension == 3 && tensor.rank == 2)
  }

  @Test func wrongElementCountIsAnError() {
    #expect(throws: LossKitError.shapeMismatch("tensor elements", expected: [2, 2], actual: [3])) {
      try Tensor(shape: [2, 2], scalars: [1, 2, 3])
    }
  }

  @Test func copiesAreIndependent() throws {
    let original = try Tensor(shape: [2], scalars: [1, 2])
    var copy = original
    copy[0] = 9
    #expect(original[0] == 1 && copy[0] == 9)
  }

  @Test func reshapeKeepsElements() throws {
    let tensor = try Tensor(shape: [2, 3], scalars: [0, 1, 2, 3, 4, 5]).reshaped(to: [3, 2])
    #expect(tensor[2, 1] == 5)
    #expect(throws: LossKitError.self) { try tensor.reshaped(to: [4]) }
  }
}

@Suite struct TargetsTests {
  @Test func rowWeightsCombineMaskAndWeights() {
    var targets = Targets(classIndices: [0, 1, 2])
    #expect(targets.rowWeights == nil)
    targets.sampleWeights = [2, 3, 4]
    targets.mask = [1, 0, 1]
    #expect(targets.rowWeights == [2, 0, 4])
  }

  @Test func sequenceShapeMustMatchTheCount() {
    #expect(throws: LossKitError.self) { try Targets(classIndices: [0, 1, 2], shape: [2, 2]) }
  }

  @Test func perSampleArraysAreChecked() {
    let wrongLength = Targets(classIndices: [0, 1], sampleWeights: [1])
    #expect(throws: LossKitError.self) { try wrongLength.validatePerSampleArrays(loss: "x") }
    let negative = Targets(classIndices: [0, 1], mask: [1, -1])
    #expect(throws: LossKitError.self) { try negative.validatePerSampleArrays(loss: "x") }
  }
}
