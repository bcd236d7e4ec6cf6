import Foundation
import LossKitCore
import LossKitTesting
import Testing

@testable import LossKitCRF

@Suite struct CRFLossErrorTests {
  static let example = CRFExample(seed: 31, sequences: 2, steps: 3, classes: 3)

  func error(
    _ outputs: [String: Tensor] = example.outputs, _ targets: Targets = example.targets,
    loss: CRFLoss = CRFLoss()
  ) -> LossKitError? {
    var buffers = GradientBuffers()
    do {
      _ = try loss.evaluate(outputs, ["labels": targets], scale: 1, gradients: &buffers)
      return nil
    } catch let error as LossKitError {
      // Nothing is half-applied: no gradient was written before the error.
      #expect(buffers.written.isEmpty)
      return error
    } catch {
      return nil
    }
  }

  @Test("a model without transition outputs is told to use a CRF output")
  func missingTransitions() throws {
    var outputs = Self.example.outputs
    outputs["transitions"] = nil
    let message = error(outputs)?.description ?? ""
    #expect(message.contains("'transitions'"))
    #expect(message.contains("--crf"))
    #expect(message.contains("[end_transitions, logits, start_transitions]"))
    outputs = Self.example.outputs
    outputs["logits"] = nil
    guard case .missingOutput(_, "logits", _)? = error(outputs) else {
      Issue.record("missing emissions not reported")
      return
    }
  }

  @Test("tags outside the tag set name the tag, the step and the range")
  func labelOutOfRange() throws {
    var tags = Self.example.tags
    tags[4] = 3
    let targets = try Targets(classIndices: tags, shape: [2, 3])
    #expect(
      error(Self.example.outputs, targets)
        == .labelOutOfRange(loss: "crf", label: 3, sample: 4, classCount: 3, ignoreIndex: -100))
    tags[4] = -7
    #expect(error(Self.example.outputs, try Targets(classIndices: tags, shape: [2, 3])) != nil)
  }

  @Test("a counted step after padding is rejected: sequences must be left-aligned")
  func notAPrefix() throws {
    let example = Self.example
    let masked = try Targets(
      classIndices: example.tags, shape: [2, 3], mask: [1, 1, 1, 0, 1, 1])
    let message = error(example.outputs, masked)?.description ?? ""
    #expect(message.contains("sequence 1 counts step 1 after the uncounted step 0"))
    #expect(message.contains("left-align"))
    var tags = example.tags
    tags[1] = -100
    #expect(error(example.outputs, try Targets(classIndices: tags, shape: [2, 3])) != nil)
  }

  @Test("shape mismatches between emissions, scores and tags are reported")
  func shapes() throws {
    let example = Self.example
    var outputs = example.outputs
    outputs["transitions"] = Tensor(shape: [3, 4])
    #expect(error(outputs) != nil)
    outputs = example.outputs
    outputs["start_transitions"] = Tensor(shape: [4])
    #expect(error(outputs)?.description.contains("'start_transitions'") == true)
    outputs = example.outputs
    outputs["logits"] = Tensor(shape: [2, 3, 4])
    #expect(error(outputs) != nil)
    outputs["logits"] = Tensor(shape: [6, 3])
    #expect(error(outputs) != nil)
    let flat = Targets(classIndices: example.tags)
    #expect(error(example.outputs, flat) != nil)
    let dense = Targets(dense: example.emissions)
    #expect(error(example.outputs, dense)?.description.contains("dense targets") == true)
  }

  @Test("per-step weights, fractional masks and non-finite scores are rejected")
  func badValues() throws {
    let example = Self.example
    let weighted = try Targets(
      classIndices: example.tags, shape: [2, 3], sampleWeights: Array(repeating: 1, count: 6))
    #expect(error(example.outputs, weighted)?.description.contains("sampleWeights") == true)
    let fractional = try Targets(
      classIndices: example.tags, shape: [2, 3], mask: [1, 0.5, 0, 1, 1, 1])
    #expect(error(example.outputs, fractional)?.description.contains("0.5") == true)
    var outputs = example.outputs
    outputs["end_transitions"] = Tensor(shape: [3], repeating: .nan)
    guard case .nonFiniteInput? = error(outputs) else {
      Issue.record("NaN end scores not reported")
      return
    }
    outputs = example.outputs
    var scalars = example.emissions.scalars
    scalars[5] = .infinity
    outputs["logits"] = try Tensor(shape: example.emissions.shape, scalars: scalars)
    #expect(error(outputs) == .nonFiniteInput(loss: "crf", input: "output 'logits'", index: 5))
  }

  @Test("output names must be non-empty and distinct")
  func names() throws {
    #expect(throws: LossKitError.self) { try CRFLoss(transitions: "logits") }
    #expect(throws: LossKitError.self) { try CRFLoss(endTransitions: "") }
    var decoded = CRFLoss()
    decoded.startTransitions = decoded.endTransitions
    #expect(error(loss: decoded) != nil)
  }
}
