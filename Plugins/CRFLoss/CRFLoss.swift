import LossKitCore

/// The negative log-likelihood of tag sequences under a linear-chain CRF (Lafferty et al. 2001),
/// with pytorch-crf's semantics.
///
/// ```
/// score(y) = start[y₀] + E[0, y₀] + Σ_{t=1}^{L−1} (A[y_{t−1}, y_t] + E[t, y_t]) + end[y_{L−1}]
/// NLL      = log Σ_y' exp(score(y')) − score(y)        (log Z by the forward algorithm)
/// ```
///
/// The loss reads four model outputs: emissions `E` `[N, T, C]` (``output``, `logits` by
/// default, so `0.5*crf+0.5*focal-f1` shares them), transitions `A` `[C, C]`
/// (``transitions``; `A[i, j]` scores tag `i` followed by tag `j`), and start and end scores
/// `[C]` (``startTransitions``, ``endTransitions``), and writes the gradient of all four.
/// Targets are class indices `[N, T]`. A step is counted unless its mask is 0 or its tag is the
/// ignore index; each sequence's counted steps must come first (ragged sequences are
/// left-aligned, as pytorch-crf's masks are), and a sequence with none contributes nothing.
/// Reductions: ``CRFReduction`` (`token_mean` by default, `mean` over sequences, `sum`).
/// A batch with no counted step gives 0 with zero gradients.
///
/// ```swift
/// let crf = CRFLoss()
/// let result = try crf(
///   ["logits": emissions, "transitions": t, "start_transitions": s, "end_transitions": e],
///   ["labels": try Targets(classIndices: tags, shape: [n, steps])])
/// ```
///
/// Decoding with the trained scores is ``LinearChainCRF/bestPaths(_:lengths:)`` (Viterbi) and
/// ``LinearChainCRF/marginals(_:lengths:)``.
public struct CRFLoss: PerSampleLoss, Equatable {
  /// The registry name, `crf`.
  public static let name = "crf"
  /// The parameter version.
  public static let version = 1
  /// One line for `losskit losses`.
  public static let summary =
    "linear-chain CRF negative log-likelihood of the tag sequences (pytorch-crf)"

  /// How sequences are reduced (default `token_mean`: per counted step).
  public var reduction: CRFReduction = .tokenMean
  /// The emissions output `[N, T, C]` (default `logits`).
  public var output = "logits"
  /// The transitions output `[C, C]` (default `transitions`).
  public var transitions = "transitions"
  /// The start scores output `[C]` (default `start_transitions`).
  public var startTransitions = "start_transitions"
  /// The end scores output `[C]` (default `end_transitions`).
  public var endTransitions = "end_transitions"
  /// The target set read (default `labels`).
  public var target = "labels"

  /// The loss with `token_mean` reduction and the default output names.
  public init() {}

  /// The loss with the given reduction and names.
  ///
  /// - Throws: ``LossKitError/invalidParameter(loss:name:reason:)`` when a name is empty or
  ///   two outputs share a name.
  public init(
    reduction: CRFReduction = .tokenMean, output: String = "logits",
    transitions: String = "transitions", startTransitions: String = "start_transitions",
    endTransitions: String = "end_transitions", target: String = "labels"
  ) throws {
    self.reduction = reduction
    self.output = output
    self.transitions = transitions
    self.startTransitions = startTransitions
    self.endTransitions = endTransitions
    self.target = target
    try validateParameters()
  }

  /// The four outputs this loss reads.
  public var outputNames: Set<String> { [output, transitions, startTransitions, endTransitions] }
  /// The targets this loss reads.
  public var targetNames: Set<String> { [target] }

  func validateParameters() throws {
    let names = [
      ("output", output), ("transitions", transitions), ("startTransitions", startTransitions),
      ("endTransitions", endTransitions), ("target", target),
    ]
    if let empty = names.first(where: { $0.1.isEmpty }) {
      throw LossKitError.invalidParameter(
        loss: Self.name, name: empty.0, reason: "the name is empty; name a model output")
    }
    guard outputNames.count == 4 else {
      throw LossKitError.invalidParameter(
        loss: Self.name, name: "output names",
        reason: "output '\(output)', transitions '\(transitions)', startTransitions "
          + "'\(startTransitions)' and endTransitions '\(endTransitions)' must be four "
          + "different model outputs")
    }
  }

  /// The CRF's scores from the model outputs.
  ///
  /// - Throws: ``LossKitError/conflictingOptions(_:fix:)`` when the model has no such output
  ///   (a model without a CRF output), or the shape errors of ``LinearChainCRF``.
  func scores(in outputs: [String: Tensor]) throws -> LinearChainCRF {
    var found: [Tensor] = []
    for (parameter, name) in [
      ("transitions", transitions), ("startTransitions", startTransitions),
      ("endTransitions", endTransitions),
    ] {
      guard let tensor = outputs[name] else {
        throw LossKitError.conflictingOptions(
          "\(Self.name) reads CRF scores from the model output '\(name)', but the model "
            + "produced [\(outputs.keys.sorted().joined(separator: ", "))]",
          fix: "train a sequence model with a CRF output (`--crf`), or set the loss's "
            + "`\(parameter)` to the name of the model's output")
      }
      found.append(tensor)
    }
    return try LinearChainCRF(
      transitions: found[0], start: found[1], end: found[2], context: Self.name,
      names: (transitions, startTransitions, endTransitions))
  }

  /// Computes the NLL and writes its gradient for the emissions and the three score outputs.
  public func evaluate(
    _ outputs: [String: Tensor], _ targets: [String: Targets], scale: Float,
    gradients: inout GradientBuffers
  ) throws -> LossValue {
    let batch = try prepare(outputs, targets)
    let weight = reduction.weight(
      sequences: batch.lengths.count { $0 > 0 }, steps: batch.lengths.reduce(0, +))
    let sums = gradients.write(output, shape: batch.emissions.shape) { gradient, accumulate in
      batch.run { pass in
        let target = NegativeLogLikelihood.EmissionGradient(
          pointer: gradient.baseAddress!, accumulate: accumulate,
          factor: Double(scale) * weight)
        return pass.run(weight: weight, gradient: target, perSequence: nil)
      }
    }
    for (name, values) in [
      (transitions, sums.transitions), (startTransitions, sums.start), (endTransitions, sums.end),
    ] {
      let shape =
        name == transitions ? [batch.crf.classes, batch.crf.classes] : [batch.crf.classes]
      gradients.write(name, shape: shape) { gradient, accumulate in
        for k in values.indices {
          let step = Float(Double(scale) * values[k])
          gradient[k] = accumulate ? gradient[k] + step : step
        }
      }
    }
    return LossValue(sums.value)
  }

  /// Each sequence's NLL, shaped `[N]` (a CRF's sample is a whole sequence; 0 for a sequence
  /// with no counted step).
  public func perSampleLosses(
    _ outputs: [String: Tensor], _ targets: [String: Targets]
  ) throws -> Tensor {
    let batch = try prepare(outputs, targets)
    var values = [Double](repeating: 0, count: batch.lengths.count)
    values.withUnsafeMutableBufferPointer { values in
      _ = batch.run { pass in
        pass.run(weight: 1, gradient: nil, perSequence: values.baseAddress)
      }
    }
    return try Tensor(shape: [values.count], scalars: values.map { Float($0) })
  }
}
