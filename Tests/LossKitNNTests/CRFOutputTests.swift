import Foundation
import LossKitCore
import LossKitTesting
import Testing

@testable import LossKitNN

@Suite struct CRFOutputTests {
  let input = InputShape(buckets: 40, denseWidth: 4)
  let heads = [HeadShape(name: "kind", classes: 3), HeadShape(name: "section", classes: 4)]

  @Test("CRF output names follow the head's logits")
  func names() {
    #expect(
      CRFOutputNames.standard.scores == ["transitions", "start_transitions", "end_transitions"])
    #expect(
      CRFOutputNames(emissions: "logits_kind").scores == [
        "transitions_kind", "start_transitions_kind", "end_transitions_kind",
      ])
  }

  @Test("a BiLSTM with CRF outputs produces every head's scores, and gradients reach them")
  func gradients() throws {
    let model = try BiLSTMTagger(
      .init(
        input: input, heads: heads, embeddingSize: 5, hiddenSize: 4, numLayers: 1, dropout: 0,
        seed: 5, crf: true))
    #expect(
      model.outputNames == [
        "logits_kind", "logits_section", "embeddings", "transitions_kind", "start_transitions_kind",
        "end_transitions_kind", "transitions_section", "start_transitions_section",
        "end_transitions_section",
      ])
    let batch = randomBatch(
      rows: 12, buckets: 40, denseWidth: 4, sequence: SequenceShape(count: 2, steps: 6), seed: 6)
    let outputs = try model.forward(batch, training: true)
    #expect(outputs["transitions_section"]?.shape == [4, 4])
    #expect(outputs["end_transitions_kind"]?.shape == [3])
    let problems = try gradientProblems(model, batch, samplesPerParameter: 6)
    #expect(problems.isEmpty, "\(problems)")
    #expect(BiLSTMTagger.parameterCount(of: model.configuration) == model.parameterCount)
    let names = model.parameters.map(\.name)
    #expect(names.contains("crf.kind.transitions") && names.contains("crf.section.end"))
  }

  @Test("a lone head's CRF scores carry the crf loss's default names")
  func loneHead() throws {
    let model = try BiLSTMTagger(
      .init(input: input, heads: [.labels(classes: 3)], embeddingSize: 4, hiddenSize: 3, crf: true))
    #expect(Set(CRFOutputNames.standard.scores).isSubset(of: model.outputNames))
    #expect(model.parameters.map(\.name).suffix(3) == ["crf.transitions", "crf.start", "crf.end"])
  }

  @Test("a version-2 configuration (no crf, no inputDropout) decodes with both off")
  func oldConfiguration() throws {
    let json = """
      {"input": {"buckets": 40, "denseWidth": 4}, "heads": [{"name": "labels", "classes": 3}],
       "embeddingSize": 8, "hiddenSize": 4, "numLayers": 1, "dropout": 0.3, "seed": 2}
      """
    let configuration = try JSONDecoder().decode(
      BiLSTMTagger.Configuration.self, from: Data(json.utf8))
    #expect(!configuration.crf && configuration.inputDropout == 0)
  }

  @Test("input dropout drops single sparse features in training only")
  func inputDropout() throws {
    let model = try BiLSTMTagger(
      .init(
        input: input, heads: [.labels(classes: 3)], embeddingSize: 4, hiddenSize: 3, dropout: 0,
        seed: 3, inputDropout: 0.5))
    let batch = randomBatch(
      rows: 8, buckets: 40, denseWidth: 4, sequence: SequenceShape(count: 2, steps: 4), seed: 8)
    let a = try model.forward(batch, training: true)["logits"]
    let b = try model.forward(batch, training: true)["logits"]
    #expect(a != b)
    #expect(
      try model.forward(batch, training: false)["logits"]
        == model.forward(batch, training: false)["logits"])
    #expect(throws: LossKitError.self) {
      try BiLSTMTagger(.init(input: input, heads: [.labels(classes: 3)], inputDropout: 1))
    }
  }

  @Test("feature dropout keeps the expected share and scales what it keeps")
  func featureDropout() {
    let rows = SparseRows(
      width: 10, offsets: [0, 500, 1000], indices: (0..<1000).map { Int32($0 % 10) },
      values: Array(repeating: 1, count: 1000))
    var random = SeededGenerator(seed: 1)
    let dropped = rows.dropping(rate: 0.25, random: &random)
    #expect(dropped.rowCount == 2)
    #expect(abs(Double(dropped.indices.count) / 1000 - 0.75) < 0.05)
    #expect(dropped.values.allSatisfy { abs($0 - 4 / 3) < 1e-6 })
  }
}
