import LossKitCore
import LossKitTesting
import Testing

@testable import LossKitNN

/// Small random inputs for models.
func randomBatch(
  rows: Int, buckets: Int, denseWidth: Int, sequence: SequenceShape? = nil,
  mask: [Float]? = nil, seed: UInt64
) -> FeatureBatch {
  var random = SeededGenerator(seed: seed)
  var offsets = [0]
  var indices: [Int32] = []
  var values: [Float] = []
  for _ in 0..<rows {
    for _ in 0..<3 {
      indices.append(Int32(random.next() % UInt64(buckets)))
      values.append(random.nextUnitFloat() + 0.2)
    }
    offsets.append(indices.count)
  }
  let dense = Tensor(shape: [rows, denseWidth]) { _ in Float(random.nextNormal()) }
  return FeatureBatch(
    rowCount: rows, dense: denseWidth > 0 ? dense : nil,
    sparse: SparseRows(width: buckets, offsets: offsets, indices: indices, values: values),
    sequence: sequence, mask: mask)
}

/// `L = Σ_outputs Σ r·output` with fixed random weights `r`, so `∂L/∂output = r`.
struct ProjectionLoss {
  var weights: [String: Tensor]

  init(outputs: [String: Tensor], seed: UInt64) {
    var random = SeededGenerator(seed: seed)
    weights = outputs.mapValues { output in
      Tensor(shape: output.shape) { _ in Float(random.nextNormal()) }
    }
  }

  func value(_ outputs: [String: Tensor]) -> Double {
    outputs.reduce(0.0) { total, entry in
      total + zip(entry.value.scalars, weights[entry.key]!.scalars).reduce(0.0) {
        $0 + Double($1.0) * Double($1.1)
      }
    }
  }
}

/// Compares backpropagated parameter gradients with central differences on sampled entries.
func gradientProblems(
  _ model: any Model, _ batch: FeatureBatch, samplesPerParameter: Int = 12, step: Float = 1e-2,
  tolerance: Double = 3e-2
) throws -> [String] {
  let outputs = try model.forward(batch, training: true)
  let loss = ProjectionLoss(outputs: outputs, seed: 99)
  model.zeroGradients()
  try model.backward(loss.weights)
  var problems: [String] = []
  var random = SeededGenerator(seed: 7)
  for parameter in model.parameters {
    let candidates: [Int]
    if parameter.isSparse {
      candidates = parameter.touchedRows.flatMap { row in
        (0..<parameter.rowWidth).map { row * parameter.rowWidth + $0 }
      }
    } else {
      candidates = Array(0..<parameter.value.count)
    }
    for _ in 0..<min(samplesPerParameter, candidates.count) {
      let index = candidates[Int(random.next() % UInt64(candidates.count))]
      let original = parameter.value.scalars[index]
      var changed = parameter.value
      changed.withUnsafeMutableBufferPointer { $0[index] = original + step }
      parameter.value = changed
      let up = loss.value(try model.forward(batch, training: false))
      changed.withUnsafeMutableBufferPointer { $0[index] = original - step }
      parameter.value = changed
      let down = loss.value(try model.forward(batch, training: false))
      changed.withUnsafeMutableBufferPointer { $0[index] = original }
      parameter.value = changed
      let numeric = (up - down) / Double(2 * step)
      let analytic = Double(parameter.gradient.scalars[index])
      if abs(numeric - analytic) > tolerance * max(1, abs(numeric)) {
        problems.append("\(parameter.name)[\(index)]: backprop \(analytic), finite differences \(numeric)")
      }
    }
  }
  return problems
}

@Suite struct ModelGradientTests {
  let input = InputShape(buckets: 40, denseWidth: 4)
  let heads: [HeadShape] = [.labels(classes: 3)]

  @Test func logisticRegression() throws {
    let model = try LogisticRegression(.init(input: input, heads: heads, seed: 1))
    let problems = try gradientProblems(model, randomBatch(rows: 9, buckets: 40, denseWidth: 4, seed: 2))
    #expect(problems.isEmpty, "\(problems)")
  }

  @Test func multilayerPerceptron() throws {
    let model = try MultilayerPerceptron(.init(input: input, heads: heads, hiddenSize: 6, dropout: 0, seed: 13))
    let problems = try gradientProblems(model, randomBatch(rows: 9, buckets: 40, denseWidth: 4, seed: 4))
    #expect(problems.isEmpty, "\(problems)")
  }

