/// A pass over class-index targets that validates them and sums what reductions divide by.
///
/// It runs before a fused kernel so the kernel can scale its gradient by the reduction's
/// divisor while writing it, instead of making a second pass over the gradient.
package struct ClassIndexScan: Sendable {
  /// Samples that are neither ignored nor masked out.
  package var keptCount = 0
  /// `Σ w_i` over kept samples (`w_i` = sample weight × mask, 1 when unset).
  package var keptWeight = 0.0
  /// `Σ w_i · α_{y_i}` over kept samples (PyTorch's weighted-mean divisor).
  package var keptClassWeight = 0.0
  /// How many kept samples each class has.
  package var classCounts: [Int]
  /// The first label that is neither the ignore index nor a class, as `(sample, label)`;
  /// the sums are not meaningful when it is set.
  package var firstInvalid: (sample: Int, label: Int32)?

  /// Scans `labels`.
  ///
  /// - Parameters:
  ///   - labels: One class index per sample.
  ///   - classes: The number of classes.
  ///   - ignoreIndex: The index that marks an ignored sample.
  ///   - rowWeights: Optional multiplier per sample; with them, a sample counts toward
  ///     ``keptCount`` only when its weight is non-zero.
  ///   - classWeights: Optional weight per class.
  package init(
    labels: UnsafeBufferPointer<Int32>, classes: Int, ignoreIndex: Int32,
    rowWeights: UnsafeBufferPointer<Float>?, classWeights: [Float]?
  ) {
    classCounts = Array(repeating: 0, count: classes)
    if rowWeights == nil {
      // Without sample weights every sum follows from the class counts, which chunks of
      // labels count on every core.
      let counts = Self.count(labels, classes: classes, ignoreIndex: ignoreIndex)
      if counts.invalid {
        firstInvalid = Self.firstInvalid(labels, classes: classes, ignoreIndex: ignoreIndex)
        return
      }
      classCounts = counts.perClass
      keptCount = classCounts.reduce(0, +)
      keptWeight = Double(keptCount)
      for (label, count) in classCounts.enumerated() {
        keptClassWeight += Double(count) * Double(classWeights?[label] ?? 1)
      }
      return
    }
    for (sample, label) in labels.enumerated() where label != ignoreIndex {
      guard label >= 0, Int(label) < classes else {
        firstInvalid = (sample, label)
        return
      }
      let weight = Double(rowWeights?[sample] ?? 1)
      guard weight != 0 else { continue }
      keptCount += 1
      keptWeight += weight
      keptClassWeight += weight * Double(classWeights?[Int(label)] ?? 1)
      classCounts[Int(label)] += 1
    }
  }

  /// Kept labels per class, and whether a label was out of range.
  struct Counts: KernelPartial {
    var perClass: [Int] = []
    var invalid = false

    init() {}

    init(perClass: [Int], invalid: Bool) {
      self.perClass = perClass
      self.invalid = invalid
    }

    mutating func combine(with other: Counts) {
      if perClass.isEmpty {
        perClass = other.perClass
      } else {
        for index in other.perClass.indices { perClass[index] += other.perClass[index] }
      }
      invalid = invalid || other.invalid
    }
  }

  private static func count(
    _ labels: UnsafeBufferPointer<Int32>, classes: Int, ignoreIndex: Int32
  ) -> Counts {
    guard let first = labels.baseAddress else {
      return Counts(perClass: Array(repeating: 0, count: classes), invalid: false)
    }
    let base = SendablePointer(first)
    var total = Parallel.sum(count: labels.count, grain: 1 << 16) { range in
      var perClass = [Int](repeating: 0, count: classes)
      var invalid = false
      perClass.withUnsafeMutableBufferPointer { counts in
        for index in range {
          let label = base.base[index]
          if label == ignoreIndex { continue }
          // One unsigned comparison covers both label < 0 and label ≥ classes.
          if UInt32(bitPattern: label) >= UInt32(classes) {
            invalid = true
            break
          }
          counts[Int(label)] += 1
        }
      }
      return Counts(perClass: perClass, invalid: invalid)
    }
    if total.perClass.isEmpty { total.perClass = Array(repeating: 0, count: classes) }
    return total
  }

  private static func firstInvalid(
    _ labels: UnsafeBufferPointer<Int32>, classes: Int, ignoreIndex: Int32
  ) -> (sample: Int, label: Int32)? {
    for (sample, label) in labels.enumerated() where label != ignoreIndex {
      if label < 0 || Int(label) >= classes { return (sample, label) }
    }
    return nil
  }
}
