import LossKitCore

extension CRFLoss {
  /// A validated batch: the emissions, the tags, each sequence's counted length and the CRF's
  /// scores.
  struct Batch {
    var emissions: Tensor
    var labels: [Int32]
    var lengths: [Int]
    var crf: LinearChainCRF

    /// Runs `body` with the batch's pass; an empty batch gives zero sums without calling it.
    func run(
      _ body: (NegativeLogLikelihood) -> NegativeLogLikelihood.Sums
    ) -> NegativeLogLikelihood.Sums {
      let c = crf.classes
      guard emissions.count > 0 else {
        return NegativeLogLikelihood.Sums(
          value: 0, transitions: Array(repeating: 0, count: c * c),
          start: Array(repeating: 0, count: c), end: Array(repeating: 0, count: c))
      }
      return emissions.withUnsafeBufferPointer { emissionBuffer in
        labels.withUnsafeBufferPointer { labelBuffer in
          ForwardBackward.withKernel(
            crf, emissions: emissionBuffer.baseAddress!, steps: emissions.shape[1]
          ) { kernel in
            body(
              NegativeLogLikelihood(
                kernel: kernel, labels: labelBuffer.baseAddress!, lengths: lengths))
          }
        }
      }
    }
  }

  /// Reads and checks the outputs and targets.
  ///
  /// - Throws: ``LossKitError`` for a missing output or targets, shapes that do not describe
  ///   one tag set, non-finite scores, dense targets or per-step sample weights, a mask that is
  ///   not 0/1 or not a prefix of each sequence, and tags outside the tag set.
  func prepare(_ outputs: [String: Tensor], _ targets: [String: Targets]) throws -> Batch {
    try validateParameters()
    let emissions = try output(output, in: outputs)
    let crf = try scores(in: outputs)
    let (sequences, steps, _) = try crf.validate(
      emissions, lengths: nil, context: Self.name, name: output)
    let given = try self.targets(target, in: targets)
    guard case .classIndices(let shape, let labels) = given.values else {
      throw LossKitError.shapeMismatch(
        "\(Self.name): needs one class-index tag per step; dense targets have no tag path",
        expected: [sequences, steps], actual: given.denseValues?.shape ?? [])
    }
    guard shape == [sequences, steps] else {
      throw LossKitError.shapeMismatch(
        "\(Self.name): tags must have the emissions' shape without the tag dimension",
        expected: [sequences, steps], actual: shape)
    }
    guard given.sampleWeights == nil else {
      throw LossKitError.invalidParameter(
        loss: Self.name, name: "sampleWeights",
        reason: "a CRF scores whole tag sequences, so per-step weights have no meaning; drop "
          + "them and mark padding with the mask or the ignore index")
    }
    try given.validatePerSampleArrays(loss: Self.name)
    let mask = given.mask
    if let mask, let bad = mask.firstIndex(where: { $0 != 0 && $0 != 1 }) {
      throw LossKitError.invalidParameter(
        loss: Self.name, name: "mask",
        reason: "entry \(bad) is \(mask[bad]); a step is counted (1) or not (0)")
    }
    let ignore = given.ignoreIndex
    let lengths = try ChainLengths.prefixLengths(
      sequences: sequences, steps: steps, loss: Self.name, name: "mask",
      padding: "mask 0 or tag \(ignore)"
    ) { labels[$0] != ignore && (mask?[$0] ?? 1) != 0 }
    for sequence in 0..<sequences {
      for step in 0..<lengths[sequence] {
        let sample = sequence * steps + step
        guard (0..<Int32(crf.classes)).contains(labels[sample]) else {
          throw LossKitError.labelOutOfRange(
            loss: Self.name, label: Int(labels[sample]), sample: sample, classCount: crf.classes,
            ignoreIndex: Int(ignore))
        }
      }
    }
    return Batch(emissions: emissions, labels: labels, lengths: lengths, crf: crf)
  }
}
