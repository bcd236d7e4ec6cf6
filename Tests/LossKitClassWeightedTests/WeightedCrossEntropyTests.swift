import LossKitCore
import LossKitTesting
import Testing

@testable import LossKitClassWeighted

@Suite struct WeightedCrossEntropyTests {
  @Test("value and gradient match the reference", arguments: [
    (nil, 0.0, Reduction.mean), ([0.5, 2, 1, 4], 0.0, .mean), ([0.5, 2, 1, 4], 0.1, .mean),
    ([3, 1, 1, 1], 0.2, .sum), (nil, 0.1, .sum),
  ] as [([Double]?, Double, Reduction)])
  func matchesReference(weights: [Double]?, smoothing: Double, reduction: Reduction) throws {
    var data = TestData(seed: 31)
    let logits = data.normal([23, 4])
    let targets = Targets(classIndices: data.labels(23, classes: 4, ignored: 0.1))
    let loss = try WeightedCrossEntropyLoss(
      weights: weights, labelSmoothing: smoothing, reduction: reduction)
    let problems = try referenceProblems(loss, output: logits, targets: targets)
    #expect(problems.isEmpty, "\(problems)")
  }

  @Test("the weighted mean divides by the targets' weights (PyTorch)")
  func meanDivisor() throws {
    let logits = Tensor(shape: [2, 2])  // p = 0.5 everywhere, so each −log p = ln 2
    let loss = try WeightedCrossEntropyLoss(weights: [1, 3])
    let result = try loss(logits, Targets(classIndices: [0, 1]))
    #expect(isClose(result.value, 0.693_147_18, relative: 1e-6, absolute: 0))
  }

  @Test("cross-entropy equals weighted cross-entropy with unit weights")
  func unitWeights() throws {
    var data = TestData(seed: 2)
    let logits = data.normal([30, 3])
    let targets = Targets(classIndices: data.labels(30, classes: 3))
    let plain = try CrossEntropyLoss()(logits, targets)
    let weighted = try WeightedCrossEntropyLoss(weights: [1, 1, 1])(logits, targets)
    #expect(isClose(plain.value, weighted.value, relative: 1e-6, absolute: 1e-7))
    let problems = try referenceProblems(CrossEntropyLoss(labelSmoothing: 0.1), output: logits, targets: targets)
    #expect(problems.isEmpty, "\(problems)")
  }

  @Test("label weights resolve by name; unnamed labels get 1")
  func labelWeights() throws {
    let context = LossContext(labelNames: ["Nomenclature", "Description", "Misc"])
    let loss = try WeightedCrossEntropyLoss(classWeights: ["Nomenclature": 100, "Misc": 0.1])
      .prepared(for: context)
    #expect(loss.weights == [100, 1, 0.1])
  }

  @Test func unknownLabelNameIsAnError() throws {
    let context = LossContext(labelNames: ["Nomenclature", "Description", "Misc"])
    #expect(throws: LossKitError.unknownLabel(
      "Nomenclatur", known: ["Nomenclature", "Description", "Misc"],
      context: "weighted-cross-entropy class weights")) {
      try WeightedCrossEntropyLoss(classWeights: ["Nomenclatur": 10]).prepared(for: context)
    }
  }

  @Test("a strategy resolves from class counts, and is an error before that")
  func strategyResolution() throws {
    let loss = try WeightedCrossEntropyLoss(strategy: .balanced)
    #expect(throws: LossKitError.self) {
      try loss(Tensor(shape: [1, 2]), Targets(classIndices: [0]))
    }
    let context = LossContext(labelNames: ["a", "b"], classCounts: [10, 30])
    let resolved = try loss.prepared(for: context)
    #expect(resolved.weights == [2, 2.0 / 3])
    #expect(resolved.summary(for: context)!.description.contains("balanced"))
  }

  @Test func conflictingWeightSources() {
    #expect(throws: LossKitError.self) {
      try WeightedCrossEntropyLoss(classWeights: ["a": 2], strategy: .inverse)
    }
  }

  @Test func negativeWeightsAreRejected() {
    #expect(throws: LossKitError.self) {
      try WeightedCrossEntropyLoss(weights: [1, -2])(Tensor(shape: [1, 2]), Targets(classIndices: [0]))
    }
  }
}

@Suite struct ClassWeightStrategyTests {
  let counts = [5_783, 21_736, 124_519]

  @Test func inverseGivesTheRarestClassTheCap() throws {
    let weights = try ClassWeightStrategy.inverse.weights(forCounts: counts)
    #expect(weights[0] == 10)
    #expect(isClose(weights[1], 10 * 5_783 / 21_736.0, relative: 1e-12, absolute: 0))
    #expect(weights[2] >= ClassWeightStrategy.floor)
  }

  @Test func aggressiveIsInverseSquaredCappedAndFloored() throws {
    let weights = try ClassWeightStrategy.aggressive.weights(forCounts: [10, 100, 100_000])
    #expect(mismatches(weights, [100, 1, 0.1], relative: 1e-12, absolute: 0).isEmpty)
  }

  @Test func balancedIsScikitLearns() throws {
    let weights = try ClassWeightStrategy.balanced.weights(forCounts: [10, 30])
    #expect(weights == [2, 2.0 / 3])
  }

  @Test func effectiveNumberSumsToTheClassCount() throws {
    let weights = try ClassWeightStrategy.effectiveNumber(beta: 0.999).weights(forCounts: counts)
    #expect(isClose(weights.reduce(0, +), 3, relative: 1e-12, absolute: 0))
    #expect(weights[0] > weights[1] && weights[1] > weights[2])
  }

  @Test("an empty class gets the largest weight of the others")
  func emptyClass() throws {
    let weights = try ClassWeightStrategy.inverse.weights(forCounts: [0, 10, 100])
    #expect(weights == [10, 10, 1])
  }

  @Test func noSamplesIsAnError() {
    #expect(throws: LossKitError.self) { try ClassWeightStrategy.balanced.weights(forCounts: [0, 0]) }
  }

  @Test("strategies parse from and print to text", arguments: [
    "inverse", "balanced", "aggressive", "effective-number:0.99",
  ])
  func textForm(_ text: String) throws {
    let strategy = try #require(ClassWeightStrategy(text))
    #expect(strategy.description == text)
  }

  @Test func unknownTextIsRejected() {
    #expect(ClassWeightStrategy("inverted") == nil)
    #expect(ClassWeightStrategy("inverse:3") == nil)
    #expect(ClassWeightStrategy("effective-number") == .effectiveNumber(beta: 0.999))
  }

  @Test func summaryShowsCountsSharesAndWeights() throws {
    let summary = ClassWeightSummary(
      labels: ["Nomenclature", "Description", "Misc"], counts: counts,
      weights: try ClassWeightStrategy.inverse.weights(forCounts: counts), source: "inverse")
    let text = summary.description
    #expect(text.contains("Class weights (inverse):"))
    #expect(text.contains("Nomenclature") && text.contains("5783") && text.contains("10.0000"))
  }
}
