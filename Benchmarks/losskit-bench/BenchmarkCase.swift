import Foundation
import LossKit

/// One benchmark case: a loss, inputs of a fixed shape, and how to count its work.
struct BenchmarkCase {
  /// The id shared with ../shared/peers/bench.py.
  var id: String
  /// A readable name.
  var name: String
  /// The input shape.
  var shape: [Int]
  /// Elements of work (N·C, or N² for SupCon, as bench.py counts them).
  var elements: Int
  /// Bytes an element-wise pass must move per element, or `nil` when not bandwidth-bound.
  var bytesPerElement: Double?
  /// The loss.
  var loss: any Loss
  /// The model outputs.
  var outputs: [String: Tensor]
  /// The targets.
  var targets: [String: Targets]
  /// Timed repetitions.
  var repetitions = 7
}

/// The cases of docs/benchmarks.md, with bench.py's shapes, settings and input distributions.
enum BenchmarkCases {
  static func all(quick: Bool) throws -> [BenchmarkCase] {
    let scale = quick ? 0.25 : 1.0
    var random = SeededGenerator(seed: 0)
    func normal(_ shape: [Int]) -> Tensor {
      Tensor(shape: shape) { _ in Float(random.nextNormal()) }
    }
    func rare(_ shape: [Int]) -> Tensor {
      Tensor(shape: shape) { _ in random.nextUnitFloat() < 0.01 ? 1 : 0 }
    }
    func labels(_ count: Int, _ classes: Int) -> Targets {
      Targets(classIndices: (0..<count).map { _ in Int32(random.next() % UInt64(classes)) })
    }
    let n100k = Int(100_000 * scale)
    let n1m = Int(1_000_000 * scale)
    var cases: [BenchmarkCase] = []
    func elementwise(
      _ id: String, _ name: String, _ shape: [Int], _ loss: any Loss, dense: Bool
    ) {
      let outputs = ["logits": normal(shape)]
      let targets = ["labels": dense ? Targets(dense: rare(shape)) : labels(shape[0], shape[1])]
      // Reads logits (and dense targets or one index per row), writes the gradient.
      let bytes = dense ? 12.0 : 8 + 4 / Double(shape[1])
      cases.append(BenchmarkCase(
        id: id, name: name, shape: shape, elements: shape.reduce(1, *), bytesPerElement: bytes,
        loss: loss, outputs: outputs, targets: targets))
    }
    let sigmoid = try BinaryFocalLoss.torchvision(alpha: 0.25, gamma: 2)
    elementwise("sigmoid_focal", "sigmoid focal", [n100k, 80], sigmoid, dense: true)
    elementwise("sigmoid_focal", "sigmoid focal", [n1m, 1], sigmoid, dense: true)
    let softmax = try FocalLoss(gamma: 2)
    elementwise("softmax_focal", "softmax focal", [n1m, 10], softmax, dense: false)
    elementwise("softmax_focal", "softmax focal", [n100k, 80], softmax, dense: false)
    let weights = (0..<10).map { _ in Double(random.nextUnitFloat()) + 0.1 }
    elementwise(
      "weighted_cross_entropy", "weighted cross-entropy", [n1m, 10],
      try WeightedCrossEntropyLoss(weights: weights), dense: false)
    elementwise(
      "soft_f1", "soft F1 (2 focal classes)", [n1m, 3], try FocalF1Loss(focalClasses: [0, 1]),
      dense: false)
    let keras = try FocalLoss(gamma: 2, alpha: [0.25])
    elementwise("keras_categorical_focal", "Keras categorical focal", [n1m, 10], keras, dense: false)
    elementwise("keras_categorical_focal", "Keras categorical focal", [n100k, 80], keras, dense: false)
    elementwise(
      "keras_binary_focal", "Keras binary focal", [n100k, 80],
      try BinaryFocalLoss.keras(applyClassBalancing: true, alpha: 0.25, gamma: 2), dense: true)
    for n in [1_024, 4_096] {
      cases.append(BenchmarkCase(
        id: "supcon", name: "SupCon", shape: [n, 128], elements: n * n, bytesPerElement: nil,
        loss: try SupervisedContrastiveLoss(temperature: 0.1),
        outputs: ["embeddings": normal([n, 128])], targets: ["labels": labels(n, 10)],
        repetitions: 5))
    }
    cases += try crf(quick: quick, random: &random)
    return cases
  }
}
