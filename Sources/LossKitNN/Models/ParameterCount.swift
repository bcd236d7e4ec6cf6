/// Counts a model's parameters from its configuration, without building it, saturating at
/// `Int.max` so a damaged configuration cannot overflow the count.
struct ParameterCount {
  private(set) var total = 0

  /// Adds a `rows × columns` tensor.
  mutating func add(_ rows: Int, _ columns: Int) {
    let (size, overflow) = max(rows, 0).multipliedReportingOverflow(by: max(columns, 0))
    let (sum, wrapped) = total.addingReportingOverflow(overflow ? .max : size)
    total = wrapped ? .max : sum
  }

  /// Adds a dense layer `inputs → outputs` (weights and bias).
  mutating func addDense(_ inputs: Int, _ outputs: Int) {
    add(inputs, outputs)
    add(1, outputs)
  }

  /// Adds a line encoder of `width` over `input`: the sparse table and the dense projection.
  mutating func addEncoder(_ input: InputShape, width: Int) {
    if input.buckets > 0 { add(input.buckets, width) }
    if input.denseWidth > 0 { addDense(input.denseWidth, width) }
  }

  /// Adds one dense layer per head over an embedding of `width`.
  mutating func addHeads(_ heads: [HeadShape], width: Int) {
    for head in heads { addDense(width, head.classes) }
  }
}

extension LogisticRegression {
  /// The encoder's table and projection to every head's classes.
  public static func parameterCount(of configuration: Configuration) -> Int? {
    var count = ParameterCount()
    var width = 0
    for head in configuration.heads { width = width &+ max(head.classes, 0) }
    count.addEncoder(configuration.input, width: width)
    return count.total
  }
}

extension MultilayerPerceptron {
  /// The hidden encoder and the heads.
  public static func parameterCount(of configuration: Configuration) -> Int? {
    var count = ParameterCount()
    count.addEncoder(configuration.input, width: configuration.hiddenSize)
    count.addHeads(configuration.heads, width: configuration.hiddenSize)
    return count.total
  }
}

extension BiLSTMTagger {
  /// The encoder, two LSTMs per layer (input, recurrent and bias weights of 4 gates), and
  /// the heads.
  public static func parameterCount(of configuration: Configuration) -> Int? {
    var count = ParameterCount()
    count.addEncoder(configuration.input, width: configuration.embeddingSize)
    let hidden = configuration.hiddenSize
    let gates = 4 &* max(hidden, 0)
    var input = configuration.embeddingSize
    for _ in 0..<min(max(configuration.numLayers, 0), 64) {
      for _ in 0..<2 {
        count.add(input, gates)
        count.add(hidden, gates)
        count.add(1, gates)
      }
      input = 2 &* hidden
    }
    count.addHeads(configuration.heads, width: input)
    if configuration.crf {
      for head in configuration.heads {
        count.add(head.classes, head.classes)
        count.add(2, head.classes)
      }
    }
    return count.total
  }
}
