/// The input of a ``Model``: one feature row per sample (a line of text, a record), as dense
/// values, sparse hashed features, or both; for sequence models, rows grouped into sequences.
public struct FeatureBatch: Sendable {
  /// The number of feature rows.
  public var rowCount: Int
  /// Dense features `[rowCount, denseWidth]`, or `nil`.
  public var dense: Tensor?
  /// Sparse features (for example hashed n-grams), or `nil`.
  public var sparse: SparseRows?
  /// For sequence models: rows are `sequences × steps`, sequence-major. `nil` otherwise.
  public var sequence: SequenceShape?
  /// One value per row, 0 for padding rows that only fill a sequence.
  public var mask: [Float]?

  /// Creates a batch.
  public init(
    rowCount: Int, dense: Tensor? = nil, sparse: SparseRows? = nil,
    sequence: SequenceShape? = nil, mask: [Float]? = nil
  ) {
    self.rowCount = rowCount
    self.dense = dense
    self.sparse = sparse
    self.sequence = sequence
    self.mask = mask
  }

  /// The width of the dense features (0 when there are none).
  public var denseWidth: Int { dense?.lastDimension ?? 0 }
}

/// How a batch's rows form sequences.
public struct SequenceShape: Sendable, Equatable, Codable {
  /// The number of sequences.
  public var count: Int
  /// Steps per sequence (rows `s·steps ..< (s+1)·steps` are sequence `s`).
  public var steps: Int

  /// Creates a shape.
  public init(count: Int, steps: Int) {
    self.count = count
    self.steps = steps
  }
}

/// Sparse rows in compressed-row form: row `r` has entries `offsets[r] ..< offsets[r+1]` of
/// ``indices`` and ``values``.
public struct SparseRows: Sendable, Equatable {
  /// The number of columns (for hashed features, the hash size).
  public var width: Int
  /// `rowCount + 1` offsets into ``indices``.
  public var offsets: [Int]
  /// Column indices.
  public var indices: [Int32]
  /// Values, one per index.
  public var values: [Float]

  /// Creates sparse rows.
  public init(width: Int, offsets: [Int], indices: [Int32], values: [Float]) {
    self.width = width
    self.offsets = offsets
    self.indices = indices
    self.values = values
  }

  /// The number of rows.
  public var rowCount: Int { offsets.count - 1 }
}
