/// A loss described the way a command line or a high-level API describes it: an expression
/// such as `0.7*focal+0.3*weighted` plus shared options (`gamma`, focal labels, class
/// weights, …).
///
/// Each option is applied to every term whose loss has a parameter of that name; an option no
/// term accepts is an error, so a mistyped loss never silently ignores `--gamma`. Focal labels
/// and class weights together are rejected for a single loss (the seed's rule: they are two
/// answers to the same question), but allowed when the expression composes two losses
/// explicitly, such as `0.5*focal-f1+0.5*weighted`.
///
/// ```swift
/// var configuration = LossConfiguration(expression: "0.5*focal+0.5*focal-f1")
/// configuration.focalLabels = ["Nomenclature", "Description"]
/// let loss = try configuration.makeLoss(registry: .standard)
/// ```
public struct LossConfiguration: Sendable, Equatable, Codable {
  /// The loss expression: terms `[weight*]name` joined by `+`.
  public var expression: String
  /// Focusing exponent γ for losses that have one.
  public var gamma: Double?
  /// α for losses that have one: one value, or one per class.
  public var alpha: [Double]?
  /// Label smoothing ε.
  public var labelSmoothing: Double?
  /// Focal labels for soft-F1.
  public var focalLabels: [String]?
  /// Class weights by label name.
  public var classWeights: [String: Double]?
  /// A class-weight strategy name (`inverse`, `balanced`, `aggressive`, `effective-number:β`).
  public var weightStrategy: String?
  /// Temperature for contrastive losses.
  public var temperature: Double?

  /// Short names accepted in expressions, and the registry names they stand for.
  public static let aliases = [
    "weighted": "weighted-cross-entropy", "standard": "cross-entropy", "ce": "cross-entropy",
    "f1": "focal-f1", "contrastive": "supcon",
  ]

  /// A configuration with an expression and no options.
  public init(expression: String) {
    self.expression = expression
  }

  /// The parsed terms: weight and registry name.
  ///
  /// - Throws: ``LossKitError/invalidSpec(_:)`` for a malformed term, or
  ///   ``LossKitError/unknownLoss(_:registered:)``.
  public func terms(registry: LossRegistry) throws -> [(weight: Double, name: String)] {
    let compact = expression.filter { !$0.isWhitespace }
    guard !compact.isEmpty else {
      throw LossKitError.invalidSpec("empty loss expression; try 'focal' or '0.7*focal+0.3*weighted'")
    }
    return try compact.split(separator: "+", omittingEmptySubsequences: false).map { term in
      let pieces = term.split(separator: "*", omittingEmptySubsequences: false)
      guard (1...2).contains(pieces.count), !pieces.last!.isEmpty else {
        throw LossKitError.invalidSpec(
          "cannot read '\(term)' in '\(expression)'; write terms as weight*name, e.g. 0.7*focal")
      }
      var weight = 1.0
      if pieces.count == 2 {
        guard let parsed = Double(pieces[0]), parsed.isFinite else {
          throw LossKitError.invalidSpec(
            "'\(pieces[0])' in '\(expression)' is not a weight; write e.g. 0.7*focal")
        }
        weight = parsed
      }
      let written = String(pieces.last!)
      let name = Self.aliases[written] ?? written
      guard registry.entry(named: name) != nil, name != CompositeLoss.name else {
        throw LossKitError.unknownLoss(
          written,
          registered: registry.names.filter { $0 != CompositeLoss.name }
            + Self.aliases.keys.sorted().map { "\($0) (= \(Self.aliases[$0]!))" })
      }
      return (weight, name)
    }
  }

  /// Builds the loss.
  ///
  /// - Throws: ``LossKitError/conflictingOptions(_:fix:)`` for focal labels with class weights
  ///   in a single loss, or an option no term accepts; errors from ``terms(registry:)`` and
  ///   from the losses' own validation.
  public func makeLoss(registry: LossRegistry) throws -> any Loss {
    let parsed = try terms(registry: registry)
    let hasClassWeights = classWeights != nil || weightStrategy != nil
    if focalLabels != nil, hasClassWeights, parsed.count == 1 {
      throw LossKitError.conflictingOptions(
        "class weights and focal labels are mutually exclusive for a single loss",
        fix: "choose one, or compose two losses explicitly, e.g. "
          + "'0.5*focal-f1+0.5*weighted' with focal labels for the first and weights for the "
          + "second")
    }
    let options = try optionValues()
    var used = Set<String>()
    let losses = try parsed.map { term -> CompositeLoss.Term in
      let defaults = registry.entry(named: term.name)!.defaults.objectValue ?? [:]
      var accepted = options.filter { defaults.keys.contains($0.key) }
      // A scalar parameter (binary focal's α) takes a one-element list as its value.
      for (key, value) in accepted {
        if case .number? = defaults[key], let list = value.arrayValue, list.count == 1 {
          accepted[key] = list[0]
        }
      }
      used.formUnion(accepted.keys)
      let loss = try registry.makeLoss(named: term.name, parameters: accepted)
      return CompositeLoss.Term(weight: term.weight, loss: loss)
    }
    if let unused = options.keys.sorted().first(where: { !used.contains($0) }) {
      throw LossKitError.conflictingOptions(
        "the option '\(unused)' does not apply to any loss in '\(expression)'",
        fix: "drop it, or add a loss that takes it (see `losskit losses`)")
    }
    if losses.count == 1, losses[0].weight == 1 { return losses[0].loss }
    return CompositeLoss(losses)
  }

  /// The options as loss parameters.
  private func optionValues() throws -> [String: JSONValue] {
    var values: [String: JSONValue] = [:]
    if let gamma { values["gamma"] = .number(gamma) }
    if let alpha { values["alpha"] = .array(alpha.map { .number($0) }) }
    if let labelSmoothing { values["labelSmoothing"] = .number(labelSmoothing) }
    if let focalLabels { values["focalLabels"] = .array(focalLabels.map { .string($0) }) }
    if let classWeights {
      values["classWeights"] = .object(classWeights.mapValues { .number($0) })
    }
    if let weightStrategy { values["strategy"] = .string(weightStrategy) }
    if let temperature { values["temperature"] = .number(temperature) }
    return values
  }
}
