/// A loss described the way a command line or a high-level API describes it: an expression
/// such as `0.7*focal(gamma=2)+0.3*supcon(target=section)` plus shorthand options that apply
/// to every term that takes them (`gamma`, `focalLabels`, `strategy`, …).
///
/// - An option applies to every term whose loss has a parameter of that name; a value
///   written in a term wins. An option no term takes, or a term parameter its loss lacks, is
///   an error, so a mistyped loss never silently ignores `--gamma`.
/// - Focal labels and class weights together are rejected for a single loss (the seed's
///   rule: they are two answers to the same question), but allowed when the expression
///   composes two losses explicitly, such as `0.5*focal-f1+0.5*weighted`.
/// - With classification heads (``Head``), a term that names no target applies to every head
///   and is averaged over them (seed 004); a term's `target=` picks one head.
///
/// ```swift
/// let configuration = LossConfiguration(
///   expression: "0.5*focal+0.5*focal-f1", options: ["focalLabels": ["Nomenclature", "Description"]])
/// let loss = try configuration.makeLoss(registry: .standard)
/// ```
public struct LossConfiguration: Sendable, Equatable, Codable {
  /// One classification head of a model: the target set it predicts, the output holding its
  /// logits, and the head's own names for other outputs a loss reads.
  public struct Head: Sendable, Equatable {
    /// The target set's name.
    public var target: String
    /// The model output with the head's logits.
    public var output: String
    /// The head's outputs by the default names losses read them under, beyond `logits`: a
    /// CRF head of a two-head model maps `transitions` to `transitions_kind`, …
    public var outputs: [String: String]

    /// Creates a head.
    public init(target: String, output: String, outputs: [String: String] = [:]) {
      self.target = target
      self.output = output
      self.outputs = outputs
    }

    /// The head's name for an output a loss reads by default under `name`, when it differs.
    func output(standingFor name: String) -> String? {
      name == "logits" ? output : outputs[name]
    }
  }

  /// The loss expression.
  public var expression: String
  /// Shorthand options by loss parameter name, applied to every term that has the parameter.
  public var options: [String: JSONValue]

  /// Short names accepted in expressions, and the registry names they stand for.
  public static let aliases = [
    "weighted": "weighted-cross-entropy", "standard": "cross-entropy", "ce": "cross-entropy",
    "f1": "focal-f1", "contrastive": "supcon",
  ]

  /// A configuration with an expression and shorthand options.
  public init(expression: String, options: [String: JSONValue] = [:]) {
    self.expression = expression
    self.options = options
  }

  /// The parsed terms with registry names.
  ///
  /// - Throws: ``LossKitError/invalidSpec(_:)`` for a malformed expression, or
  ///   ``LossKitError/unknownName(_:_:registered:)`` listing the losses and aliases.
  public func terms(registry: LossRegistry) throws -> [LossExpression.Term] {
    try LossExpression(expression).terms.map { term in
      var resolved = term
      resolved.name = Self.aliases[term.name] ?? term.name
      guard registry.entry(named: resolved.name) != nil, resolved.name != CompositeLoss.name
      else {
        throw LossKitError.unknownName(
          .loss, term.name,
          registered: registry.names.filter { $0 != CompositeLoss.name }
            + Self.aliases.keys.sorted().map { "\($0) (= \(Self.aliases[$0]!))" })
      }
      return resolved
    }
  }

  /// Every parameter name some term's loss has.
  ///
  /// - Throws: As ``terms(registry:)``.
  public func parameterNames(registry: LossRegistry) throws -> Set<String> {
    try terms(registry: registry).reduce(into: []) { names, term in
      names.formUnion(registry.entry(named: term.name)?.defaults.objectValue?.keys ?? [:].keys)
    }
  }

