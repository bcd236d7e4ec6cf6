import LossKitCore
import LossKitData

/// What a model predicts for every row on one head: the class probabilities (calibrated)
/// and the most probable class, as `losskit predict` prints them.
public struct HeadPredictions: Sendable {
  /// The target set (head).
  public var target: String
  /// The head's class names in class-index order.
  public var labelNames: [String]
  /// Each row's predicted class: its most probable class (the first on a tie), or for a head
  /// with a CRF output its tag on the Viterbi path.
  public var classIndices: [Int32]
  /// `[rows, classes]` calibrated probabilities.
  public var probabilities: Tensor

  /// Each row's most probable class name.
  public var labels: [String] { classIndices.map { labelNames[Int($0)] } }
}

extension TrainedModel {
  /// Every head's predictions for every row of a corpus, in reading order: what
  /// `losskit predict` prints, the C API returns and Spark adds to a DataFrame.
  ///
  /// - Throws: As ``scores(_:calibrated:)``.
  public func predictions(_ corpus: LabeledCorpus) throws -> [HeadPredictions] {
    let scores = try self.scores(corpus)
    return try targets.map { target in
      guard let head = scores[target.name] else {
        throw LossKitError.missingOutput(
          loss: "prediction", name: target.name, available: scores.keys.sorted())
      }
      return HeadPredictions(
        target: target.name, labelNames: target.labels, classIndices: head.predictedClasses,
        probabilities: head.probabilities)
    }
  }

  /// Every head's predictions for the lines of one document in reading order, each line a
  /// row (sequence models see each line's neighbours through the saved windows and stride,
  /// exactly as for a file): the same numbers as `losskit predict` on a `.txt` file of these
  /// lines.
  ///
  /// - Throws: As ``LabeledCorpus/init(lines:document:pipeline:)``, and model errors.
  public func predictions(lines: [String], document: String = "document") throws
    -> [HeadPredictions]
  {
    try predictions(LabeledCorpus(lines: lines, document: document, pipeline: pipeline))
  }
}

extension LabeledCorpus {
  /// The unlabelled corpus of one document's lines, in reading order.
  ///
  /// - Parameters:
  ///   - lines: The document's lines; blank lines are rows too (a `.txt` file's blank lines
  ///     are skipped, so leave them out to match it).
  ///   - document: The document's name, for messages.
  ///   - pipeline: The model's input pipeline.
  /// - Throws: ``DataError/unreadable(path:reason:)`` for a line containing a line break, or
  ///   a pipeline that reads CSV columns rather than text.
  public init(lines: [String], document: String, pipeline: InputPipeline) throws {
    guard pipeline.featurizer != nil, pipeline.numericColumns.isEmpty else {
      throw DataError.unreadable(
        path: document,
        reason: "this model reads the CSV columns "
          + pipeline.numericColumns.joined(separator: ", ")
          + ", not lines of text; predict with `losskit predict` on a CSV file")
    }
    if let index = lines.firstIndex(where: { $0.utf8.contains(UInt8(ascii: "\n")) }) {
      throw DataError.unreadable(
        path: "\(document) line \(index + 1)",
        reason: "the line contains a line break; split the text into lines first")
    }
    let page = AnnotatedDocument(
      path: document,
      lines: lines.enumerated().map {
        AnnotatedLine(text: $0.element, label: "", rawLabel: "", lineNumber: $0.offset + 1)
      })
    try self.init(.annotated([page]), pipeline: pipeline, targets: [])
  }
}
