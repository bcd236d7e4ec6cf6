import LossKitCore

/// The scores of a linear-chain CRF over `C` tags: transitions between consecutive tags and the
/// scores of starting and ending a sequence on each tag.
///
/// With emissions `E` (`[T, C]` for one sequence of length `T`), a tag path `y` scores
///
/// ```
/// score(y) = start[y₀] + E[0, y₀] + Σ_{t=1}^{T−1} (transitions[y_{t−1}, y_t] + E[t, y_t])
///            + end[y_{T−1}]
/// p(y | E) = exp(score(y)) / Z,   log Z = log Σ_y' exp(score(y'))
/// ```
///
/// as pytorch-crf's `CRF` (`transitions[i, j]` scores tag `i` followed by tag `j`). The type
/// decodes: ``bestPaths(_:lengths:)`` (Viterbi) and ``marginals(_:lengths:)``
/// (forward-backward); ``CRFLoss`` trains the scores. Scores are kept in `Double`.
///
/// ```swift
/// let crf = try LinearChainCRF(transitions: t, start: s, end: e)
/// let paths = try crf.bestPaths(emissions, lengths: [15, 9])
/// let probabilities = try crf.marginals(emissions, lengths: [15, 9])   // [N, T, C]
/// ```
public struct LinearChainCRF: Sendable, Equatable {
  /// The number of tags `C`.
  public let classes: Int
  /// `transitions[i·C + j]` scores tag `i` followed by tag `j`.
  public let transitions: [Double]
  /// The score of starting a sequence on each tag.
  public let start: [Double]
  /// The score of ending a sequence on each tag.
  public let end: [Double]

  /// A CRF from its transition matrix `[C, C]` and start and end scores `[C]`.
  ///
  /// - Throws: ``LossKitError/shapeMismatch(_:expected:actual:)`` when the shapes do not
  ///   describe one tag set, or ``LossKitError/nonFiniteInput(loss:input:index:)``.
  public init(transitions: Tensor, start: Tensor, end: Tensor) throws {
    try self.init(
      transitions: transitions, start: start, end: end, context: "LinearChainCRF",
      names: ("transitions", "start", "end"))
  }

  /// A CRF whose error messages name the model outputs the scores came from.
  init(
    transitions: Tensor, start: Tensor, end: Tensor, context: String,
    names: (transitions: String, start: String, end: String)
  ) throws {
    let classes = transitions.shape.first ?? 0
    guard transitions.rank == 2, classes >= 1, transitions.shape[1] == classes else {
      throw LossKitError.shapeMismatch(
        "\(context): '\(names.transitions)' must be a square [C, C] matrix over C ≥ 1 tags",
        expected: [max(classes, 1), max(classes, 1)], actual: transitions.shape)
    }
    for (name, scores) in [(names.start, start), (names.end, end)] where scores.shape != [classes] {
      throw LossKitError.shapeMismatch(
        "\(context): '\(name)' needs one score per tag (the transitions are \(classes)×"
          + "\(classes))", expected: [classes], actual: scores.shape)
    }
    for (name, scores) in [
      (names.transitions, transitions), (names.start, start), (names.end, end),
    ] {
      if let bad = scores.scalars.firstIndex(where: { !$0.isFinite }) {
        throw LossKitError.nonFiniteInput(loss: context, input: "'\(name)'", index: bad)
      }
    }
    self.classes = classes
    self.transitions = transitions.scalars.map(Double.init)
    self.start = start.scalars.map(Double.init)
    self.end = end.scalars.map(Double.init)
  }

  /// The lengths of left-aligned sequences from a mask `[N, T]` (1 = step counted, 0 =
  /// padding): each row must be a run of ones followed by zeros, as pytorch-crf requires.
  ///
  /// - Parameters:
  ///   - mask: One 0 or 1 per step, row-major.
  ///   - shape: `[N, T]`.
  /// - Throws: ``LossKitError/shapeMismatch(_:expected:actual:)`` or
  ///   ``LossKitError/invalidParameter(loss:name:reason:)`` for a value other than 0 and 1 or
  ///   a step counted after padding.
  public static func lengths(mask: [Float], shape: [Int]) throws -> [Int] {
    guard shape.count == 2, shape.allSatisfy({ $0 >= 0 }), mask.count == shape[0] * shape[1]
    else {
      throw LossKitError.shapeMismatch(
        "LinearChainCRF.lengths: the mask needs one entry per step of [N, T]",
        expected: shape, actual: [mask.count])
    }
    if let bad = mask.firstIndex(where: { $0 != 0 && $0 != 1 }) {
      throw LossKitError.invalidParameter(
        loss: "LinearChainCRF", name: "mask",
        reason: "entry \(bad) is \(mask[bad]); a step is counted (1) or not (0)")
    }
    return try mask.withUnsafeBufferPointer { mask in
      try ChainLengths.prefixLengths(
        sequences: shape[0], steps: shape[1], loss: "LinearChainCRF", name: "mask",
        padding: "mask 0"
      ) { mask[$0] != 0 }
    }
  }

  /// The emissions' sequence count and steps, checked against the tag set and `lengths`.
  func validate(
    _ emissions: Tensor, lengths: [Int]?, context: String, name: String
  ) throws -> (sequences: Int, steps: Int, lengths: [Int]) {
    guard emissions.rank == 3, emissions.shape[2] == classes else {
      throw LossKitError.shapeMismatch(
        "\(context): '\(name)' must be [N, T, C] with the transitions' C = \(classes) tags",
        expected: [
          emissions.shape.first ?? 1, emissions.rank > 1 ? emissions.shape[1] : 1, classes,
        ],
        actual: emissions.shape)
    }
    let sequences = emissions.shape[0]
    let steps = emissions.shape[1]
    if let bad = emissions.scalars.firstIndex(where: { !$0.isFinite }) {
      throw LossKitError.nonFiniteInput(loss: context, input: "output '\(name)'", index: bad)
    }
    guard let lengths else { return (sequences, steps, Array(repeating: steps, count: sequences)) }
    guard lengths.count == sequences else {
      throw LossKitError.shapeMismatch(
        "\(context): one length per sequence of '\(name)'", expected: [sequences],
        actual: [lengths.count])
    }
    if let bad = lengths.firstIndex(where: { !(0...steps).contains($0) }) {
      throw LossKitError.invalidParameter(
        loss: context, name: "lengths",
        reason: "sequence \(bad) has length \(lengths[bad]); lengths must be in 0...\(steps)")
    }
    return (sequences, steps, lengths)
  }
}
