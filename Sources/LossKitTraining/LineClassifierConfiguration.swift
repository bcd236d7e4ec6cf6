import LossKitCore
import LossKitData

/// The options of a ``LineClassifier``, with the seed's defaults. Each option belongs to the
/// part that owns it: model options are the model kind's configuration fields, loss options
/// the losses' parameters, optimizer options the optimizer's, so nothing is declared twice.
public struct LineClassifierConfiguration: Sendable, Codable, Equatable {
  /// The registered model kind (default `bilstm`, the seed's `rnn`).
  public var model = "bilstm"
  /// Fields of the model kind's configuration to set (`hiddenSize`, `embeddingSize`,
  /// `numLayers`, `dropout`, …); the others keep the kind's defaults. `input`, `heads` and
  /// `seed` come from the data and ``seed``.
  public var modelOptions: [String: JSONValue] = [:]
  /// Lines per window for sequence models (default 15, the seed's).
  public var windowSize: Int?
  /// Lines between prediction windows (default half a window).
  public var predictionStride: Int?
  /// The heads: named target sets and their views. Empty means one head `labels`: the
  /// collapsed labels of pages, or the ``labelColumn`` of CSV files.
  public var heads: [HeadSpecification] = []
  /// The label column of CSV files when ``heads`` is empty (default `label`, else the last
  /// column that is not the text column).
  public var labelColumn: String?
  /// A CSV column featurized as text, like a page's lines (default none).
  public var textColumn: String?
  /// How lines become features.
  public var featurizer = LineFeaturizer()
  /// The loss expression and shorthand options; an empty expression follows the seed: focal
  /// labels give `focal-f1`, class weights or a strategy give `weighted`, else
  /// cross-entropy.
  public var loss = LossConfiguration(expression: "")
  /// The registered optimizer (default `adam`).
  public var optimizer = "adam"
  /// Fields of the optimizer's configuration to set (`learningRate`, `weightDecay`,
  /// `momentum`, …).
  public var optimizerOptions: [String: JSONValue] = [:]
  /// Epochs, batch size, seed, early stopping and clipping.
  public var trainer = Trainer.Configuration()
  /// The share of training documents held out for validation when no validation set is
  /// given (default 0.1; 0 disables validation).
  public var validationFraction = 0.1

  /// The default configuration.
  public init() {}

  /// The seed for initialisation, dropout, shuffling and the validation split.
  public var seed: UInt64 {
    get { trainer.seed }
    set { trainer.seed = newValue }
  }

  /// Whether the model options ask for a CRF output (`crf: true`).
  public var hasCRF: Bool { modelOptions["crf"] == .bool(true) }

  /// The loss these options describe, with the seed's default expression when none is set:
  /// focal labels give `focal-f1`, class weights or a strategy give `weighted`, else
  /// cross-entropy; with a CRF output, `crf`, composed half and half with the one the options
  /// ask for.
  public var effectiveLoss: LossConfiguration {
    guard loss.expression.allSatisfy(\.isWhitespace) else { return loss }
    var configuration = loss
    let options = loss.options
    let asked =
      options["focalLabels"] != nil
      ? "focal-f1"
      : (options["classWeights"] != nil || options["strategy"] != nil ? "weighted" : nil)
    if hasCRF {
      configuration.expression = asked.map { "0.5*crf+0.5*\($0)" } ?? "crf"
    } else {
      configuration.expression = asked ?? "cross-entropy"
    }
    return configuration
  }

  /// The loss of the default recipe for annotated pages: focal loss plus soft F1 on the rare
  /// labels, the configuration that scored best on journals the model had not seen
  /// (`losskit crossval --group journal` on the SKOL pages; docs/skol-results.md).
  public static let pagesLossExpression = "0.5*focal+0.5*focal-f1"

  /// The loss for some training data. On annotated pages with the default head, no loss
  /// expression, no CRF and none of the options that choose the seed's losses (focal labels,
  /// class weights, a weight strategy), it is the pages recipe: ``pagesLossExpression`` with
  /// the labels rarer than the most common one as focal labels, and the other options given
  /// (`gamma`, `alpha`, …) applied to it. Otherwise it is ``effectiveLoss``.
  public func effectiveLoss(for data: LoadedData) -> LossConfiguration {
    let choosing = ["focalLabels", "classWeights", "strategy"]
    guard loss.expression.allSatisfy(\.isWhitespace), !hasCRF, heads.isEmpty,
      !choosing.contains(where: { loss.options[$0] != nil }), case .annotated(let pages) = data
    else { return effectiveLoss }
    var counts: [String: Int] = [:]
    for page in pages {
      for line in page.lines where !line.rawLabel.isEmpty {
        counts[LabelCollapsing.skol.collapse(line.rawLabel), default: 0] += 1
      }
    }
    let rare = LossComparison.rareLabels(counts)
    guard !rare.isEmpty else { return effectiveLoss }
    var options = loss.options
    options["focalLabels"] = .array(rare.map { .string($0) })
    return LossConfiguration(expression: Self.pagesLossExpression, options: options)
  }

  /// The heads for some data: the configured ones, or the default single head.
  ///
  /// - Throws: ``DataError/missingColumn(path:column:available:)`` when CSV data has no
  ///   usable label column.
  public func effectiveHeads(for data: LoadedData) throws -> [HeadSpecification] {
    guard heads.isEmpty else { return heads }
    guard case .tables(let tables) = data, let first = tables.first else {
      return [HeadSpecification(name: "labels", view: .collapsed(.skol))]
    }
    let column =
      labelColumn
      ?? (first.header.contains("label")
        ? "label"
        : first.header.last(where: {
          $0 != textColumn
        }))
    guard let column else {
      throw DataError.missingColumn(path: first.path, column: "label", available: first.header)
    }
    return [HeadSpecification(name: "labels", view: .column(column))]
  }
}
