import LossKitCore

/// Sequence lengths from per-step "counted" flags, for chains that must be left-aligned.
enum ChainLengths {
  /// The number of leading counted steps of each of `sequences` rows of `steps`.
  ///
  /// A CRF scores a sequence as one chain, so a counted step after an uncounted one has no
  /// meaning (pytorch-crf rejects such masks too).
  ///
  /// - Parameters:
  ///   - padding: How the caller marks an uncounted step, for the error message.
  ///   - isCounted: Whether the step at a flat index `n·T + t` is counted.
  /// - Throws: ``LossKitError/invalidParameter(loss:name:reason:)`` naming the sequence and
  ///   the steps when a row is not a prefix.
  static func prefixLengths(
    sequences: Int, steps: Int, loss: String, name: String, padding: String,
    isCounted: (Int) -> Bool
  ) throws -> [Int] {
    var lengths = [Int](repeating: 0, count: sequences)
    for sequence in 0..<sequences {
      let first = sequence * steps
      var length = 0
      while length < steps, isCounted(first + length) { length += 1 }
      if let late = (length..<steps).first(where: { isCounted(first + $0) }) {
        throw LossKitError.invalidParameter(
          loss: loss, name: name,
          reason: "sequence \(sequence) counts step \(late) after the uncounted step \(length); "
            + "a CRF scores each sequence as one chain, so its counted steps must come first: "
            + "left-align every sequence and put its padding (\(padding)) after its last step")
      }
      lengths[sequence] = length
    }
    return lengths
  }
}
