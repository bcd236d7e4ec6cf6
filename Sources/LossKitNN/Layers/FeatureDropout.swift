import LossKitCore

extension SparseRows {
  /// Inverted dropout on individual sparse features: each entry is dropped with probability
  /// `rate` and the rest are scaled by `1/(1 − rate)`, so no single n-gram can carry a
  /// prediction alone and the model learns to use all of a line's evidence (including the
  /// features that transfer across journals, such as word shapes).
  ///
  /// - Parameters:
  ///   - rate: The drop probability in `[0, 1)`.
  ///   - random: The model's dropout stream.
  /// - Returns: The rows without the dropped entries.
  func dropping(rate: Float, random: inout SeededGenerator) -> SparseRows {
    let scale = 1 / (1 - rate)
    var offsets = [0]
    offsets.reserveCapacity(rowCount + 1)
    var kept: [Int32] = []
    var values: [Float] = []
    kept.reserveCapacity(indices.count)
    values.reserveCapacity(indices.count)
    for row in 0..<rowCount {
      for entry in self.offsets[row]..<self.offsets[row + 1] where random.nextUnitFloat() >= rate {
        kept.append(indices[entry])
        values.append(self.values[entry] * scale)
      }
      offsets.append(kept.count)
    }
    return SparseRows(width: width, offsets: offsets, indices: kept, values: values)
  }
}
