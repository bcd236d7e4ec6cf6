import Foundation
import LossKitCore
import Testing

@Suite struct CompositeLossTests {
  let x = try! Tensor(shape: [2, 2], scalars: [1, 2, 3, 4])
  let y = Targets(dense: try! Tensor(shape: [2, 2], scalars: [0, 2, 2, 0]))

  @Test func weightsScaleValuesAndGradients() throws {
    let a = HalfSquaredError()
    let composite = 0.7 * a + 0.3 * a
    let single = try a(x, y)
    let both = try composite(x, y)
    #expect(abs(both.value - single.value) < 1e-12)
    let difference = zip(both.gradients["logits"]!.scalars, single.gradients["logits"]!.scalars)
      .map { abs($0 - $1) }.max()!
    #expect(difference < 1e-6)
    #expect(both.parts.map(\.name) == ["half-squared-error", "half-squared-error#2"])
    #expect(both.parts.allSatisfy { abs($0.value - single.value) < 1e-12 })
  }

  @Test func termsReadingDifferentOutputsWriteSeparateGradients() throws {
    let composite = 2 * HalfSquaredError() + HalfSquaredError(output: "other")
    let result = try composite(["logits": x, "other": x], ["labels": y])
    let single = try HalfSquaredError()(x, y)
    #expect(abs(result.value - 3 * single.value) < 1e-12)
    #expect(result.gradients["logits"]! == Tensor(shape: [2, 2]) { 2 * single.gradients["logits"]!.scalars[$0] })
    #expect(result.gradients["other"]! == single.gradients["logits"]!)
    #expect(result.parts.map(\.name) == ["half-squared-error", "half-squared-error(other)"])
  }

  @Test func scalingNestsAndAdditionFlattens() {
    let a = HalfSquaredError()
    let nested = 0.5 * (a + 2 * a) + a
    #expect(nested.terms.count == 2)
    #expect(nested.description == "0.5*(half-squared-error+2*half-squared-error)+half-squared-error")
    #expect((3 * (2 * a)).terms.first!.weight == 6)
  }

  @Test func compositesSaveAsNestedSpecsAndReload() throws {
    var registry = LossRegistry()
    try registry.register(HalfSquaredError.self)
    let composite = 0.25 * (HalfSquaredError() + HalfSquaredError(output: "b")) + 0.75 * HalfSquaredError()
    let spec = try LossSpec(composite)
    #expect(spec.name == "composite")
    let reloaded = try registry.makeLoss(from: spec)
    #expect(try LossSpec(reloaded) == spec)
    let outputs = ["logits": x, "b": x]
    #expect(try reloaded(outputs, ["labels": y]).value == composite(outputs, ["labels": y]).value)
  }

  @Test func decodingACompositeNeedsARegistry() throws {
    let spec = try LossSpec(0.5 * HalfSquaredError())
    #expect(throws: LossKitError.self) { try spec.parameters.decode(CompositeLoss.self) }
  }

  @Test func nonFiniteWeightsAreRejected() {
    #expect(throws: LossKitError.self) { try (Double.nan * HalfSquaredError())(x, y) }
  }

  @Test func callingWithOneTensorNeedsOneOutput() {
    let composite = HalfSquaredError() + HalfSquaredError(output: "b")
    #expect(throws: LossKitError.self) { try composite(x, y) }
  }

  @Test func reusedGradientBuffersOverwriteThenAccumulate() throws {
    var buffers = GradientBuffers()
    let loss = HalfSquaredError()
    _ = try loss.evaluate(["logits": x], ["labels": y], scale: 1, gradients: &buffers)
    let first = buffers["logits"]!
    buffers.reset()
    #expect(buffers["logits"] == nil)
    _ = try loss.evaluate(["logits": x], ["labels": y], scale: 1, gradients: &buffers)
    #expect(buffers["logits"] == first)
    _ = try loss.evaluate(["logits": x], ["labels": y], scale: 1, gradients: &buffers)
    #expect(buffers["logits"] == Tensor(shape: [2, 2]) { 2 * first.scalars[$0] })
  }
}
