import Foundation

extension ConformanceRunner {
  /// The loss and inputs of a `crf` case: pytorch-crf's `CRF(batch_first=True)` with emissions
  /// `[N, T, C]`, tags and a 0/1 mask `[N, T]`, transitions `[C, C]`, start and end scores
  /// `[C]`, and a reduction (`mean`, `sum` or `token_mean`).
  ///
  /// The loss reads its outputs under the case's input names, so the gradients it writes
  /// (`emissions`, `transitions`, `start_transitions`, `end_transitions`) are compared with
  /// the expected ones by name.
  static func crfLossAndInputs(
    _ golden: GoldenCase
  ) throws -> (any Loss, [String: Tensor], [String: Targets]) {
    let text = golden.params["reduction"]?.stringValue ?? CRFReduction.mean.rawValue
    guard let reduction = CRFReduction(rawValue: text) else {
      throw ConformanceError.badCase(
        golden.name,
        reason: "reduction '\(text)' is not one of "
          + CRFReduction.allCases.map(\.rawValue).joined(separator: ", "))
    }
    func input(_ name: String) throws -> GoldenTensor {
      guard let tensor = golden.inputs[name] else {
        throw ConformanceError.badCase(
          golden.name,
          reason: "input '\(name)' is missing; inputs: \(golden.inputs.keys.sorted())")
      }
      return tensor
    }
    var outputs: [String: Tensor] = [:]
    for name in ["emissions", "transitions", "start_transitions", "end_transitions"] {
      let raw = try input(name)
      outputs[name] = try Tensor(shape: raw.shape, scalars: raw.data.map(Float.init))
    }
    let tags = try input("tags")
    let mask = try input("mask")
    guard mask.shape == tags.shape else {
      throw ConformanceError.badCase(
        golden.name, reason: "mask \(mask.shape) and tags \(tags.shape) differ in shape")
    }
    guard tags.data.allSatisfy({ $0 == $0.rounded() && abs($0) < 1e9 }) else {
      throw ConformanceError.badCase(golden.name, reason: "tags must be integers")
    }
    let targets = try Targets(
      classIndices: tags.data.map { Int32($0) }, shape: tags.shape,
      mask: mask.data.map(Float.init))
    let loss = try CRFLoss(reduction: reduction, output: "emissions")
    return (loss, outputs, ["labels": targets])
  }
}
