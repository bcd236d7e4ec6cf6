import LossKitCore
import Testing

@Suite struct CompositeWeightTests {
  let x = try! Tensor(shape: [2, 2], scalars: [1, 2, 3, 4])
  let y = Targets(dense: try! Tensor(shape: [2, 2], scalars: [0, 2, 2, 0]))

  // Found by the loss-expression fuzzer: `1e308*contrastive` gave an infinite value.
  @Test(
    "a weight too large for Float gradients is an error, not an infinite loss",
    arguments: [1e308, -1e40, 1e7, .infinity, .nan])
  func hugeWeights(_ weight: Double) {
    let composite = CompositeLoss([.init(weight: weight, loss: HalfSquaredError())])
    #expect {
      try composite(x, y)
    } throws: { error in
      "\(error)".contains("is not within ±1000000.0")
    }
  }

  @Test("weights up to the bound evaluate to finite values and gradients")
  func largestWeight() throws {
    let composite = CompositeLoss([
      .init(weight: CompositeLoss.largestWeight, loss: HalfSquaredError()),
      .init(weight: -CompositeLoss.largestWeight, loss: HalfSquaredError()),
    ])
    let result = try composite(x, y)
    #expect(result.value.isFinite)
    #expect(result.gradients["logits"]!.scalars.allSatisfy { $0.isFinite })
  }
}
