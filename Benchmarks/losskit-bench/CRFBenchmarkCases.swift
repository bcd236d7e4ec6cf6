import Foundation
import LossKit

extension BenchmarkCases {
  /// The CRF loss on tagger-sized batches: 32 windows of 15 lines over 3 and 20 tags, and 512
  /// sequences of 50 steps over 10 tags. Elements are emission scores `N·T·C`.
  static func crf(quick: Bool, random: inout SeededGenerator) throws -> [BenchmarkCase] {
    try [(32, 15, 3), (32, 15, 20), (512, 50, 10)].map { sequences, steps, classes in
      let n = quick ? max(8, sequences / 4) : sequences
      func normal(_ shape: [Int]) -> Tensor {
        Tensor(shape: shape) { _ in Float(random.nextNormal()) }
      }
      let tags = (0..<(n * steps)).map { _ in Int32(random.next() % UInt64(classes)) }
      // Ragged lengths: every sequence keeps at least half its steps.
      let lengths = (0..<n).map { _ in steps / 2 + Int(random.next() % UInt64(steps / 2 + 1)) }
      let mask = (0..<(n * steps)).map { Float($0 % steps < lengths[$0 / steps] ? 1 : 0) }
      return BenchmarkCase(
        id: "crf", name: "CRF (\(classes) tags)", shape: [n, steps, classes],
        elements: n * steps * classes, bytesPerElement: nil, loss: CRFLoss(),
        outputs: [
          "logits": normal([n, steps, classes]), "transitions": normal([classes, classes]),
          "start_transitions": normal([classes]), "end_transitions": normal([classes]),
        ],
        targets: ["labels": try Targets(classIndices: tags, shape: [n, steps], mask: mask)])
    }
  }
}

extension ReferenceCheck {
  /// Checks the CRF kernel's value on the whole batch against ``CRFLoss``'s reference, and its
  /// emission and transition gradients on the first two sequences by finite differences.
  static func verifyCRF(_ loss: CRFLoss, _ benchmark: BenchmarkCase) throws {
    let outputs = benchmark.outputs
    let targets = benchmark.targets["labels"]!
    func reference(_ outputs: [String: Tensor], _ targets: Targets) -> Double {
      loss.referenceValue(
        emissions: outputs["logits"]!.scalars.map(Double.init), shape: outputs["logits"]!.shape,
        transitions: outputs["transitions"]!.scalars.map(Double.init),
        start: outputs["start_transitions"]!.scalars.map(Double.init),
        end: outputs["end_transitions"]!.scalars.map(Double.init), targets: targets)
    }
    let value = try loss(outputs, benchmark.targets).value
    let expected = reference(outputs, targets)
    guard abs(value - expected) <= 1e-6 + 1e-6 * abs(expected) else {
      throw Mismatch(description: "\(benchmark.name): value \(value), reference \(expected)")
    }
    let shape = outputs["logits"]!.shape
    let rows = 2 * shape[1]
    var small = outputs
    small["logits"] = try Tensor(
      shape: [2, shape[1], shape[2]],
      scalars: Array(outputs["logits"]!.scalars.prefix(rows * shape[2])))
    let smallTargets = try Targets(
      classIndices: Array(targets.classIndices!.prefix(rows)), shape: [2, shape[1]],
      mask: targets.mask.map { Array($0.prefix(rows)) })
    let gradients = try loss(small, ["labels": smallTargets]).gradients
    for name in ["logits", "transitions"] {
      var perturbed = small
      let scalars = small[name]!.scalars
      for index in stride(from: 0, to: scalars.count, by: max(1, scalars.count / 97)) {
        // Central differences over the step the Float inputs can actually take.
        var moved = scalars
        moved[index] = scalars[index] + 1e-3
        let high = Double(moved[index])
        perturbed[name] = try Tensor(shape: small[name]!.shape, scalars: moved)
        let up = reference(perturbed, smallTargets)
        moved[index] = scalars[index] - 1e-3
        let low = Double(moved[index])
        perturbed[name] = try Tensor(shape: small[name]!.shape, scalars: moved)
        let down = reference(perturbed, smallTargets)
        let numeric = (up - down) / (high - low)
        let got = Double(gradients[name]!.scalars[index])
        guard abs(got - numeric) <= 1e-4 + 1e-3 * abs(numeric) else {
          throw Mismatch(
            description: "\(benchmark.name): \(name) gradient[\(index)] = \(got), finite "
              + "differences \(numeric)")
        }
      }
    }
  }
}
