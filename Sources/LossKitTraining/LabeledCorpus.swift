import LossKitCore
import LossKitData

/// Featurized rows grouped into documents in reading order, with one class index per row for
/// each named target set: what training and evaluation consume.
public struct LabeledCorpus: Sendable {
  /// A document: a run of consecutive rows.
  public struct Document: Sendable, Equatable {
    /// Where it came from.
    public var path: String
    /// Its first row.
    public var start: Int
    /// Its number of rows.
    public var count: Int

    /// Creates a document.
    public init(path: String, start: Int, count: Int) {
      self.path = path
      self.start = start
      self.count = count
    }
  }

  /// One target set: its class names and every row's class index.
  public struct Target: Sendable, Equatable {
    /// The target set's name.
    public var name: String
    /// The class names in class-index order.
    public var labelNames: [String]
    /// Every row's class index (the ignore index for a row without a class).
    public var labels: [Int32]

    /// Creates a target set.
    public init(name: String, labelNames: [String], labels: [Int32]) {
      self.name = name
      self.labelNames = labelNames
      self.labels = labels
    }

    /// Rows per class.
    public var classCounts: [Int] {
      var counts = Array(repeating: 0, count: labelNames.count)
      for label in labels where label >= 0 && Int(label) < counts.count {
        counts[Int(label)] += 1
      }
      return counts
    }

    /// The loss context (label names and class counts).
    public var lossContext: LossContext {
      LossContext(labelNames: labelNames, classCounts: classCounts)
    }
  }

  /// The documents.
  public var documents: [Document]
  /// Every row's features.
  public var features: FeaturizedLines
  /// The target sets, in head order.
  public var targets: [Target]

  /// A corpus from its parts.
  ///
  /// - Throws: ``LossKitError/shapeMismatch(_:expected:actual:)`` when the documents,
  ///   features and targets disagree on the number of rows, or a class index is out of range.
  public init(documents: [Document], features: FeaturizedLines, targets: [Target]) throws {
    let rows = features.sparse.rowCount
    guard features.dense.flatRowCount == rows || features.dense.count == 0,
      documents.reduce(0, { $0 + $1.count }) == rows
    else {
      throw LossKitError.shapeMismatch(
        "corpus rows (documents, sparse and dense features)", expected: [rows],
        actual: [documents.reduce(0) { $0 + $1.count }, features.dense.flatRowCount])
    }
    for target in targets {
      guard target.labels.count == rows else {
        throw LossKitError.shapeMismatch(
          "corpus target '\(target.name)'", expected: [rows], actual: [target.labels.count])
      }
      if let bad = target.labels.first(where: {
        $0 != Targets.defaultIgnoreIndex && ($0 < 0 || Int($0) >= target.labelNames.count)
      }) {
        throw LossKitError.labelOutOfRange(
          loss: "corpus target '\(target.name)'", label: Int(bad),
          sample: target.labels.firstIndex(of: bad)!, classCount: target.labelNames.count,
          ignoreIndex: Int(Targets.defaultIgnoreIndex))
      }
    }
    self.documents = documents
    self.features = features
    self.targets = targets
  }

  /// The corpus of loaded data for a pipeline and target definitions (none for unlabelled
  /// data to predict).
  ///
  /// - Throws: ``DataError`` from featurizing or reading labels.
  public init(_ data: LoadedData, pipeline: InputPipeline, targets: [TargetDefinition]) throws {
    let (features, documents) = try pipeline.features(data)
    try self.init(
      documents: documents, features: features,
      targets: try targets.map {
        Target(name: $0.name, labelNames: $0.labels, labels: try $0.classIndices(data))
      })
  }

  /// The number of rows.
  public var rowCount: Int { features.sparse.rowCount }

  /// The target set of a name, or `nil`.
  public func target(named name: String) -> Target? { targets.first { $0.name == name } }

  /// The loss context of every target set, by name.
  public var lossContexts: [String: LossContext] {
    Dictionary(targets.map { ($0.name, $0.lossContext) }) { first, _ in first }
  }

  /// The corpus restricted to some documents (for a validation split).
  public func subset(documents indices: [Int]) -> LabeledCorpus {
    var copy = self
    var rows: [Int] = []
    var newDocuments: [Document] = []
    for document in indices.map({ documents[$0] }) {
      newDocuments.append(Document(path: document.path, start: rows.count, count: document.count))
      rows += Array(document.start..<(document.start + document.count))
    }
    copy.documents = newDocuments
    copy.targets = targets.map { target in
      var chosen = target
      chosen.labels = rows.map { target.labels[$0] }
      return chosen
    }
    copy.features = FeaturizedLines(
      sparse: features.sparse.selecting(rows: rows), dense: features.dense.selecting(rows: rows))
    return copy
  }

  /// The corpus split into held-out documents (`fraction` of them, chosen with `seed`) and
  /// the rest; a single document leaves nothing to hold out.
  public func holdingOut(_ fraction: Double, seed: UInt64) -> (LabeledCorpus, LabeledCorpus?) {
    var random = SeededGenerator(seed: seed ^ 0x5EED)
    guard fraction > 0, documents.count > 1 else { return (self, nil) }
    let order = Array(documents.indices).shuffled(using: &random)
    let held = max(1, Int((Double(order.count) * fraction).rounded()))
    return (
      subset(documents: Array(order.dropFirst(held)).sorted()),
      subset(documents: Array(order.prefix(held)).sorted())
    )
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
