import LossKitCore

/// Turns a corpus into model batches: single rows for flat models, windows of consecutive
/// rows of one document for sequence models.
public struct Batching: Sendable {
  /// The windows for sequence models, `nil` for flat models.
  public var windows: InputPipeline.Windowing?

  /// Creates a batching rule.
  public init(windows: InputPipeline.Windowing?) { self.windows = windows }

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
    if let size = windows?.size {
      for document in corpus.documents where document.count > 0 {
        let shift = Int(random.next() % UInt64(size))
        var start = -shift
        while start < document.count {
          if start + size > 0 {
            units.append(
              Window(documentStart: document.start, documentCount: document.count, start: start))
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

  /// Prediction windows: every document tiled from 0 with the prediction stride (the last
  /// window reaching the document's end), or single rows.
  public func predictionUnits(_ corpus: LabeledCorpus) -> [Window] {
    guard let windows else {
      return (0..<corpus.rowCount).map { Window(documentStart: $0, documentCount: 1, start: 0) }
    }
    var units: [Window] = []
    for document in corpus.documents where document.count > 0 {
      var start = 0
      while true {
        units.append(
          Window(documentStart: document.start, documentCount: document.count, start: start))
        if start + windows.size >= document.count { break }
        start += windows.predictionStride
      }
    }
    return units
  }

  /// The rows a unit covers, left-aligned: the document's rows in the window first, then −1
  /// for each padding slot (a window reaching before the document's start or past its end).
  /// Sequence models see the same rows either way; a CRF needs each sequence's steps first.
  public func rows(of unit: Window) -> [Int] {
    guard let size = windows?.size else { return [unit.documentStart] }
    let first = max(unit.start, 0)
    let last = min(unit.start + size, unit.documentCount)
    let real = first < last ? Array((unit.documentStart + first)..<(unit.documentStart + last)) : []
    return real + Array(repeating: -1, count: size - real.count)
  }

  /// The model batch and the targets of every target set for some units.
  public func batch(
    _ units: ArraySlice<Window>, corpus: LabeledCorpus
  ) -> (batch: FeatureBatch, targets: [String: Targets], rows: [Int]) {
    let rows = units.flatMap { self.rows(of: $0) }
    let features = corpus.features
    let sparse = features.sparse.width > 0 ? features.sparse.selecting(rows: rows) : nil
    let dense = features.dense.lastDimension > 0 ? features.dense.selecting(rows: rows) : nil
    let sequence = windows.map { SequenceShape(count: units.count, steps: $0.size) }
    let batch = FeatureBatch(
      rowCount: rows.count, dense: dense, sparse: sparse, sequence: sequence,
      mask: windows == nil ? nil : rows.map { $0 >= 0 ? 1 : 0 })
    let shape = windows.map { [units.count, $0.size] } ?? [rows.count]
    var targets: [String: Targets] = [:]
    for target in corpus.targets {
      let labels = rows.map { $0 >= 0 ? target.labels[$0] : Targets.defaultIgnoreIndex }
      targets[target.name] = Targets(classIndices: labels, sampleShape: shape)
    }
    return (batch, targets, rows)
  }
}
