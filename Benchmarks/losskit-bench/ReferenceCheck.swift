import Foundation
import LossKit

/// Checks a case's kernel against its scalar reference before it is timed.
enum ReferenceCheck {
  struct Mismatch: Error, CustomStringConvertible {
    var description: String
  }

  /// Compares the value on the whole input with the reference, and the gradient on a slice of
  /// rows with finite differences of the reference.
  static func verify(_ benchmark: BenchmarkCase) throws {
    if let crf = benchmark.loss as? CRFLoss { return try verifyCRF(crf, benchmark) }
    guard let loss = benchmark.loss as? any ReferenceLoss else {
      throw Mismatch(description: "\(benchmark.name) has no scalar reference")
    }
    let output = benchmark.outputs.keys.first!
    let input = benchmark.outputs[output]!
    let targets = benchmark.targets["labels"]!
    let value = try benchmark.loss(benchmark.outputs, benchmark.targets).value
    let reference = try loss.referenceValue(
      input.scalars.map(Double.init), shape: input.shape, targets: targets)
    guard abs(value - reference) <= 1e-6 + 2e-4 * abs(reference) else {
      throw Mismatch(description: "\(benchmark.name) \(input.shape): value \(value), reference \(reference)")
    }
    try verifyGradient(loss, slice(input, rows: 48), slice(targets, rows: 48), benchmark.name)
  }

  private static func verifyGradient(
    _ loss: any ReferenceLoss, _ input: Tensor, _ targets: Targets, _ name: String
  ) throws {
    let output = loss.outputNames.first!
    let gradient = try loss([output: input], ["labels": targets]).gradients[output]!
    var point = input.scalars.map(Double.init)
    let step = 1e-5
    for index in stride(from: 0, to: point.count, by: max(1, point.count / 97)) {
      let original = point[index]
      point[index] = original + step
      let up = try loss.referenceValue(point, shape: input.shape, targets: targets)
      point[index] = original - step
      let down = try loss.referenceValue(point, shape: input.shape, targets: targets)
      point[index] = original
      let numeric = (up - down) / (2 * step)
      let got = Double(gradient.scalars[index])
      guard abs(got - numeric) <= 3e-5 + 3e-3 * abs(numeric) else {
        throw Mismatch(description: "\(name): gradient[\(index)] = \(got), finite differences \(numeric)")
      }
    }
  }

  private static func slice(_ tensor: Tensor, rows: Int) -> Tensor {
    let width = tensor.count / tensor.shape[0]
    let count = min(rows, tensor.shape[0])
    return try! Tensor(
      shape: [count] + tensor.shape.dropFirst(), scalars: Array(tensor.scalars.prefix(count * width)))
  }

  private static func slice(_ targets: Targets, rows: Int) -> Targets {
    switch targets.values {
    case .classIndices(_, let labels):
      return Targets(classIndices: Array(labels.prefix(rows)))
    case .dense(let dense):
      return Targets(dense: slice(dense, rows: rows))
    }
  }
}