  @Test("BiLSTM tagger, two layers, with a padded sequence")
  func bilstm() throws {
    let model = try BiLSTMTagger(
      .init(input: input, heads: heads, embeddingSize: 5, hiddenSize: 4, numLayers: 2, dropout: 0,
            seed: 5))
    let mask: [Float] = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0]
    let batch = randomBatch(
      rows: 12, buckets: 40, denseWidth: 4, sequence: SequenceShape(count: 2, steps: 6),
      mask: mask, seed: 6)
    let problems = try gradientProblems(model, batch, samplesPerParameter: 8)
    #expect(problems.isEmpty, "\(problems)")
  }

  static let twoHeads = [HeadShape(name: "battery", classes: 3), HeadShape(name: "camera", classes: 2)]

  @Test("every kind ends in named heads over a shared embedding; gradients through all of them")
  func multipleHeads() throws {
    let input = InputShape(buckets: 40, denseWidth: 4)
    let logistic = try LogisticRegression(.init(input: input, heads: Self.twoHeads, seed: 7))
    let mlp = try MultilayerPerceptron(
      .init(input: input, heads: Self.twoHeads, hiddenSize: 6, dropout: 0, seed: 7))
    for model in [logistic, mlp] as [any Model] {
      #expect(model.outputNames == ["logits_battery", "logits_camera", "embeddings"])
      #expect(model.outputName(forTarget: "camera") == "logits_camera")
      let problems = try gradientProblems(model, randomBatch(rows: 7, buckets: 40, denseWidth: 4, seed: 8))
      #expect(problems.isEmpty, "\(problems)")
    }
    let bilstm = try BiLSTMTagger(
      .init(input: input, heads: Self.twoHeads, embeddingSize: 4, hiddenSize: 3, numLayers: 1,
            dropout: 0, seed: 9))
    let batch = randomBatch(
      rows: 8, buckets: 40, denseWidth: 4, sequence: SequenceShape(count: 2, steps: 4), seed: 10)
    let outputs = try bilstm.forward(batch, training: false)
    #expect(outputs["logits_camera"]!.shape == [2, 4, 2] && outputs["embeddings"]!.shape == [8, 6])
    let problems = try gradientProblems(bilstm, batch, samplesPerParameter: 6)
    #expect(problems.isEmpty, "\(problems)")
  }

  @Test("dense-only input (no sparse features) works")
  func denseOnly() throws {
    let model = try MultilayerPerceptron(
      .init(input: InputShape(buckets: 0, denseWidth: 4), heads: [.labels(classes: 2)], hiddenSize: 5,
            dropout: 0, seed: 9))
    var batch = randomBatch(rows: 6, buckets: 10, denseWidth: 4, seed: 10)
    batch.sparse = nil
    let problems = try gradientProblems(model, batch)
    #expect(problems.isEmpty, "\(problems)")
  }
}

@Suite struct SequenceTests {
  @Test("padding never changes a sequence's outputs, in either direction")
  func paddingIsInvisible() throws {
    let model = try BiLSTMTagger(
      .init(input: InputShape(buckets: 30, denseWidth: 2), heads: [.labels(classes: 3)],
            embeddingSize: 4, hiddenSize: 3, numLayers: 2, dropout: 0, seed: 1))
    let full = randomBatch(rows: 5, buckets: 30, denseWidth: 2, sequence: .init(count: 1, steps: 5),
                           mask: [1, 1, 1, 0, 0], seed: 2)
    var short = full
    short.rowCount = 3
    short.sequence = .init(count: 1, steps: 3)
    short.mask = [1, 1, 1]
    short.sparse = SparseRows(
      width: 30, offsets: Array(full.sparse!.offsets.prefix(4)),
      indices: Array(full.sparse!.indices.prefix(full.sparse!.offsets[3])),
      values: Array(full.sparse!.values.prefix(full.sparse!.offsets[3])))
    short.dense = try Tensor(shape: [3, 2], scalars: Array(full.dense!.scalars.prefix(6)))
    let long = try model.forward(full, training: false)["logits"]!
    let brief = try model.forward(short, training: false)["logits"]!
    for index in 0..<9 {
      #expect(abs(long.scalars[index] - brief.scalars[index]) < 1e-5)
    }
  }

