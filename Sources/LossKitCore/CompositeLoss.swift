/// A weighted sum of losses: `0.7 * focal + 0.3 * supcon`.
///
/// The value is `Σ wᵢ·Lᵢ` and the gradient for each output is `Σ wᵢ·∂Lᵢ/∂output`. Each
/// leaf's unweighted value is reported in ``LossValue/parts`` so training logs can show
/// `focal=… supcon=…`. A composite saves as its terms' specs, nested, and composites may
/// contain composites.
///
/// ```swift
/// let loss = 0.7 * FocalLoss(gamma: 2) + 0.3 * SupervisedContrastiveLoss(temperature: 0.1)
/// ```
public struct CompositeLoss: Loss {
  /// The registry name, `composite`.
  public static let name = "composite"
  /// The parameter version.
  public static let version = 1
  /// One line for `losskit losses`.
  public static let summary = "weighted sum of other losses: 0.7 * focal + 0.3 * supcon"

  /// One weighted term.
  public struct Term: Sendable {
    /// The term's weight.
    public var weight: Double
    /// The term's loss.
    public var loss: any Loss

    /// Creates a term.
    public init(weight: Double, loss: any Loss) {
      self.weight = weight
      self.loss = loss
    }
  }

  /// The terms, in order.
  public var terms: [Term]

  /// The largest magnitude of a term weight. Gradients are scaled by the weight in `Float`,
  /// so a weight such as `1e308` would turn finite gradients and values into infinities.
  public static let largestWeight = 1e6

  /// An empty composite, whose value is 0.
  public init() { terms = [] }

  /// A composite of the given terms.
  public init(_ terms: [Term]) { self.terms = terms }

  /// Every output any term reads.
  public var outputNames: Set<String> {
    terms.reduce(into: []) { $0.formUnion($1.loss.outputNames) }
  }

  /// Every target set any term reads.
  public var targetNames: Set<String> {
    terms.reduce(into: []) { $0.formUnion($1.loss.targetNames) }
  }

  /// The leaves' labels, made unique with `#2`, `#3`… where a label repeats.
  public var partLabels: [String] {
    var seen: [String: Int] = [:]
    return leafLabels.map { label in
      seen[label, default: 0] += 1
      let count = seen[label]!
      return count == 1 ? label : "\(label)#\(count)"
    }
  }

  private var leafLabels: [String] {
    terms.flatMap { term -> [String] in
      if let nested = term.loss as? CompositeLoss { return nested.leafLabels }
      return [term.loss.label]
    }
  }

  /// Resolves every term for the data set.
  public func prepared(for context: LossContext) throws -> CompositeLoss {
    CompositeLoss(
      try terms.map { Term(weight: $0.weight, loss: try $0.loss.prepared(for: context)) })
  }

  /// Resolves every term with the context of the target sets it reads.
  public func prepared(forTargets contexts: [String: LossContext]) throws -> CompositeLoss {
    CompositeLoss(
      try terms.map {
        Term(weight: $0.weight, loss: try $0.loss.prepared(forTargets: contexts))
      })
  }

  /// Evaluates every term, weighting values and gradients.
  ///
  /// - Throws: ``LossKitError/invalidParameter(loss:name:reason:)`` for a weight that is not
  ///   finite or exceeds ``largestWeight`` in magnitude, or whatever a term throws.
  public func evaluate(
    _ outputs: [String: Tensor], _ targets: [String: Targets], scale: Float,
    gradients: inout GradientBuffers
  ) throws -> LossValue {
    var total = 0.0
    var leafValues: [Double] = []
    leafValues.reserveCapacity(terms.count)
    for term in terms {
      guard term.weight.isFinite, abs(term.weight) <= Self.largestWeight else {
        throw LossKitError.invalidParameter(
          loss: Self.name, name: "weight",
          reason: "term weight \(term.weight) is not within ±\(Self.largestWeight); weights are "
            + "relative (0.7*focal+0.3*supcon): scale them down")
      }
      let value = try term.loss.evaluate(
        outputs, targets, scale: scale * Float(term.weight), gradients: &gradients)
      total += term.weight * value.value
      leafValues += term.loss is CompositeLoss ? value.parts.map(\.value) : [value.value]
    }
    let parts = zip(partLabels, leafValues).map { LossPart(name: $0, value: $1) }
    return LossValue(total, parts: parts)
  }
}

extension CompositeLoss: CustomStringConvertible {
  /// The sum as written in code or on the command line: `0.7*focal+0.3*supcon`.
  public var description: String {
    terms.map { term in
      let inner =
        (term.loss as? CompositeLoss).map { "(\($0.description))" } ?? term.loss.label
      return term.weight == 1 ? inner : "\(formatWeight(term.weight))*\(inner)"
    }.joined(separator: "+")
  }

  private func formatWeight(_ weight: Double) -> String {
    if weight == weight.rounded(), abs(weight) < 1e15 { return String(Int(weight)) }
    // Four significant digits: 1/3 reads as 0.3333, 0.7 stays 0.7.
    let short = String(format: "%.4g", weight)
    return Double(short) == weight || short.count < String(weight).count ? short : String(weight)
  }
}

extension CompositeLoss {
  private enum CodingKeys: String, CodingKey { case terms }
  private struct StoredTerm: Codable {
    var weight: Double
    var loss: LossSpec
  }

  /// Decodes the terms, resolving each nested spec through the ``LossRegistry`` found under
  /// ``Foundation/CodingUserInfoKey/lossRegistry``.
  public init(from decoder: any Decoder) throws {
    let stored = try decoder.container(keyedBy: CodingKeys.self)
      .decode([StoredTerm].self, forKey: .terms)
    if stored.isEmpty {
      self.init()
      return
    }
    guard let registry = decoder.userInfo[.lossRegistry] as? LossRegistry else {
      throw LossKitError.invalidSpec(
        "a composite loss decodes its terms through a registry; use "
          + "`registry.makeLoss(from: spec)` rather than decoding CompositeLoss directly")
    }
    self.init(
      try stored.map { Term(weight: $0.weight, loss: try registry.makeLoss(from: $0.loss)) })
  }

  /// Encodes each term as its weight and nested ``LossSpec``.
  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(
      try terms.map { StoredTerm(weight: $0.weight, loss: try LossSpec($0.loss)) },
      forKey: .terms)
  }
}

/// A loss scaled by a weight, as a one-term ``CompositeLoss``.
///
/// Scaling a one-term composite multiplies its weight instead of nesting.
public func * <L: Loss>(weight: Double, loss: L) -> CompositeLoss {
  if let composite = loss as? CompositeLoss, composite.terms.count == 1 {
    let term = composite.terms[0]
    return CompositeLoss([.init(weight: weight * term.weight, loss: term.loss)])
  }
  return CompositeLoss([.init(weight: weight, loss: loss)])
}

/// A loss scaled by a weight, as a one-term ``CompositeLoss``.
public func * <L: Loss>(loss: L, weight: Double) -> CompositeLoss { weight * loss }

/// The sum of two losses; terms of composites on either side are concatenated.
public func + <A: Loss, B: Loss>(lhs: A, rhs: B) -> CompositeLoss {
  CompositeLoss(compositeTerms(of: lhs) + compositeTerms(of: rhs))
}

private func compositeTerms(of loss: some Loss) -> [CompositeLoss.Term] {
  (loss as? CompositeLoss)?.terms ?? [.init(weight: 1, loss: loss)]
}
