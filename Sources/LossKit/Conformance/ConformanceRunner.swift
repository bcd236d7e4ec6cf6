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
        loss, ["logits": try p.tensor("logits")], ["labels": Targets(dense: try p.tensor("targets"))]
      )
    case "binary_focal_keras":
      let loss = try BinaryFocalLoss.keras(
        applyClassBalancing: try p.flag("apply_class_balancing"), alpha: try p.number("alpha"),
        gamma: try p.number("gamma"), labelSmoothing: try p.number("label_smoothing", default: 0))
      return (
        loss, ["logits": try p.tensor("logits")], ["labels": Targets(dense: try p.tensor("targets"))]
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
      let classes = try p.numbers("focal_classes") ?? []
      let loss = try FocalF1Loss(
        focalClasses: classes.map { Int($0) }, epsilon: try p.number("epsilon", default: 1e-7))
      return (loss, ["logits": try p.tensor("logits")], ["labels": try p.classes("targets")])
    default:
      throw ConformanceError.badCase(
        golden.name,
        reason: "unknown case kind '\(golden.kind)'; known kinds: "
          + knownKinds.joined(separator: ", "))
    }
  }

  private static func classWeights(_ golden: GoldenCase) throws -> ConformanceResult {
    let p = Parameters(golden)
    let counts = try p.tensor("counts").scalars.map { Int($0) }
    let strategy: ClassWeightStrategy
    switch p.params["strategy"]?.stringValue {
    case "balanced": strategy = .balanced
    case "effective_number": strategy = .effectiveNumber(beta: try p.number("beta"))
    case "inverse": strategy = .inverse
    case "aggressive": strategy = .aggressive
    case let other:
      throw ConformanceError.badCase(
        golden.name, reason: "unknown strategy \(other ?? "(none)"); known: "
          + ClassWeightStrategy.choices)
    }
    guard let expected = golden.expected.weights else {
      throw ConformanceError.badCase(golden.name, reason: "expected.weights is missing")
    }
    let weights = try strategy.weights(forCounts: counts)
    guard weights.count == expected.count else {
      throw ConformanceError.badCase(
        golden.name, reason: "expected \(expected.count) weights, computed \(weights.count)")
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
      throw ConformanceError.badCase(golden.name, reason: "expected.value is missing")
    }
    let tolerance = golden.tolerance
    let valueError = abs(value - expectedValue)
    var passed = value.isFinite
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

/// Typed access to a case's parameters and inputs, with errors naming the case.
private struct Parameters {
  let golden: GoldenCase
  var params: [String: JSONValue] { golden.params }

  init(_ golden: GoldenCase) { self.golden = golden }

  func number(_ key: String, default fallback: Double? = nil) throws -> Double {
    if let value = params[key]?.numberValue { return value }
    if case .bool(let flag)? = params[key] { return flag ? 1 : 0 }
    if let fallback, params[key] == nil || params[key] == .null { return fallback }
    throw ConformanceError.badCase(golden.name, reason: "parameter '\(key)' must be a number")
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
          throw ConformanceError.badCase(golden.name, reason: "'\(key)' must hold numbers")
        }
        return value
      }
    case .number(let value)?: return [value]
    default: throw ConformanceError.badCase(golden.name, reason: "'\(key)' must be a list")
    }
  }

  func reduction() throws -> Reduction {
    let text = params["reduction"]?.stringValue ?? "mean"
    guard let reduction = Reduction(rawValue: text) else {
      throw ConformanceError.badCase(
        golden.name, reason: "reduction '\(text)' is not one of mean, sum")
    }
    return reduction
  }

  func input(_ name: String) throws -> GoldenTensor {
    guard let tensor = golden.inputs[name] else {
      throw ConformanceError.badCase(
        golden.name, reason: "input '\(name)' is missing; inputs: \(golden.inputs.keys.sorted())")
    }
    return tensor
  }

  func tensor(_ name: String) throws -> Tensor {
    let raw = try input(name)
    return try Tensor(shape: raw.shape, scalars: raw.data.map(Float.init))
  }

  func classes(_ name: String) throws -> Targets {
    let raw = try input(name)
    let ignore = Int32(try number("ignore_index", default: -100))
    return try Targets(
      classIndices: raw.data.map { Int32($0) }, shape: raw.shape, ignoreIndex: ignore)
  }
}
