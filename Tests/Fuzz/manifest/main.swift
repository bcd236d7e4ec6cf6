// Manifest decoding plus model construction: any manifest bytes, beside the weights of a small
// model, load (for inference and for training) or throw; whatever loads predicts finite
// probabilities on a page. Memory stays bounded because a model's parameters are checked
// against the weights file before anything is built.
import Foundation
import LossKit
import LossKitFuzzing

/// What every input is loaded beside and run on.
enum Fixture {
  /// A small model's weights file (built for each input: a cached copy would count as a leak).
  static func weights() -> Data {
  let pipeline = InputPipeline(featurizer: LineFeaturizer(buckets: 64), windows: .init(size: 4))
  let targets = [TargetDefinition(name: "labels", view: .collapsed(.skol), labels: ["Nomenclature", "Description", "Misc"])]
  let model = try! BiLSTMTagger(
    .init(input: pipeline.inputShape, heads: [.labels(classes: 3)], embeddingSize: 4, hiddenSize: 3, numLayers: 1))
  let trained = TrainedModel(model: model, loss: UnresolvedLoss(), optimizer: try! Adam(.init()), targets: targets, pipeline: pipeline)
  return try! SavedModel.encode(trained)[SavedModel.weightsFile]!
  }

  /// A short page to predict.
  static let page = LoadedData.annotated([
    AnnotatedDocument(path: "page", lines: ["Agaricus rubescens Fr.", "Pileus 3–7 cm.", "Notes."].enumerated().map {
      AnnotatedLine(text: $1, label: "", rawLabel: "", lineNumber: $0 + 1)
    })
  ])
}

fuzz { data in
  let files = ModelFiles([SavedModel.manifestFile: data, SavedModel.weightsFile: Fixture.weights()])
  for purpose in [LoadPurpose.inference, .training] {
    guard let trained = try? SavedModel.decode(files, source: "fuzz", registry: .standard, for: purpose),
      let corpus = try? trained.corpus(Fixture.page, labelled: false),
      let probabilities = try? trained.probabilities(corpus)
    else { continue }
    for (target, tensor) in probabilities where tensor.scalars.contains(where: { !$0.isFinite }) {
      fuzzFailure("a loaded model predicts non-finite probabilities for '\(target)'")
    }
  }
}
