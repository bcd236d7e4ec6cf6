/// A pass over class-index targets that validates them and sums what reductions divide by.
///
/// It runs before a fused kernel so the kernel can scale its gradient by the reduction's
/// divisor while writing it, instead of making a second pass over the gradient.
public struct ClassIndexScan: Sendable, Equatable {
  /// Samples that are neither ignored nor masked out.
  public var keptCount = 0
  /// `Σ w_i` over kept samples (`w_i` = sample weight × mask, 1 when unset).
  public var keptWeight = 0.0
  /// `Σ w_i · α_{y_i}` over kept samples (PyTorch's weighted-mean divisor).
  public var keptClassWeight = 0.0
  /// How many kept samples each class has.
  public var classCounts: [Int]

  /// Scans `labels`.
  ///
  /// - Parameters:
  ///   - labels: One class index per sample.
  ///   - classes: The number of classes.
  ///   - ignoreIndex: The index that marks an ignored sample.
  ///   - rowWeights: Optional multiplier per sample; a sample with weight 0 and a mask still
  ///     counts toward ``keptCount`` only when its weight is non-zero.
  ///   - classWeights: Optional weight per class.
  ///   - loss: The loss name, for error messages.
  /// - Throws: ``LossKitError/labelOutOfRange(loss:label:sample:classCount:ignoreIndex:)``.
  public init(
    labels: UnsafeBufferPointer<Int32>, classes: Int, ignoreIndex: Int32,
    rowWeights: UnsafeBufferPointer<Float>?, classWeights: [Float]?, loss: String
  ) throws {
    classCounts = Array(repeating: 0, count: classes)
    for (sample, label) in labels.enumerated() where label != ignoreIndex {
      guard label >= 0, Int(label) < classes else {
        throw LossKitError.labelOutOfRange(
          loss: loss, label: Int(label), sample: sample, classCount: classes,
          ignoreIndex: Int(ignoreIndex))
      }
      let weight = Double(rowWeights?[sample] ?? 1)
      guard weight != 0 || rowWeights == nil else { continue }
      keptCount += 1
      keptWeight += weight
      keptClassWeight += weight * Double(classWeights?[Int(label)] ?? 1)
      classCounts[Int(label)] += 1
    }
  }
}