  @Test func rowsMustFormSequences() throws {
    let model = try BiLSTMTagger(
      .init(input: InputShape(buckets: 10, denseWidth: 0), heads: [.labels(classes: 2)]))
    #expect(throws: LossKitError.self) {
      try model.forward(randomBatch(rows: 4, buckets: 10, denseWidth: 0, seed: 1), training: false)
    }
  }

  @Test("configurations out of range are rejected by the model's own initialiser",
        arguments: [
          (InputShape(buckets: 10, denseWidth: 0), [HeadShape.labels(classes: 2)], 0, Float(0)),
          (InputShape(buckets: 10, denseWidth: 0), [HeadShape.labels(classes: 2)], 8, Float(1)),
          (InputShape(buckets: 10, denseWidth: 0), [HeadShape.labels(classes: 2)], 1 << 40, Float(0)),
          (InputShape(buckets: 10, denseWidth: 0), [HeadShape.labels(classes: -1)], 8, Float(0)),
          (InputShape(buckets: 10, denseWidth: 0), [], 8, Float(0)),
          (InputShape(buckets: 0, denseWidth: 0), [HeadShape.labels(classes: 2)], 8, Float(0)),
          (InputShape(buckets: -5, denseWidth: 0), [HeadShape.labels(classes: 2)], 8, Float(0)),
          (InputShape(buckets: 1 << 27, denseWidth: 0), [HeadShape.labels(classes: 2)], 8, Float(0)),
          (InputShape(buckets: 10, denseWidth: 0), [HeadShape.labels(classes: 2), .labels(classes: 3)], 8, Float(0)),
        ])
  func invalidConfigurationsAreRejected(
    input: InputShape, heads: [HeadShape], hiddenSize: Int, dropout: Float
  ) {
    #expect(throws: LossKitError.self) {
      try BiLSTMTagger(.init(input: input, heads: heads, embeddingSize: 64, hiddenSize: hiddenSize, dropout: dropout))
    }
    #expect(throws: LossKitError.self) {
      try MultilayerPerceptron(.init(input: input, heads: heads, hiddenSize: hiddenSize, dropout: dropout))
    }
  }

  @Test("the same seed gives bit-identical models and outputs")
  func determinism() throws {
    let input = InputShape(buckets: 30, denseWidth: 2)
    let batch = randomBatch(rows: 8, buckets: 30, denseWidth: 2, sequence: .init(count: 2, steps: 4), seed: 3)
    let a = try BiLSTMTagger(.init(input: input, heads: [.labels(classes: 3)], embeddingSize: 4, hiddenSize: 3, dropout: 0.5, seed: 11))
    let b = try BiLSTMTagger(.init(input: input, heads: [.labels(classes: 3)], embeddingSize: 4, hiddenSize: 3, dropout: 0.5, seed: 11))
    #expect(try a.forward(batch, training: true)["logits"] == b.forward(batch, training: true)["logits"])
  }
}

@Suite struct ParameterCountTests {
  @Test("each built-in kind counts its parameters from its configuration, as built")
  func countsMatch() throws {
    let input = InputShape(buckets: 50, denseWidth: 3)
    let heads = [HeadShape(name: "a", classes: 3), HeadShape(name: "b", classes: 4)]
    let logistic = try LogisticRegression(.init(input: input, heads: heads))
    #expect(LogisticRegression.parameterCount(of: logistic.configuration) == logistic.parameterCount)
    let mlp = try MultilayerPerceptron(.init(input: input, heads: heads, hiddenSize: 7))
    #expect(MultilayerPerceptron.parameterCount(of: mlp.configuration) == mlp.parameterCount)
    let bilstm = try BiLSTMTagger(
      .init(input: input, heads: heads, embeddingSize: 5, hiddenSize: 6, numLayers: 3))
    #expect(BiLSTMTagger.parameterCount(of: bilstm.configuration) == bilstm.parameterCount)
  }

  @Test("a configuration over the budget is refused before anything is built")
  func budget() throws {
    var registry = ModelRegistry()
    try registry.register(MultilayerPerceptron.self)
    let configuration = try JSONValue(
      encoding: MultilayerPerceptron.Configuration(
        input: InputShape(buckets: 1 << 20, denseWidth: 0), heads: [.labels(classes: 2)],
        hiddenSize: 512))
    #expect(throws: LossKitError.self) {
      try registry.makeModel(kind: "mlp", version: 2, configuration: configuration, parameterBudget: 1000)
    }
  }
}
