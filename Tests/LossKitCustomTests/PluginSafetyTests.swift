import Foundation
import LossKit
import LossKitTesting
import Testing

@Suite struct PluginSafetyTests {
  /// Gradient buffers already holding another term's gradient (all 5).
  func prefilled(_ shape: [Int]) -> GradientBuffers {
    var gradients = GradientBuffers()
    gradients.write("logits", shape: shape) { buffer, _ in buffer.update(repeating: 5) }
    return gradients
  }

  @Test(
    "a NaN value, NaN gradient or error is thrown naming plugin and loss; nothing is applied",
    arguments: [0, 1, 2])
  func misbehaviourIsContained(mode: Int) throws {
    var registry = LossRegistry()
    try NativeLossPlugin.load(
      path: try PluginBuilder.fixture("faulty_plugin.c", fileName: "libfaulty.so"),
      into: &registry)
    let loss = try registry.makeLoss(named: "faulty", parameters: ["mode": .number(Double(mode))])
    var gradients = prefilled([3, 2])
    #expect {
      try loss.evaluate(
        ["logits": Tensor(shape: [3, 2], repeating: 0.5)],
        ["labels": Targets(classIndices: [0, 1, 0])], scale: 1, gradients: &gradients)
    } throws: { error in
      let text = "\(error)"
      return error is NativePluginError && text.contains("libfaulty.so")
        && text.contains("'faulty'")
    }
    #expect(gradients["logits"]!.scalars == [Float](repeating: 5, count: 6))
  }

  @Test("a well-behaved result is added to the gradient another term wrote")
  func validResultAccumulates() throws {
    var registry = LossRegistry()
    try NativeLossPlugin.load(
      path: try PluginBuilder.fixture("faulty_plugin.c", fileName: "libfaulty.so"),
      into: &registry)
    let loss = try registry.makeLoss(named: "faulty")
    var gradients = prefilled([3, 2])
    let value = try loss.evaluate(
      ["logits": Tensor(shape: [3, 2], repeating: 0.5)],
      ["labels": Targets(classIndices: [0, 1, 0])], scale: 2, gradients: &gradients)
    #expect(value.value == 1)
    #expect(gradients["logits"]!.scalars == [Float](repeating: 7, count: 6))
  }

  @Test("non-finite logits and out-of-range labels are refused before the plugin runs")
  func inputsAreChecked() throws {
    var registry = LossRegistry()
    try NativeLossPlugin.load(path: try PluginBuilder.brier(), into: &registry)
    let loss = try registry.makeLoss(named: "brier")
    #expect(throws: LossKitError.nonFiniteInput(loss: "brier", input: "output 'logits'", index: 1))
    {
      try loss(Tensor(shape: [1, 2], scalars: [0, .nan]), Targets(classIndices: [0]))
    }
    #expect(throws: LossKitError.self) {
      try loss(Tensor(shape: [2, 2]), Targets(classIndices: [0, 2]))
    }
    #expect(throws: LossKitError.self) {
      try loss(Tensor(shape: [2, 2]), Targets(classIndices: [0, 1], sampleWeights: [1, -1]))
    }
  }
}
