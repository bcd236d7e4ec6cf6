import Foundation

/// Evaluates golden cases with LossKit's losses and compares the results.
///
/// ```swift
/// let file = try GoldenFile(contentsOf: url)
/// for result in file.cases.map(ConformanceRunner.run) { print(result.line) }
/// ```
public enum ConformanceRunner {
  /// The case kinds this build can evaluate.
  public static let knownKinds = [
    "softmax_focal", "sigmoid_focal", "binary_focal_keras", "categorical_focal_keras",
    "weighted_cross_entropy", "supcon", "soft_f1", "class_weights", "crf",
  ]

  /// Evaluates one case; never throws (a malformed or unknown case is a failed result).
  public static func run(_ golden: GoldenCase) -> ConformanceResult {
    do {
      try golden.validate()
      if golden.kind == "class_weights" { return try classWeights(golden) }
      let (loss, outputs, targets) = try lossAndInputs(golden)
      let result = try loss(outputs, targets)
      return try compare(golden, value: result.value, gradients: result.gradients)
    } catch {
      return ConformanceResult(
        name: golden.name, kind: golden.kind, valueError: nil, gradientError: nil,
        passed: false, message: "\(error)")
    }
  }

  /// The loss a case describes and its inputs.
  static func lossAndInputs(
    _ golden: GoldenCase
  ) throws -> (any Loss, [String: Tensor], [String: Targets]) {
    let p = Parameters(golden)
    switch golden.kind {
    case "crf": return try crfLossAndInputs(golden)
    case "softmax_focal":
      let loss = try FocalLoss(
        gamma: try p.number("gamma"), alpha: try p.numbers("alpha"),
        reduction: try p.reduction())
      return (loss, ["logits": try p.tensor("logits")], ["labels": try p.classes("targets")])
    case "categorical_focal_keras":
      let loss = try FocalLoss(
        gamma: try p.number("gamma"), alpha: [try p.number("alpha")],
        labelSmoothing: try p.number("label_smoothing", default: 0))
      return (loss, ["logits": try p.tensor("logits")], ["labels": try p.classes("targets")])
    case "sigmoid_focal":
      let loss = try BinaryFocalLoss.torchvision(
        alpha: try p.number("alpha"), gamma: try p.number("gamma"), reduction: try p.reduction())
      return (
        loss, ["logits": try p.tensor("logits")],
        ["labels": Targets(dense: try p.tensor("targets"))]
      )
    case "binary_focal_keras":
      let loss = try BinaryFocalLoss.keras(
        applyClassBalancing: try p.flag("apply_class_balancing"), alpha: try p.number("alpha"),
        gamma: try p.number("gamma"), labelSmoothing: try p.number("label_smoothing", default: 0))
      return (
        loss, ["logits": try p.tensor("logits")],
        ["labels": Targets(dense: try p.tensor("targets"))]
      )
    case "weighted_cross_entropy":
      let smoothing = try p.number("label_smoothing", default: 0)
      let loss: any Loss
      if let weights = try p.numbers("weight") {
        loss = try WeightedCrossEntropyLoss(
          weights: weights, labelSmoothing: smoothing, reduction: try p.reduction())
      } else {
        loss = try CrossEntropyLoss(labelSmoothing: smoothing, reduction: try p.reduction())
      }
      return (loss, ["logits": try p.tensor("logits")], ["labels": try p.classes("targets")])
    case "supcon":
      let loss = try SupervisedContrastiveLoss(temperature: try p.number("temperature"))
      return (
        loss, ["embeddings": try p.tensor("embeddings")], ["labels": try p.classes("labels")]
      )
    case "soft_f1":
      let classes = try p.integers("focal_classes", in: 0...Int(Int32.max))
      let loss = try FocalF1Loss(
        focalClasses: classes, epsilon: try p.number("epsilon", default: 1e-7))
      return (loss, ["logits": try p.tensor("logits")], ["labels": try p.classes("targets")])
    default:
      throw golden.bad(
        "unknown case kind '\(golden.kind)'; known kinds: " + knownKinds.joined(separator: ", "))
    }
  }

  private static func classWeights(_ golden: GoldenCase) throws -> ConformanceResult {
    let p = Parameters(golden)
    let counts = try p.integers(
      of: try p.input("counts"), field: "inputs.counts", in: 0...(1 << 53))
    let strategy: ClassWeightStrategy
    switch p.params["strategy"]?.stringValue {
    case "balanced": strategy = .balanced
    case "effective_number": strategy = .effectiveNumber(beta: try p.number("beta"))
    case "inverse": strategy = .inverse
    case "aggressive": strategy = .aggressive
    case let other:
      throw golden.bad(
        "params.strategy: unknown strategy \(other ?? "(none)"); known: "
          + ClassWeightStrategy.choices)
    }
    guard let expected = golden.expected.weights else {
      throw golden.bad("expected.weights is missing")
    }
    let weights = try strategy.weights(forCounts: counts)
    guard weights.count == expected.count else {
      throw golden.bad("expected \(expected.count) weights, computed \(weights.count)")
    }
    let tolerance = golden.tolerance
    let errors = zip(weights, expected).map { abs($0 - $1) }
    let passed = zip(errors, expected).allSatisfy {
      $0 <= tolerance.value_abs + tolerance.value_rel * abs($1)
    }
    return ConformanceResult(
      name: golden.name, kind: golden.kind, valueError: errors.max(), gradientError: nil,
      passed: passed, message: passed ? nil : "weights \(weights), expected \(expected)")
  }

