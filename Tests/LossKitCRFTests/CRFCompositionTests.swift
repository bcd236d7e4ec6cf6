import Foundation
import LossKitCRF
import LossKitCore
import LossKitFocalF1
import LossKitTesting
import Testing

@Suite struct CRFCompositionTests {
  @Test("0.5*crf + 0.5*focal-f1 shares the emissions and adds both gradients")
  func withFocalF1() throws {
    let example = CRFExample(seed: 41, sequences: 3, steps: 5, classes: 3, lengths: [5, 2, 4])
    let crf = try CRFLoss(reduction: .tokenMean)
    let f1 = try FocalF1Loss(focalClasses: [0, 1])
    let composite = 0.5 * crf + 0.5 * f1
    let targets = example.targets
    let result = try composite(example.outputs, ["labels": targets])
    #expect(result.parts.map(\.name) == ["crf", "focal-f1"])
    #expect(composite.description == "0.5*crf+0.5*focal-f1")

    let shape = example.emissions.shape
    let scores = [example.transitions, example.start, example.end].map {
      $0.scalars.map(Double.init)
    }
    func reference(_ emissions: [Double]) throws -> Double {
      0.5
        * crf.referenceValue(
          emissions: emissions, shape: shape, transitions: scores[0], start: scores[1],
          end: scores[2], targets: targets)
        + 0.5 * (try f1.referenceValue(emissions, shape: shape, targets: targets))
    }
    let emissions = example.emissions.scalars.map(Double.init)
    #expect(isClose(result.value, try reference(emissions), relative: 1e-5, absolute: 1e-6))
    let numeric = try finiteDifferenceGradient(at: emissions, reference)
    let bad = mismatches(
      result.gradients["logits"]!.scalars.map(Double.init), numeric, relative: 2e-3,
      absolute: 2e-5)
    #expect(bad.isEmpty, "\(bad.prefix(3))")
    let alone = try crf(example.outputs, ["labels": targets])
    let half = alone.gradients["transitions"]!.scalars.map { $0 * 0.5 }
    #expect(result.gradients["transitions"]!.scalars == half)
  }
}
