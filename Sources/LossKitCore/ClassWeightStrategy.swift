import Foundation

/// How class weights are computed from class frequencies.
///
/// Written and parsed as text, as on the command line: `inverse`, `balanced`, `aggressive`,
/// `effective-number:0.999`.
public enum ClassWeightStrategy: Sendable, Equatable, Hashable {
  /// Inverse frequency scaled so the rarest class gets ``inverseCap`` (10), floored at
  /// ``floor`` (0.1): `w_c = max(0.1, 10 · n_min / n_c)`.
  case inverse
  /// scikit-learn's `'balanced'`: `w_c = n / (k · n_c)`.
  case balanced
  /// Inverse squared frequency, capped at ``aggressiveCap`` (100) for the rarest class and
  /// floored at ``floor``: `w_c = max(0.1, 100 · (n_min / n_c)²)`.
  case aggressive
  /// Cui et al. (2019), effective number of samples: `w_c ∝ (1 − β) / (1 − β^{n_c})`,
  /// normalised so the weights sum to the class count. β in `[0, 1)`; 0.999 is usual.
  case effectiveNumber(beta: Double)

  /// The weight the rarest class gets under ``inverse``.
  public static let inverseCap = 10.0
  /// The weight the rarest class gets under ``aggressive``.
  public static let aggressiveCap = 100.0
  /// The smallest weight ``inverse`` and ``aggressive`` give.
  public static let floor = 0.1

  /// Weights for the given class counts.
  ///
  /// A class with no samples gets the largest weight of the others (it contributes nothing
  /// to a loss until it appears, and a finite weight keeps saved models readable).
  ///
  /// - Throws: ``LossKitError/invalidParameter(loss:name:reason:)`` when every count is 0,
  ///   a count is negative, or β is outside `[0, 1)`.
  public func weights(forCounts counts: [Int]) throws -> [Double] {
    guard counts.allSatisfy({ $0 >= 0 }), counts.contains(where: { $0 > 0 }) else {
      throw LossKitError.invalidParameter(
        loss: "class weights", name: "counts",
        reason: "\(counts) has no labelled samples; weights need at least one sample")
    }
    let present = counts.filter { $0 > 0 }.map(Double.init)
    let total = present.reduce(0, +)
    let rarest = present.min()!
    let k = Double(counts.count)
    let weight: (Double) -> Double
    switch self {
    case .inverse: weight = { Swift.max(Self.floor, Self.inverseCap * rarest / $0) }
    case .balanced: weight = { total / (k * $0) }
    case .aggressive: weight = { Swift.max(Self.floor, Self.aggressiveCap * pow(rarest / $0, 2)) }
    case .effectiveNumber(let beta):
      guard beta >= 0, beta < 1 else {
        throw LossKitError.invalidParameter(
          loss: "class weights", name: "beta", reason: "\(beta) is not in [0, 1); 0.999 is usual")
      }
      // 1 − βⁿ = −expm1(n·ln β), with ln β = log1p(β − 1): no cancellation for β near 1.
      let logBeta = log1p(beta - 1)
      weight = { (1 - beta) / -expm1($0 * logBeta) }
    }
    var weights = counts.map { $0 > 0 ? weight(Double($0)) : Double.nan }
    let largest = weights.filter { !$0.isNaN }.max()!
    weights = weights.map { $0.isNaN ? largest : $0 }
    if case .effectiveNumber = self {
      let sum = weights.reduce(0, +)
      weights = weights.map { $0 / sum * k }
    }
    return weights
  }
}

extension ClassWeightStrategy {
  /// Weights for a data set's class counts, for the loss named `loss`.
  ///
  /// - Throws: ``LossKitError/unresolvedLabels(loss:detail:)`` when the context has no counts,
  ///   and the errors of ``weights(forCounts:)``.
  public func weights(for context: LossContext, loss: String) throws -> [Double] {
    guard let counts = context.classCounts else {
      throw LossKitError.unresolvedLabels(
        loss: loss, detail: "the '\(self)' strategy needs the training class counts")
    }
    return try weights(forCounts: counts)
  }
}

extension ClassWeightStrategy: LosslessStringConvertible, Codable {
  /// Parses `inverse`, `balanced`, `aggressive` or `effective-number[:β]` (β defaults to
  /// 0.999).
  public init?(_ description: String) {
    let parts = description.lowercased().split(separator: ":", maxSplits: 1).map(String.init)
    switch (parts.first, parts.count) {
    case ("inverse", 1): self = .inverse
    case ("balanced", 1): self = .balanced
    case ("aggressive", 1): self = .aggressive
    case ("effective-number", _), ("effective_number", _):
      guard let beta = parts.count > 1 ? Double(parts[1]) : 0.999 else { return nil }
      self = .effectiveNumber(beta: beta)
    default: return nil
    }
  }

  /// The strategy as text.
  public var description: String {
    switch self {
    case .inverse: return "inverse"
    case .balanced: return "balanced"
    case .aggressive: return "aggressive"
    case .effectiveNumber(let beta): return "effective-number:\(beta)"
    }
  }

  /// The names ``init(_:)`` accepts, for help and error messages.
  public static let choices = "inverse, balanced, aggressive, effective-number[:β]"

  /// Decodes the text form.
  public init(from decoder: any Decoder) throws {
    let text = try decoder.singleValueContainer().decode(String.self)
    guard let strategy = ClassWeightStrategy(text) else {
      throw LossKitError.invalidSpec(
        "unknown weight strategy '\(text)'; choose one of \(Self.choices)")
    }
    self = strategy
  }

  /// Encodes the text form.
  public func encode(to encoder: any Encoder) throws {
    var container = encoder.singleValueContainer()
    try container.encode(description)
  }
}
