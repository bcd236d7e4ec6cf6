import Foundation
import Testing

@testable import LossKit

/// Malformed golden files: each is an error naming the file, the case and the field, never a
/// trap on a large number or an unchecked shape.
@Suite struct GoldenValidationTests {
  static let cases = GoldenConformanceTests.files[0].cases

  static func first(_ kind: String) -> GoldenCase {
    cases.first { $0.kind == kind }!
  }

  static let damaged: [(String, @Sendable (inout GoldenCase) -> Void, String)] = [
    (
      "softmax_focal", { $0.inputs["targets"]!.data[0] = 1e30 },
      "inputs.targets.data[0] is 1e+30; it must be a whole number"
    ),
    ("softmax_focal", { $0.inputs["targets"]!.data[1] = 0.5 }, "inputs.targets.data[1] is 0.5"),
    (
      "softmax_focal", { $0.params["ignore_index"] = .number(1e20) }, "params.ignore_index is 1e+20"
    ),
    (
      "softmax_focal", { $0.inputs["logits"]!.shape = [4_611_686_018_427_387_904, 4] },
      "inputs.logits.shape [4611686018427387904, 4] has a negative dimension or too many"
    ),
    (
      "softmax_focal", { $0.inputs["targets"]!.shape = [4_611_686_018_427_387_904, 4] },
      "inputs.targets.shape [4611686018427387904, 4]"
    ),
    ("softmax_focal", { $0.inputs["logits"]!.shape = [-2, -13] }, "negative dimension"),
    (
      "softmax_focal", { $0.inputs["logits"]!.data.removeLast() },
      "inputs.logits.shape [13, 2] needs 26 elements but data has 25"
    ),
    (
      "softmax_focal", { $0.inputs["logits"] = GoldenTensor(shape: [1 << 40, 0], data: []) },
      "has no elements but a dimension of 1099511627776"
    ),
    (
      "softmax_focal", { $0.inputs["logits"]!.data[0] = 1e300 },
      "inputs.logits.data[0] = 1e+300 does not fit a Float"
    ),
    (
      "softmax_focal", { $0.expected.grad!["logits"]!.data.removeLast() },
      "expected.grad.logits.shape [13, 2] needs 26 elements but data has 25"
    ),
    ("softmax_focal", { $0.tolerance.grad_abs = -1 }, "tolerance.grad_abs is -1.0"),
    ("class_weights", { $0.inputs["counts"]!.data[0] = 1e20 }, "inputs.counts.data[0] is 1e+20"),
    ("class_weights", { $0.inputs["counts"]!.data[0] = -3 }, "inputs.counts.data[0] is -3.0"),
    (
      "soft_f1", { $0.params["focal_classes"] = .array([.number(-1)]) },
      "params.focal_classes[0] is -1.0"
    ),
    (
      "soft_f1", { $0.params["focal_classes"] = .array([.number(1e20)]) },
      "params.focal_classes[0] is 1e+20"
    ),
    ("supcon", { $0.inputs["labels"]!.data[0] = -1e19 }, "inputs.labels.data[0] is -1e+19"),
  ]

  @Test(
    "a malformed case fails with a message naming the file, the case and the field",
    arguments: damaged.indices)
  func damagedCase(_ index: Int) {
    let (kind, damage, mentions) = Self.damaged[index]
    var golden = Self.first(kind)
    damage(&golden)
    let result = ConformanceRunner.run(golden)
    #expect(!result.passed)
    let message = result.message ?? ""
    #expect(message.contains("golden-public.json: case '\(golden.name)': "), "\(message)")
    #expect(message.contains(mentions), "\(message)")
  }

  @Test("reading a file with a malformed case throws, naming the file, the case and the field")
  func damagedFile() throws {
    let url = FileManager.default.temporaryDirectory
      .appendingPathComponent("golden-\(UUID().uuidString).json")
    defer { try? FileManager.default.removeItem(at: url) }
    var golden = Self.first("supcon")
    golden.inputs["embeddings"]!.shape = [4_611_686_018_427_387_904, 4]
    let encoded = try JSONSerialization.jsonObject(with: try JSONEncoder().encode(golden))
    let file: [String: Any] = ["format": GoldenFile.supportedFormat, "cases": [encoded]]
    try JSONSerialization.data(withJSONObject: file).write(to: url)
    #expect {
      try GoldenFile(contentsOf: url)
    } throws: { error in
      let text = "\(error)"
      return text.contains(url.path) && text.contains("case '\(golden.name)'")
        && text.contains("inputs.embeddings.shape")
    }
  }

  @Test("every case of the public file is well formed")
  func publicCasesValidate() throws {
    for golden in Self.cases { try golden.validate() }
  }
}
