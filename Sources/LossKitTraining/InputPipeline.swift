import LossKitCore
import LossKitData
import LossKitNN

/// How raw data becomes model input: text lines through a featurizer, CSV columns as
/// numbers, and for sequence models the windows of consecutive rows.
///
/// A saved model keeps its pipeline, so prediction featurizes new data exactly as training
/// did.
public struct InputPipeline: Codable, Sendable, Equatable {
  /// Windows of consecutive rows of one document, for sequence models.
  public struct Windowing: Codable, Sendable, Equatable {
    /// Rows per window.
    public var size: Int
    /// Rows between the starts of consecutive prediction windows.
    public var predictionStride: Int

    /// Creates a windowing rule (stride default: half a window).
    public init(size: Int, predictionStride: Int? = nil) {
      self.size = size
      self.predictionStride = predictionStride ?? max(1, size / 2)
    }
  }

  /// How text becomes features (`nil` for numeric CSV columns only).
  public var featurizer: LineFeaturizer?
  /// The CSV column featurized as text, or `nil`.
  public var textColumn: String?
  /// The CSV columns read as numbers, in order.
  public var numericColumns: [String]
  /// Windows for sequence models, or `nil` for models that see one row at a time.
  public var windows: Windowing?

  /// Creates a pipeline.
  public init(
    featurizer: LineFeaturizer?, textColumn: String? = nil, numericColumns: [String] = [],
    windows: Windowing? = nil
  ) {
    self.featurizer = featurizer
    self.textColumn = textColumn
    self.numericColumns = numericColumns
    self.windows = windows
  }

  /// What the model's encoder reads.
  public var inputShape: InputShape {
    InputShape(
      buckets: featurizer?.buckets ?? 0,
      denseWidth: (featurizer?.denseWidth ?? 0) + numericColumns.count)
  }

  /// Checks every size before it is used to allocate anything.
  ///
  /// - Throws: ``LossKitError/invalidParameter(loss:name:reason:)`` naming the field.
  public func validate() throws {
    if let featurizer { try featurizer.validate() }
    if let windows {
      guard (1...4096).contains(windows.size) else {
        throw LossKitError.invalidParameter(
          loss: "input pipeline", name: "windows.size", reason: "\(windows.size) is not in 1…4096")
      }
      guard (1...windows.size).contains(windows.predictionStride) else {
        throw LossKitError.invalidParameter(
          loss: "input pipeline", name: "windows.predictionStride",
          reason: "\(windows.predictionStride) is not in 1…\(windows.size) (the window size)")
      }
    }
    guard featurizer != nil || textColumn == nil else {
      throw LossKitError.invalidParameter(
        loss: "input pipeline", name: "textColumn", reason: "a text column needs a featurizer")
    }
    guard Set(numericColumns).count == numericColumns.count else {
      throw LossKitError.invalidParameter(
        loss: "input pipeline", name: "numericColumns", reason: "a column is listed twice")
    }
  }

  /// The features of every row and the documents they form, in reading order.
  ///
  /// - Throws: ``DataError`` for a missing or non-numeric column, or annotated data given
  ///   to a pipeline without a featurizer.
  public func features(_ data: LoadedData) throws -> (FeaturizedLines, [LabeledCorpus.Document])
  {
    var documents: [LabeledCorpus.Document] = []
    var texts: [String] = []
    var numbers: [Float] = []
    switch data {
    case .annotated(let pages):
      guard featurizer != nil else {
        throw DataError.unreadable(
          path: pages.first?.path ?? "", reason: "this model reads CSV columns, not text pages")
      }
      for page in pages {
        documents.append(.init(path: page.path, start: texts.count, count: page.lines.count))
        texts += page.lines.map(\.text)
      }
    case .tables(let tables):
      for table in tables {
        let columns = try numericColumns.map { try table.column($0) }
        let text = try textColumn.map { try table.column($0) }
        documents.append(
          .init(path: table.path, start: documents.last.map { $0.start + $0.count } ?? 0,
                count: table.records.count))
        for record in table.records.indices {
          numbers += try table.numbers(record: record, columns: columns)
          if let text { texts.append(table.records[record][text]) }
        }
      }
      if featurizer != nil, textColumn == nil {
        throw DataError.missingColumn(
          path: tables.first?.path ?? "", column: "(text)",
          available: tables.first?.header ?? [])
      }
    }
    let rows = documents.last.map { $0.start + $0.count } ?? 0
    let textFeatures = featurizer?.featurize(texts)
    let numeric = try Tensor(shape: [rows, numericColumns.count], scalars: numbers)
    let dense = textFeatures.map { Self.joinColumns($0.dense, numeric) } ?? numeric
    let sparse =
      textFeatures?.sparse
      ?? SparseRows(width: 0, offsets: Array(repeating: 0, count: rows + 1), indices: [], values: [])
    return (FeaturizedLines(sparse: sparse, dense: dense), documents)
  }

  /// `[rows, a]` and `[rows, b]` side by side as `[rows, a + b]`.
  static func joinColumns(_ left: Tensor, _ right: Tensor) -> Tensor {
    let rows = left.flatRowCount
    let a = left.lastDimension
    let b = right.lastDimension
    guard b > 0 else { return left }
    var joined = Tensor(shape: [rows, a + b])
    joined.withUnsafeMutableBufferPointer { out in
      left.withUnsafeBufferPointer { l in
        right.withUnsafeBufferPointer { r in
          for row in 0..<rows {
            (out.baseAddress! + row * (a + b)).update(from: l.baseAddress! + row * a, count: a)
            (out.baseAddress! + row * (a + b) + a).update(from: r.baseAddress! + row * b, count: b)
          }
        }
      }
    }
    return joined
  }
}