  /// Builds the loss.
  ///
  /// - Parameters:
  ///   - registry: Where loss names resolve.
  ///   - heads: The model's classification heads; `nil` leaves every term's target and
  ///     output as written (or as the loss's defaults).
  /// - Throws: ``LossKitError/conflictingOptions(_:fix:)`` for focal labels with class weights
  ///   in a single loss, or an option no term accepts;
  ///   ``LossKitError/unknownParameter(_:_:parameter:known:)`` for a term parameter the loss
  ///   lacks; ``LossKitError/missingTargets(loss:name:available:)`` for a `target=` that is no
  ///   head; errors from parsing and from the losses' own validation.
  public func makeLoss(registry: LossRegistry, heads: [Head]? = nil) throws -> any Loss {
    let parsed = try terms(registry: registry)
    let usesFocalLabels =
      options["focalLabels"] != nil || parsed.contains { $0.parameters["focalLabels"] != nil }
    let usesClassWeights =
      options["classWeights"] != nil || options["strategy"] != nil
      || parsed.contains {
        $0.parameters["classWeights"] != nil || $0.parameters["strategy"] != nil
      }
    if usesFocalLabels, usesClassWeights, parsed.count == 1 {
      throw LossKitError.conflictingOptions(
        "class weights and focal labels are mutually exclusive for a single loss",
        fix: "choose one, or compose two losses explicitly, e.g. "
          + "'0.5*focal-f1+0.5*weighted' with focal labels for the first and weights for the "
          + "second")
    }
    var used = Set<String>()
    var losses: [CompositeLoss.Term] = []
    for term in parsed {
      let entry = try registry.requireEntry(named: term.name)
      let defaults = entry.defaults.objectValue ?? [:]
      var parameters: [String: JSONValue] = [:]
      for (key, value) in options where defaults.keys.contains(key) {
        parameters[key] = Self.coerce(value, like: defaults[key]!)
        used.insert(key)
      }
      for (key, written) in term.parameters {
        guard let model = defaults[key] else {
          throw LossKitError.unknownParameter(
            .loss, term.name, parameter: key, known: defaults.keys.sorted())
        }
        parameters[key] = try Self.value(written, like: model, key: key, loss: term.name)
      }
      for (placement, weight) in try Self.placements(
        of: term, defaults: defaults, heads: heads)
      {
        var placed = parameters
        placed.merge(placement) { _, new in new }
        let loss = try registry.makeLoss(named: term.name, parameters: placed)
        losses.append(CompositeLoss.Term(weight: term.weight * weight, loss: loss))
      }
    }
    if let unused = options.keys.sorted().first(where: { !used.contains($0) }) {
      throw LossKitError.conflictingOptions(
        "the option '\(unused)' does not apply to any loss in '\(expression)'",
        fix: "drop it, or add a loss that takes it (see `losskit kinds`)")
    }
    if losses.count == 1, losses[0].weight == 1 { return losses[0].loss }
    return CompositeLoss(losses)
  }

  /// Where a term applies: its `target` (and every output it reads by a default name the
  /// head renames, such as `logits`) on each head it covers, with the share of its weight.
  static func placements(
    of term: LossExpression.Term, defaults: [String: JSONValue], heads: [Head]?
  ) throws -> [([String: JSONValue], Double)] {
    guard let heads, !heads.isEmpty, defaults["target"] != nil else { return [([:], 1)] }
    func placement(_ head: Head) -> [String: JSONValue] {
      var values: [String: JSONValue] = ["target": .string(head.target)]
      for (key, value) in defaults where key != "target" && term.parameters[key] == nil {
        if let name = value.stringValue, let own = head.output(standingFor: name) {
          values[key] = .string(own)
        }
      }
      return values
    }
    if case .atom(let target)? = term.parameters["target"] {
      guard let head = heads.first(where: { $0.target == target }) else {
        throw LossKitError.missingTargets(
          loss: term.name, name: target, available: heads.map(\.target))
      }
      return [(placement(head), 1)]
    }
    return heads.map { (placement($0), 1 / Double(heads.count)) }
  }

  /// A shorthand option shaped like the parameter it sets: a one-element list for a scalar
  /// parameter (binary focal's α) becomes the scalar.
  static func coerce(_ value: JSONValue, like model: JSONValue) -> JSONValue {
    if case .number = model, let list = value.arrayValue, list.count == 1 { return list[0] }
    return value
  }

  /// A value written in an expression, typed like the parameter's default.
  static func value(
    _ written: LossExpression.Value, like model: JSONValue, key: String, loss: String
  ) throws -> JSONValue {
    func atom(_ text: String, like model: JSONValue?) throws -> JSONValue {
      switch model {
      case .number?:
        guard let number = Double(text), number.isFinite else {
          throw LossKitError.invalidParameter(
            loss: loss, name: key, reason: "'\(text)' is not a number")
        }
        return .number(number)
      case .bool?:
        guard let flag = Bool(text) else {
          throw LossKitError.invalidParameter(
            loss: loss, name: key, reason: "'\(text)' is not true or false")
        }
        return .bool(flag)
      case .string?: return .string(text)
      default:
        if let number = Double(text), number.isFinite { return .number(number) }
        return .string(text)
      }
    }
    switch written {
    case .list(let items):
      let element = model.arrayValue?.first
      return .array(try items.map { try atom($0, like: element) })
    case .atom(let text):
      if case .array(let elements) = model {
        return .array([try atom(text, like: elements.first)])
      }
      if case .null = model, text == "null" || text == "none" { return .null }
      return try atom(text, like: model)
    }
  }
}