  private static func compare(
    _ golden: GoldenCase, value: Double, gradients: [String: Tensor]
  ) throws -> ConformanceResult {
    guard let expectedValue = golden.expected.value else {
      throw golden.bad("expected.value is missing")
    }
    let tolerance = golden.tolerance
    let valueError = abs(value - expectedValue)
    var passed =
      value.isFinite
      && valueError <= tolerance.value_abs + tolerance.value_rel * abs(expectedValue)
    var problems: [String] = passed ? [] : ["value \(value), expected \(expectedValue)"]
    var gradientError = 0.0
    for (name, expected) in golden.expected.grad ?? [:] {
      guard let gradient = gradients[name], gradient.shape == expected.shape else {
        passed = false
        problems.append("no gradient for '\(name)' of shape \(expected.shape)")
        continue
      }
      for (index, (got, want)) in zip(gradient.scalars, expected.data).enumerated() {
        let error = abs(Double(got) - want)
        gradientError = max(gradientError, error.isNaN ? .infinity : error)
        if !(error <= tolerance.grad_abs + tolerance.grad_rel * abs(want)) {
          if passed || problems.count < 3 {
            problems.append("\(name)[\(index)] = \(got), expected \(want)")
          }
          passed = false
        }
      }
    }
    return ConformanceResult(
      name: golden.name, kind: golden.kind, valueError: valueError,
      gradientError: gradientError, passed: passed,
      message: problems.isEmpty ? nil : problems.joined(separator: "; "))
  }
}

/// The outcome of one golden case.
public struct ConformanceResult: Sendable, Equatable {
  /// The case name.
  public var name: String
  /// The case kind.
  public var kind: String
  /// `|value − expected|` (for class weights, the largest weight error).
  public var valueError: Double?
  /// The largest `|gradient − expected|` over elements.
  public var gradientError: Double?
  /// Whether every number is within tolerance.
  public var passed: Bool
  /// What went wrong, when something did.
  public var message: String?

  /// One line: name, value error, max gradient error, pass/fail, and the problem if any.
  public var line: String {
    func format(_ x: Double?) -> String { x.map { String(format: "%.2e", $0) } ?? "-" }
    let status = passed ? "pass" : "FAIL"
    let detail = message.map { "  (\($0))" } ?? ""
    return "\(name)  value_err=\(format(valueError))  grad_err=\(format(gradientError))  "
      + "\(status)\(detail)"
  }
}

/// Typed access to a case's parameters and inputs, with errors naming the case, its file and
/// the field.
private struct Parameters {
  let golden: GoldenCase
  var params: [String: JSONValue] { golden.params }

  init(_ golden: GoldenCase) { self.golden = golden }

  func number(_ key: String, default fallback: Double? = nil) throws -> Double {
    if let value = params[key]?.numberValue { return value }
    if case .bool(let flag)? = params[key] { return flag ? 1 : 0 }
    if let fallback, params[key] == nil || params[key] == .null { return fallback }
    throw golden.bad("params.\(key) must be a number")
  }

  func flag(_ key: String) throws -> Bool {
    if case .bool(let value)? = params[key] { return value }
    return try number(key, default: 0) != 0
  }

  func numbers(_ key: String) throws -> [Double]? {
    switch params[key] {
    case nil, .null?: return nil
    case .array(let values)?:
      return try values.map {
        guard let value = $0.numberValue else {
          throw golden.bad("params.\(key) must hold numbers")
        }
        return value
      }
    case .number(let value)?: return [value]
    default: throw golden.bad("params.\(key) must be a list")
    }
  }

  /// A parameter list of whole numbers in `range` (empty when absent).
  func integers(_ key: String, in range: ClosedRange<Int>) throws -> [Int] {
    try (numbers(key) ?? []).enumerated().map { index, value in
      try integer(value, field: "params.\(key)[\(index)]", in: range)
    }
  }

  /// A tensor's elements as whole numbers in `range`.
  func integers(
    of tensor: GoldenTensor, field: String, in range: ClosedRange<Int>
  ) throws -> [Int] {
    try tensor.data.enumerated().map { index, value in
      try integer(value, field: "\(field).data[\(index)]", in: range)
    }
  }

  /// `value` as a whole number in `range`, or an error naming `field`.
  func integer(_ value: Double, field: String, in range: ClosedRange<Int>) throws -> Int {
    guard let whole = Int(exactly: value), range.contains(whole) else {
      throw golden.bad(
        "\(field) is \(value); it must be a whole number in \(range.lowerBound)..."
          + "\(range.upperBound)")
    }
    return whole
  }

  func reduction() throws -> Reduction {
    let text = params["reduction"]?.stringValue ?? "mean"
    guard let reduction = Reduction(rawValue: text) else {
      throw golden.bad("params.reduction '\(text)' is not one of mean, sum")
    }
    return reduction
  }

  func input(_ name: String) throws -> GoldenTensor {
    guard let tensor = golden.inputs[name] else {
      throw golden.bad("inputs.\(name) is missing; inputs: \(golden.inputs.keys.sorted())")
    }
    return tensor
  }

  func tensor(_ name: String) throws -> Tensor {
    let raw = try input(name)
    do {
      return try Tensor(shape: raw.shape, scalars: raw.data.map(Float.init))
    } catch {
      throw golden.bad("inputs.\(name): \(error)")
    }
  }

  func classes(_ name: String) throws -> Targets {
    let raw = try input(name)
    let int32 = Int(Int32.min)...Int(Int32.max)
    let ignore = try integer(
      try number("ignore_index", default: -100), field: "params.ignore_index", in: int32)
    let indices = try integers(of: raw, field: "inputs.\(name)", in: int32)
    do {
      return try Targets(
        classIndices: indices.map { Int32($0) }, shape: raw.shape, ignoreIndex: Int32(ignore))
    } catch {
      throw golden.bad("inputs.\(name): \(error)")
    }
  }
}
