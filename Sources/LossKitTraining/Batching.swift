import LossKitCore

/// Turns a corpus into model batches: single rows for flat models, windows of consecutive
/// rows of one document for sequence models.
public struct Batching: Sendable {
  /// Rows per window for sequence models, `nil` for flat models.
  public var windowSize: Int?

  /// Creates a batching rule.
  public init(windowSize: Int?) { self.windowSize = windowSize }

  /// A window: `size` consecutive row slots of a document, starting at `start` (which may be
  /// negative: slots outside the document are padding).
  public struct Window: Sendable, Equatable {
    /// The document's first row.
    public var documentStart: Int
    /// The document's row count.
    public var documentCount: Int
    /// The window's first slot relative to the document.
    public var start: Int
  }

  /// Training units for one epoch: windows tiling every document from a random offset (so
  /// each row appears exactly once), or single rows; shuffled with `random`.
  public func trainingUnits(
    _ corpus: LabeledCorpus, random: inout SeededGenerator
  ) -> [Window] {
    var units: [Window] = []
    if let size = windowSize {
      for document in corpus.documents where document.count > 0 {
        let shift = Int(random.next() % UInt64(size))
        var start = -shift
        while start < document.count {
          if start + size > 0 {
            units.append(Window(documentStart: document.start, documentCount: document.count, start: start))
          }
          start += size
        }
      }
    } else {
      units = (0..<corpus.rowCount).map { Window(documentStart: $0, documentCount: 1, start: 0) }
    }
    units.shuffle(using: &random)
    return units
  }

  /// Prediction windows: every document tiled from 0 with `stride` (the last window
  /// reaching the document's end), or single rows.
  public func predictionUnits(_ corpus: LabeledCorpus, stride: Int) -> [Window] {
    guard let size = windowSize else {
      return (0..<corpus.rowCount).map { Window(documentStart: $0, documentCount: 1, start: 0) }
    }
    var units: [Window] = []
    for document in corpus.documents where document.count > 0 {
      var start = 0
      while true {
        units.append(Window(documentStart: document.start, documentCount: document.count, start: start))
        if start + size >= document.count { break }
        start += stride
      }
    }
    return units
  }

  /// The rows a unit covers (−1 for padding slots).
  public func rows(of unit: Window) -> [Int] {
    guard let size = windowSize else { return [unit.documentStart] }
    return (unit.start..<(unit.start + size)).map {
      $0 >= 0 && $0 < unit.documentCount ? unit.documentStart + $0 : -1
    }
  }

  /// The model batch and targets for some units.
  public func batch(
    _ units: ArraySlice<Window>, corpus: LabeledCorpus
  ) -> (batch: FeatureBatch, targets: Targets, rows: [Int]) {
    let rows = units.flatMap { self.rows(of: $0) }
    let sparse = corpus.features.sparse.width > 0 ? corpus.features.sparse.selecting(rows: rows) : nil
    let dense = corpus.features.dense.lastDimension > 0 ? corpus.features.dense.selecting(rows: rows) : nil
    let mask: [Float] = rows.map { $0 >= 0 ? 1 : 0 }
    let labels = rows.map { $0 >= 0 ? corpus.labels[$0] : Targets.defaultIgnoreIndex }
    let sequence = windowSize.map { SequenceShape(count: units.count, steps: $0) }
    let batch = FeatureBatch(
      rowCount: rows.count, dense: dense, sparse: sparse, sequence: sequence,
      mask: windowSize == nil ? nil : mask)
    let shape = windowSize.map { [units.count, $0] } ?? [rows.count]
    let targets = try! Targets(classIndices: labels, shape: shape)
    return (batch, targets, rows)
  }
}
