import LossKitCore
import LossKitData

/// Featurized, labelled rows grouped into documents in reading order: what training and
/// evaluation consume.
public struct LabeledCorpus: Sendable {
  /// A document: a run of consecutive rows.
  public struct Document: Sendable, Equatable {
    /// Where it came from.
    public var path: String
    /// Its first row.
    public var start: Int
    /// Its number of rows.
    public var count: Int
  }

  /// The class names in class-index order.
  public var labelNames: [String]
  /// The documents.
  public var documents: [Document]
  /// Every row's features.
  public var features: FeaturizedLines
  /// Every row's class index (the ignore index for a label outside ``labelNames``).
  public var labels: [Int32]

  /// The number of rows.
  public var rowCount: Int { labels.count }

  /// Rows per class.
  public var classCounts: [Int] {
    var counts = Array(repeating: 0, count: labelNames.count)
    for label in labels where label >= 0 { counts[Int(label)] += 1 }
    return counts
  }

  /// The loss context for this corpus (label names and class counts).
  public var lossContext: LossContext {
    LossContext(labelNames: labelNames, classCounts: classCounts)
  }

  /// A corpus of annotated documents.
  ///
  /// - Parameter labelNames: The classes in order; `nil` takes the sorted labels seen.
  /// - Throws: ``DataError/empty(paths:)`` when there are no labelled lines.
  public init(
    documents annotated: [AnnotatedDocument], featurizer: LineFeaturizer,
    labelNames: [String]? = nil
  ) throws {
    guard annotated.contains(where: { !$0.lines.isEmpty }) else {
      throw DataError.empty(paths: annotated.map(\.path))
    }
    let names = labelNames ?? Array(Set(annotated.flatMap { $0.lines.map(\.label) })).sorted()
    let index = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, Int32($0)) })
    var documents: [Document] = []
    var texts: [String] = []
    var labels: [Int32] = []
    for document in annotated {
      documents.append(Document(path: document.path, start: texts.count, count: document.lines.count))
      texts += document.lines.map(\.text)
      labels += document.lines.map { index[$0.label] ?? Targets.defaultIgnoreIndex }
    }
    self.labelNames = names
    self.documents = documents
    self.features = featurizer.featurize(texts)
    self.labels = labels
  }

  /// A corpus of numeric tables (each file one document, rows in file order).
  ///
  /// - Throws: ``DataError/empty(paths:)`` when there are no rows.
  public init(tables: [(path: String, table: LabeledTable)], labelNames: [String]? = nil) throws {
    guard let first = tables.first?.table, tables.contains(where: { !$0.table.rows.isEmpty }) else {
      throw DataError.empty(paths: tables.map(\.path))
    }
    let names = labelNames ?? Array(Set(tables.flatMap(\.table.labels))).sorted()
    let index = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, Int32($0)) })
    var documents: [Document] = []
    var dense: [Float] = []
    var labels: [Int32] = []
    for (path, table) in tables {
      guard table.featureNames.count == first.featureNames.count else {
        throw DataError.raggedRow(
          path: path, line: 1, expected: first.featureNames.count + 1,
          found: table.featureNames.count + 1)
      }
      documents.append(Document(path: path, start: labels.count, count: table.rows.count))
      dense += table.rows.flatMap { $0 }
      labels += table.labels.map { index[$0] ?? Targets.defaultIgnoreIndex }
    }
    self.labelNames = names
    self.documents = documents
    self.features = FeaturizedLines(
      sparse: SparseRows(width: 0, offsets: Array(repeating: 0, count: labels.count + 1), indices: [], values: []),
      dense: try Tensor(shape: [labels.count, first.featureNames.count], scalars: dense))
    self.labels = labels
  }

  /// The corpus restricted to some documents (for a validation split).
  public func subset(documents indices: [Int]) -> LabeledCorpus {
    var copy = self
    let chosen = indices.map { documents[$0] }
    var rows: [Int] = []
    var newDocuments: [Document] = []
    for document in chosen {
      newDocuments.append(Document(path: document.path, start: rows.count, count: document.count))
      rows += Array(document.start..<(document.start + document.count))
    }
    copy.documents = newDocuments
    copy.labels = rows.map { labels[$0] }
    copy.features = FeaturizedLines(
      sparse: features.sparse.selecting(rows: rows), dense: features.dense.selecting(rows: rows))
    return copy
  }
}

extension SparseRows {
  /// The given rows, in order (an out-of-range index gives an empty row).
  func selecting(rows: [Int]) -> SparseRows {
    var offsets = [0]
    offsets.reserveCapacity(rows.count + 1)
    var indices: [Int32] = []
    var values: [Float] = []
    for row in rows {
      if row >= 0 && row < rowCount {
        let range = self.offsets[row]..<self.offsets[row + 1]
        indices += self.indices[range]
        values += self.values[range]
      }
      offsets.append(indices.count)
    }
    return SparseRows(width: width, offsets: offsets, indices: indices, values: values)
  }
}

extension Tensor {
  /// The given rows of a matrix, in order (an out-of-range index gives a zero row).
  func selecting(rows: [Int]) -> Tensor {
    let width = lastDimension
    let count = flatRowCount
    var result = Tensor(shape: [rows.count, width])
    withUnsafeBufferPointer { source in
      result.withUnsafeMutableBufferPointer { target in
        for (position, row) in rows.enumerated() where row >= 0 && row < count && width > 0 {
          (target.baseAddress! + position * width)
            .update(from: source.baseAddress! + row * width, count: width)
        }
      }
    }
    return result
  }
}
