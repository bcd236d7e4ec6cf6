/// What a loss compares a model output with: class indices or dense target values, plus
/// optional per-sample weights and a mask for padded sequence steps.
///
/// A *sample* is one row of the model output once every dimension but the last is flattened:
/// for logits `[N, C]` there are `N` samples, for sequence logits `[N, T, C]` there are `N·T`.
/// ``sampleWeights`` and ``mask`` have one entry per sample.
///
/// ```swift
/// let targets = Targets(classIndices: [2, 0, -100, 1])        // -100 is ignored
/// let multiLabel = Targets(dense: try Tensor(shape: [2, 3], scalars: [1, 0, 1, 0, 0, 1]))
/// ```
public struct Targets: Sendable, Equatable {
  /// The target values.
  public enum Values: Sendable, Equatable {
    /// One class index per sample; `shape` is the sample shape (`[N]` or `[N, T]`).
    case classIndices(shape: [Int], [Int32])
    /// Dense targets with the same shape as the model output: one-hot, soft (rows summing to
    /// one) or multi-label (each value in `0...1`).
    case dense(Tensor)
  }

  /// The index that marks a sample to ignore, as in PyTorch.
  public static let defaultIgnoreIndex: Int32 = -100

  /// The target values.
  public var values: Values
  /// Samples whose class index equals this value contribute nothing (default -100).
  public var ignoreIndex: Int32
  /// Optional weight per sample; a weighted mean divides by the sum of the kept weights.
  public var sampleWeights: [Float]?
  /// Optional mask per sample; a sample with mask 0 is excluded as if ignored.
  public var mask: [Float]?

  /// Creates class-index targets for `[N]` samples.
  public init(
    classIndices: [Int32], ignoreIndex: Int32 = Targets.defaultIgnoreIndex,
    sampleWeights: [Float]? = nil, mask: [Float]? = nil
  ) {
    self.values = .classIndices(shape: [classIndices.count], classIndices)
    self.ignoreIndex = ignoreIndex
    self.sampleWeights = sampleWeights
    self.mask = mask
  }

  /// Creates class-index targets with a sample shape such as `[N, T]` for sequences.
  ///
  /// - Throws: ``LossKitError/shapeMismatch(_:expected:actual:)`` when the count differs from
  ///   the product of `shape`.
  public init(
    classIndices: [Int32], shape: [Int], ignoreIndex: Int32 = Targets.defaultIgnoreIndex,
    sampleWeights: [Float]? = nil, mask: [Float]? = nil
  ) throws {
    guard Tensor.elementCount(of: shape) == classIndices.count else {
      throw LossKitError.shapeMismatch(
        "class-index targets", expected: shape, actual: [classIndices.count])
    }
    self.values = .classIndices(shape: shape, classIndices)
    self.ignoreIndex = ignoreIndex
    self.sampleWeights = sampleWeights
    self.mask = mask
  }

  /// Creates class-index targets whose sample shape is known to match their count (as a
  /// batching rule builds them).
  package init(classIndices: [Int32], sampleShape shape: [Int]) {
    precondition(shape.reduce(1, *) == classIndices.count, "sample shape does not match")
    self.values = .classIndices(shape: shape, classIndices)
    self.ignoreIndex = Targets.defaultIgnoreIndex
    self.sampleWeights = nil
    self.mask = nil
  }

  /// Creates dense targets (one-hot, soft or multi-label) shaped like the model output.
  public init(dense: Tensor, sampleWeights: [Float]? = nil, mask: [Float]? = nil) {
    self.values = .dense(dense)
    self.ignoreIndex = Targets.defaultIgnoreIndex
    self.sampleWeights = sampleWeights
    self.mask = mask
  }

  /// The class indices, or `nil` for dense targets.
  public var classIndices: [Int32]? {
    if case .classIndices(_, let indices) = values { return indices }
    return nil
  }

  /// The dense target tensor, or `nil` for class-index targets.
  public var denseValues: Tensor? {
    if case .dense(let tensor) = values { return tensor }
    return nil
  }

  /// The number of samples the targets describe.
  public var sampleCount: Int {
    switch values {
    case .classIndices(_, let indices): return indices.count
    case .dense(let tensor): return tensor.flatRowCount
    }
  }

  /// The per-sample multiplier a loss applies: the mask times the sample weights, or `nil`
  /// when neither is set.
  public var rowWeights: [Float]? {
    switch (sampleWeights, mask) {
    case (nil, nil): return nil
    case (let weights?, nil): return weights
    case (nil, let mask?): return mask
    case (let weights?, let mask?): return zip(weights, mask).map { $0 * $1 }
    }
  }

  /// Checks that per-sample weights and mask have one finite, non-negative entry per sample.
  ///
  /// - Throws: ``LossKitError`` naming the offending array and what to pass instead.
  public func validatePerSampleArrays(loss: String) throws {
    for (name, array) in [("sampleWeights", sampleWeights), ("mask", mask)] {
      guard let array else { continue }
      guard array.count == sampleCount else {
        throw LossKitError.shapeMismatch(
          "\(loss): targets.\(name) needs one entry per sample", expected: [sampleCount],
          actual: [array.count])
      }
      if let bad = array.firstIndex(where: { !$0.isFinite || $0 < 0 }) {
        throw LossKitError.invalidParameter(
          loss: loss, name: name,
          reason: "entry \(bad) is \(array[bad]); weights and mask must be finite and ≥ 0")
      }
    }
  }
}
