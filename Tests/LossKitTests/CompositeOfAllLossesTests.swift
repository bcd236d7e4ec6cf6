import Foundation
import LossKit
import LossKitTesting
import Testing

@Suite struct CompositeOfAllLossesTests {
  @Test("a composite of all four losses has the gradient of its weighted references")
  func finiteDifferences() throws {
    var data = TestData(seed: 61)
    let logits = data.normal([12, 3])
    let embeddings = data.normal([12, 4], scale: 1)
    let labels = Targets(classIndices: [0, 1, 2, 0, 1, 2, 0, 0, 1, 2, 2, -100])
    let focal = try FocalLoss(gamma: 2, alpha: [1, 2, 3])
    let weighted = try WeightedCrossEntropyLoss(weights: [0.5, 1, 4], labelSmoothing: 0.1)
    let f1 = try FocalF1Loss(focalClasses: [0, 1])
    let supcon = try SupervisedContrastiveLoss(temperature: 0.2)
    let composite = 0.4 * focal + 0.3 * weighted + 0.2 * f1 + 0.1 * supcon
    let result = try composite(["logits": logits, "embeddings": embeddings], ["labels": labels])
    #expect(result.parts.map(\.name) == ["focal", "weighted-cross-entropy", "focal-f1", "supcon"])

    func logitTerms(_ z: [Double]) throws -> Double {
      try 0.4 * focal.referenceValue(z, shape: logits.shape, targets: labels)
        + 0.3 * weighted.referenceValue(z, shape: logits.shape, targets: labels)
        + 0.2 * f1.referenceValue(z, shape: logits.shape, targets: labels)
    }
    let z = logits.scalars.map(Double.init)
    let e = embeddings.scalars.map(Double.init)
    let reference =
      try logitTerms(z) + 0.1 * supcon.referenceValue(e, shape: embeddings.shape, targets: labels)
    #expect(isClose(result.value, reference, relative: 1e-4, absolute: 1e-6))
    let logitGradient = try finiteDifferenceGradient(at: z, logitTerms)
    let embeddingGradient = try finiteDifferenceGradient(at: e) {
      try 0.1 * supcon.referenceValue($0, shape: embeddings.shape, targets: labels)
    }
    #expect(mismatches(
      result.gradients["logits"]!.scalars.map(Double.init), logitGradient, relative: 2e-3,
      absolute: 2e-5).isEmpty)
    #expect(mismatches(
      result.gradients["embeddings"]!.scalars.map(Double.init), embeddingGradient,
      relative: 3e-3, absolute: 2e-5).isEmpty)
  }
}

extension CompositeOfAllLossesTests {
  @Test("composed softmax losses over full 32-row tiles add their gradients once each")
  func fullTilesAccumulate() throws {
    var data = TestData(seed: 62)
    // 70 rows: two full tiles and a partial one; 5 classes: overlapping 4×4 blocks.
    let logits = data.normal([70, 5])
    let labels = Targets(classIndices: data.labels(70, classes: 5, ignored: 0.1))
    let focal = try FocalLoss(gamma: 2)
    let weighted = try WeightedCrossEntropyLoss(weights: [0.5, 1, 4, 2, 1])
    let f1 = try FocalF1Loss(focalClasses: [0, 3])
    let composite = 0.5 * focal + 0.3 * weighted + 0.2 * f1
    let result = try composite(["logits": logits], ["labels": labels])
    func reference(_ z: [Double]) throws -> Double {
      try 0.5 * focal.referenceValue(z, shape: logits.shape, targets: labels)
        + 0.3 * weighted.referenceValue(z, shape: logits.shape, targets: labels)
        + 0.2 * f1.referenceValue(z, shape: logits.shape, targets: labels)
    }
    let z = logits.scalars.map(Double.init)
    #expect(isClose(result.value, try reference(z), relative: 1e-4, absolute: 1e-6))
    let problems = mismatches(
      result.gradients["logits"]!.scalars.map(Double.init),
      try finiteDifferenceGradient(at: z, reference), relative: 2e-3, absolute: 2e-5)
    #expect(problems.isEmpty, "\(problems.prefix(5))")
  }
}

@Suite struct StandardRegistryTests {
  @Test func holdsEveryBuiltIn() {
    #expect(LossRegistry.standard.names == [
      "binary-focal", "composite", "crf", "cross-entropy", "focal", "focal-f1", "supcon",
      "weighted-cross-entropy",
    ])
  }

  @Test("every built-in loss round-trips through its spec")
  func roundTrips() throws {
    let losses: [any Loss] = [
      try FocalLoss(gamma: 3, alpha: [1, 2], labelSmoothing: 0.1, reduction: .sum),
      try BinaryFocalLoss(gamma: 1, alpha: nil),
      try CrossEntropyLoss(labelSmoothing: 0.2),
      try WeightedCrossEntropyLoss(strategy: .effectiveNumber(beta: 0.99)),
      try WeightedCrossEntropyLoss(classWeights: ["a": 2]),
      try FocalF1Loss(focalLabels: ["a", "b"]),
      try SupervisedContrastiveLoss(temperature: 0.07),
      try CRFLoss(reduction: .sum, output: "emissions", transitions: "crf_transitions"),
      0.7 * FocalLoss() + 0.3 * SupervisedContrastiveLoss(),
      0.5 * CRFLoss() + 0.5 * (try FocalF1Loss(focalLabels: ["a"])),
    ]
    for loss in losses {
      let spec = try LossSpec(loss)
      let text = try JSONEncoder().encode(spec)
      let reloaded = try LossRegistry.standard.makeLoss(
        from: try JSONDecoder().decode(LossSpec.self, from: text))
      #expect(try LossSpec(reloaded) == spec, "\(spec.name)")
    }
  }
}
