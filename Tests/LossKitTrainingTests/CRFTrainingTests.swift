import Foundation
import LossKit
import Testing

@Suite struct CRFTrainingTests {
  /// A small BiLSTM recipe with a CRF output.
  func options(loss: String = "", heads: [HeadSpecification] = []) -> LineClassifierConfiguration {
    var options = LineClassifierConfiguration()
    options.modelOptions = [
      "crf": true, "embeddingSize": 8, "hiddenSize": 6, "numLayers": 1,
    ]
    options.heads = heads
    options.windowSize = 8
    options.trainer.epochs = 3
    // Synthetic pages are short: a held-out page may hold no rare line to stop early on.
    options.validationFraction = 0
    options.optimizerOptions = ["learningRate": 0.02]
    options.featurizer = LineFeaturizer(buckets: 1 << 10)
    options.loss = LossConfiguration(expression: loss)
    return options
  }

  let training = SyntheticPages(pages: 4, linesPerPage: 80, seed: 1).documents()
  let test = SyntheticPages(pages: 3, linesPerPage: 200, seed: 2).documents()

  @Test("--crf alone trains the crf loss; predictions are each document's Viterbi path")
  func trainsAndDecodes() throws {
    var options = options()
    options.trainer.epochs = 12
    options.optimizerOptions = ["learningRate": 0.05]
    #expect(options.effectiveLoss.expression == "crf")
    let classifier = try LineClassifier(options, registry: .standard)
    let result = try classifier.fit(training: training, test: test, observer: nil)
    let trained = classifier.trained!
    #expect(trained.loss is CRFLoss)
    // Training learns: the loss falls, and the paths name more than the common class.
    let losses = result.history.epochs.map(\.loss)
    #expect(losses.last! < 0.7 * losses.first!, "\(losses)")
    #expect(result.testReports["labels"]!.macroF1 > 0.5)
    let corpus = try trained.corpus(.annotated(test))
    let scores = try trained.scores(corpus)["labels"]!
    let decoded = try #require(scores.decoded)
    #expect(decoded.count == corpus.rowCount)
    // Marginals are probabilities: each row sums to one.
    for row in 0..<corpus.rowCount {
      let sum = (0..<3).reduce(Float(0)) { $0 + scores.probabilities.scalars[row * 3 + $1] }
      #expect(abs(sum - 1) < 1e-4)
    }
    // The report counts the decoded path, and predictions print it.
    let predictions = try trained.predictions(corpus)[0]
    #expect(predictions.classIndices == decoded)
    #expect(Set(decoded).count >= 2)
  }

  @Test("the path of a document is the Viterbi path of its window-averaged emissions")
  func decodingMatchesTheCRF() throws {
    let classifier = try LineClassifier(options(), registry: .standard)
    try classifier.fit(training: training, observer: nil)
    let trained = classifier.trained!
    let corpus = try trained.corpus(.annotated([test[0]]))
    let heads = try trained.predictionHeads()
    #expect(heads[0].crf == CRFOutputNames.standard)
    var plain = heads
    plain[0].crf = nil
    // Softmax of the averaged emissions is not what a CRF head reports; decode them directly.
    let outputs = try trained.model.forward(
      trained.batching.batch(trained.batching.predictionUnits(corpus)[0..<1], corpus: corpus).batch,
      training: false)
    let chain = try LinearChainCRF(
      transitions: outputs["transitions"]!, start: outputs["start_transitions"]!,
      end: outputs["end_transitions"]!)
    var sums = [Double](repeating: 0, count: corpus.rowCount * 3)
    var counts = [Int](repeating: 0, count: corpus.rowCount)
    for unit in trained.batching.predictionUnits(corpus) {
      let (batch, _, rows) = trained.batching.batch([unit], corpus: corpus)
      let logits = try trained.model.forward(batch, training: false)["logits"]!.scalars
      for (position, row) in rows.enumerated() where row >= 0 {
        counts[row] += 1
        for c in 0..<3 { sums[row * 3 + c] += Double(logits[position * 3 + c]) }
      }
    }
    let emissions = try Tensor(
      shape: [1, corpus.rowCount, 3],
      scalars: sums.indices.map { Float(sums[$0] / Double(counts[$0 / 3])) })
    let expected = try chain.bestPaths(emissions).path(0)
    #expect(try trained.scores(corpus)["labels"]!.decoded == Array(expected))
  }

  @Test("crf composes with focal-f1 on the same emissions, and each part is logged")
  func composite() throws {
    var options = options(loss: "0.5*crf+0.5*focal-f1")
    options.loss.options = ["focalLabels": ["Nomenclature", "Description"]]
    let classifier = try LineClassifier(options, registry: .standard)
    let result = try classifier.fit(training: training, observer: nil)
    #expect(Set(result.history.epochs[0].parts.keys) == ["crf", "focal-f1"])
  }

  @Test("two heads with CRF outputs: each crf term reads its own head's scores")
  func twoHeads() throws {
    let heads = [
      HeadSpecification(name: "kind", view: .named("collapsed")),
      HeadSpecification(name: "section", view: .named("all")),
    ]
    let classifier = try LineClassifier(options(heads: heads), registry: .standard)
    try classifier.fit(training: training, observer: nil)
    let composite = try #require(classifier.trained!.loss as? CompositeLoss)
    let read = composite.terms.map { $0.loss.outputNames.sorted() }
    #expect(
      read.contains([
        "end_transitions_kind", "logits_kind", "start_transitions_kind", "transitions_kind",
      ]))
    #expect(
      read.contains([
        "end_transitions_section", "logits_section", "start_transitions_section",
        "transitions_section",
      ]))
  }

  @Test("--crf on a model that reads one row at a time is an error that says what to use")
  func crfNeedsASequenceModel() {
    var options = options()
    options.model = "mlp"
    #expect {
      try LineClassifier(options, registry: .standard)
    } throws: { error in
      "\(error)".contains("--model bilstm")
    }
  }

  @Test("--crf with a loss that has no crf term, and a crf loss without --crf, are errors")
  func crfAndItsLoss() {
    #expect {
      try LineClassifier(options(loss: "focal"), registry: .standard)
    } throws: { error in
      "\(error)".contains("no crf term")
    }
    var plain = options(loss: "crf")
    plain.modelOptions["crf"] = nil
    #expect {
      try LineClassifier(plain, registry: .standard)
    } throws: { error in
      "\(error)".contains("--crf")
    }
  }

  @Test("a Trainer given a crf loss and a model without CRF outputs says to add one")
  func trainerNamesTheMissingOutput() throws {
    let model = try BiLSTMTagger(
      .init(input: InputShape(buckets: 16, denseWidth: 0), heads: [.labels(classes: 3)]))
    #expect {
      try Trainer(
        model: model, loss: CRFLoss(), optimizer: try Adam(.init()),
        configuration: .init(), batching: Batching(windows: .init(size: 4)), observer: nil)
    } throws: { error in
      "\(error)".contains("--crf")
    }
  }
}
