import Foundation
import LossKit
import LossKitTesting

/// Shared helpers for archive tests.
enum Fixture {
  static func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("losskit-archive-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }

  static func options(
    _ kind: String = "logistic", loss: String = "", epochs: Int = 2
  ) -> LineClassifierConfiguration {
    var options = LineClassifierConfiguration()
    options.model = kind
    options.trainer.epochs = epochs
    options.loss = LossConfiguration(expression: loss)
    options.optimizerOptions = ["learningRate": 0.02]
    if kind != "logistic" { options.modelOptions = ["hiddenSize": 6] }
    if kind == "bilstm" {
      options.modelOptions["embeddingSize"] = 6
      options.modelOptions["numLayers"] = 1
      options.windowSize = 8
    }
    options.featurizer = LineFeaturizer(buckets: 1 << 10)
    return options
  }

  static let training = SyntheticPages(pages: 4, linesPerPage: 80, seed: 1).documents()
  static let test = SyntheticPages(pages: 2, linesPerPage: 80, seed: 2).documents()

  static func trained(
    _ options: LineClassifierConfiguration, registry: Registry = .standard
  ) throws -> TrainedModel {
    let classifier = try LineClassifier(options, registry: registry)
    _ = try classifier.fit(training: training, observer: nil)
    return classifier.trained!
  }

  /// Unlabelled data for prediction: the lines of some documents.
  static func unlabelled(_ documents: [AnnotatedDocument]) -> LoadedData {
    .annotated(documents.map { document in
      AnnotatedDocument(path: document.path, lines: document.lines.map {
        AnnotatedLine(text: $0.text, label: "", rawLabel: "", lineNumber: $0.lineNumber)
      })
    })
  }

  /// The calibrated probabilities of the single head on some documents.
  static func probabilities(_ trained: TrainedModel, _ documents: [AnnotatedDocument]) throws -> [Float] {
    let corpus = try trained.corpus(unlabelled(documents), labelled: false)
    return try trained.probabilities(corpus)[trained.targets[0].name]!.scalars
  }

  /// The `losskit` executable beside the test bundle.
  static var executable: URL { ProcessRunner.builtProgram("losskit") }

  /// Runs a command and returns its combined output and status.
  static func run(_ executable: URL, _ arguments: [String], environment: [String: String] = [:])
    throws -> (String, Int32)
  {
    try ProcessRunner.run(executable, arguments, environment: environment)
  }
}
