import Foundation
import LossKitCore
import Testing

@testable import LossKitNN

@Suite struct OptimizerTests {
  func parameter(_ values: [Float], gradient: [Float], sparse: Bool = false) -> Parameter {
    let p = Parameter(name: "p", value: try! Tensor(shape: sparse ? [values.count, 1] : [values.count], scalars: values), isSparse: sparse)
    p.gradient = try! Tensor(shape: p.value.shape, scalars: gradient)
    return p
  }

  @Test("Adam's first steps follow the formula")
  func adamFormula() throws {
    let adam = try Adam(.init(learningRate: 0.1))
    let p = parameter([1, -2], gradient: [0.5, -3])
    adam.step([p])
    // After one step m̂ = g and v̂ = g², so each value moves by lr·g/(|g| + ε) ≈ ±lr.
    #expect(abs(p.value.scalars[0] - 0.9) < 1e-5)
    #expect(abs(p.value.scalars[1] - (-1.9)) < 1e-5)
    p.gradient = try Tensor(shape: [2], scalars: [0.5, -3])
    adam.step([p])
    #expect(abs(p.value.scalars[0] - 0.8) < 1e-5)
    #expect(adam.stepCount == 2)
  }

  @Test("AdamW decays weights apart from the gradient")
  func adamW() throws {
    let adam = try AdamW(.init(learningRate: 0.1, weightDecay: 0.5))
    #expect(adam.kind == "adamw" && AdamW.defaultConfiguration.weightDecay == 0.01)
    let p = parameter([2], gradient: [0])
    adam.step([p])
    #expect(abs(p.value.scalars[0] - 2 * (1 - 0.05)) < 1e-6)
  }

  @Test("SGD with momentum and Nesterov follows PyTorch's rule")
  func sgd() throws {
    let sgd = try SGD(.init(learningRate: 0.1, momentum: 0.9, nesterov: true))
    let p = parameter([1], gradient: [1])
    sgd.step([p])  // v = 1, update = g + μv = 1.9
    #expect(abs(p.value.scalars[0] - (1 - 0.19)) < 1e-6)
    sgd.step([p])  // v = 0.9 + 1 = 1.9, update = 1 + 0.9·1.9 = 2.71
    #expect(abs(p.value.scalars[0] - (0.81 - 0.271)) < 1e-6)
    #expect(throws: LossKitError.self) { try SGD(.init(nesterov: true)) }
  }

  @Test("sparse parameters update only the touched rows")
  func lazySparseUpdates() throws {
    let adam = try Adam(.init())
    let p = parameter([1, 1, 1], gradient: [0, 0, 0], sparse: true)
    p.gradient = try Tensor(shape: [3, 1], scalars: [0, 5, 0])
    p.markTouched(1)
    adam.step([p])
    #expect(p.value.scalars[0] == 1 && p.value.scalars[2] == 1 && p.value.scalars[1] < 1)
    p.zeroGradient()
    #expect(p.touchedRows.isEmpty && p.gradient.scalars == [0, 0, 0])
  }

  @Test("Adam's weight decay is L2, added to the gradient, as in PyTorch's Adam")
  func adamL2() throws {
    let adam = try Adam(.init(learningRate: 0.1, weightDecay: 0.5))
    let p = parameter([2], gradient: [0])
    adam.step([p])  // g = 0 + 0.5·2 = 1; the first Adam step moves by lr·sign(g)
    #expect(abs(p.value.scalars[0] - 1.9) < 1e-5)
  }

  @Test("the registry builds every optimizer by name and rejects options it lacks")
  func registry() throws {
    var registry = OptimizerRegistry()
    try registry.register(SGD.self)
    try registry.register(Adam.self)
    try registry.register(AdamW.self)
    #expect(registry.names == ["adam", "adamw", "sgd"])
    let sgd = try registry.make(named: "sgd", parameters: ["momentum": 0.9])
    #expect((sgd as? SGD)?.configuration.momentum == 0.9)
    #expect(try registry.make(named: "adamw", parameters: [:]) is AdamW)
    #expect(throws: LossKitError.unknownParameter(
      .optimizer, "adam", parameter: "momentum",
      known: ["beta1", "beta2", "epsilon", "learningRate", "weightDecay"])) {
      try registry.make(named: "adam", parameters: ["momentum": 0.9])
    }
    #expect(throws: LossKitError.duplicateName(.optimizer, "sgd")) { try registry.register(SGD.self) }
    #expect(throws: LossKitError.self) { try registry.make(named: "lion", parameters: [:]) }
  }

  @Test func gradientClipping() {
    let p = parameter([0, 0], gradient: [3, 4])
    let norm = GradientClipping.clip([p], maxNorm: 1)
    #expect(norm == 5)
    #expect(abs(p.gradient.scalars[0] - 0.6) < 1e-6 && abs(p.gradient.scalars[1] - 0.8) < 1e-6)
  }

  @Test("optimizer state saves and restores")
  func stateRoundTrip() throws {
    let adam = try Adam(.init())
    let p = parameter([1, 2], gradient: [0.1, 0.2])
    adam.step([p])
    let restored = try Adam(.init())
    try restored.restoreState(adam.stateTensors(), stepCount: adam.stepCount, parameters: [p])
    let q = parameter(p.value.scalars, gradient: [0.3, 0.1])
    p.gradient = q.gradient
    adam.step([p])
    restored.step([q])
    #expect(p.value == q.value)
    #expect(throws: LossKitError.self) {
      try restored.restoreState(["p.m": Tensor(shape: [3])], stepCount: 1, parameters: [p])
    }
  }
}
