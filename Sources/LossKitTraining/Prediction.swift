import Foundation
import LossKitCRF
import LossKitCore
import LossKitNN

/// Class probabilities for every row of a corpus, one matrix per head, and for heads with a
/// CRF output the best tag path.
///
/// Sequence models predict windows that overlap by `windowSize − stride` rows; each row's
/// probabilities are the average over the windows that contain it (the seed's
/// `prediction_stride`). A head with a CRF output averages its emission scores the same way,
/// then decodes every document as one chain: the Viterbi path gives its predicted classes and
/// the forward-backward marginals its probabilities.
public enum Prediction {
  /// A head to predict: the target set's name, the output with its logits, its classes.
  public struct Head: Sendable, Equatable {
    /// The target set.
    public var target: String
    /// The model output holding the head's logits (its emission scores with a CRF).
    public var output: String
    /// The number of classes.
    public var classes: Int
    /// The head's CRF outputs, when the model has them.
    public var crf: CRFOutputNames?

    /// Creates a head.
    public init(target: String, output: String, classes: Int, crf: CRFOutputNames? = nil) {
      self.target = target
      self.output = output
      self.classes = classes
      self.crf = crf
    }
  }

  /// One head's predictions for every row.
  public struct Scores: Sendable {
    /// `[rows, classes]` class probabilities.
    public var probabilities: Tensor
    /// Each row's tag on its document's Viterbi path, for a head with a CRF output.
    public var decoded: [Int32]?

    /// Each row's predicted class: its decoded tag, else its most probable class (the first
    /// on a tie).
    public var predictedClasses: [Int32] {
      if let decoded { return decoded }
      let classes = probabilities.lastDimension
      return probabilities.withUnsafeBufferPointer { values in
        (0..<probabilities.flatRowCount).map { row -> Int32 in
          var best = 0
          for c in 1..<max(classes, 1)
          where values[row * classes + c] > values[row * classes + best] {
            best = c
          }
          return Int32(best)
        }
      }
    }
  }

  /// The heads of a model for some target sets: each target's logits output, and its CRF
  /// outputs when the model produces all of them.
  ///
  /// - Throws: ``LossKitError/missingOutput(loss:name:available:)`` for a target set the
  ///   model has no logits for.
  public static func heads(
    of model: any Model, targets: [(name: String, classes: Int)]
  ) throws -> [Head] {
    let produced = Set(model.outputNames)
    return try targets.map { target in
      guard let output = model.outputName(forTarget: target.name) else {
        throw LossKitError.missingOutput(
          loss: "target '\(target.name)'", name: "logits_\(target.name)",
          available: model.outputNames)
      }
      let crf = CRFOutputNames(emissions: output)
      return Head(
        target: target.name, output: output, classes: target.classes,
        crf: crf.scores.allSatisfy(produced.contains) ? crf : nil)
    }
  }

  /// `[rows, classes]` probabilities by target name (``scores(of:on:heads:batching:batchSize:)``
  /// without the paths).
  ///
  /// - Throws: As ``scores(of:on:heads:batching:batchSize:)``.
  public static func probabilities(
    of model: any Model, on corpus: LabeledCorpus, heads: [Head], batching: Batching,
    batchSize: Int
  ) throws -> [String: Tensor] {
    try scores(of: model, on: corpus, heads: heads, batching: batching, batchSize: batchSize)
      .mapValues(\.probabilities)
  }

  /// Every head's predictions by target name: softmax probabilities averaged over windows,
  /// or for a CRF head the marginals and Viterbi path of each document.
  ///
  /// - Throws: Errors from the model's forward pass, or
  ///   ``LossKitError/missingOutput(loss:name:available:)`` /
  ///   ``LossKitError/shapeMismatch(_:expected:actual:)`` when the model's outputs do not
  ///   match the heads.
  public static func scores(
    of model: any Model, on corpus: LabeledCorpus, heads: [Head], batching: Batching,
    batchSize: Int
  ) throws -> [String: Scores] {
    let rowCount = corpus.rowCount
    var sums = heads.map { [Double](repeating: 0, count: rowCount * $0.classes) }
    var counts = [Int](repeating: 0, count: rowCount)
    var chains = [LinearChainCRF?](repeating: nil, count: heads.count)
    let units = batching.predictionUnits(corpus)
    var start = 0
    while start < units.count {
      let slice = units[start..<min(units.count, start + max(batchSize, 1))]
      let (batch, _, rows) = batching.batch(slice, corpus: corpus)
      let outputs = try model.forward(batch, training: false)
      for (index, head) in heads.enumerated() {
        let logits = try output(head.output, of: outputs)
        guard logits.lastDimension == head.classes, logits.count == rows.count * head.classes
        else {
          throw LossKitError.shapeMismatch(
            "model output '\(head.output)'", expected: [rows.count, head.classes],
            actual: logits.shape)
        }
        if let names = head.crf {
          if chains[index] == nil {
            chains[index] = try LinearChainCRF(
              transitions: try output(names.transitions, of: outputs),
              start: try output(names.start, of: outputs), end: try output(names.end, of: outputs))
          }
          accumulate(logits, rows: rows, classes: head.classes, into: &sums[index])
        } else {
          accumulateSoftmax(logits, rows: rows, classes: head.classes, into: &sums[index])
        }
      }
      for row in rows where row >= 0 { counts[row] += 1 }
      start += slice.count
    }
    var result: [String: Scores] = [:]
    for (index, head) in heads.enumerated() {
      var means = [Float](repeating: 0, count: rowCount * head.classes)
      for row in 0..<rowCount where counts[row] > 0 {
        for c in 0..<head.classes {
          let at = row * head.classes + c
          means[at] = Float(sums[index][at] / Double(counts[row]))
        }
      }
      let averaged = try Tensor(shape: [rowCount, head.classes], scalars: means)
      if let chain = chains[index] {
        result[head.target] = try decode(averaged, documents: corpus.documents, with: chain)
      } else {
        result[head.target] = Scores(probabilities: averaged, decoded: nil)
      }
    }
    return result
  }

  /// An output of a forward pass, or an error listing the ones there are.
  static func output(_ name: String, of outputs: [String: Tensor]) throws -> Tensor {
    guard let tensor = outputs[name] else {
      throw LossKitError.missingOutput(
        loss: "prediction", name: name, available: outputs.keys.sorted())
    }
    return tensor
  }

  /// Each document decoded as one chain: its Viterbi path and its marginals.
  static func decode(
    _ emissions: Tensor, documents: [LabeledCorpus.Document], with chain: LinearChainCRF
  ) throws -> Scores {
    let classes = emissions.lastDimension
    var probabilities = [Float](repeating: 0, count: emissions.count)
    var decoded = [Int32](repeating: 0, count: emissions.flatRowCount)
    for document in documents where document.count > 0 {
      let range = (document.start * classes)..<((document.start + document.count) * classes)
      let chainEmissions = try Tensor(
        shape: [1, document.count, classes], scalars: Array(emissions.scalars[range]))
      let marginals = try chain.marginals(chainEmissions)
      probabilities.replaceSubrange(range, with: marginals.scalars)
      let path = try chain.bestPaths(chainEmissions).path(0)
      decoded.replaceSubrange(document.start..<(document.start + document.count), with: path)
    }
    return Scores(
      probabilities: try Tensor(shape: emissions.shape, scalars: probabilities), decoded: decoded)
  }

  /// Adds each real row's logits into `sums`.
  static func accumulate(_ logits: Tensor, rows: [Int], classes: Int, into sums: inout [Double]) {
    logits.withUnsafeBufferPointer { z in
      for (position, row) in rows.enumerated() where row >= 0 {
        for c in 0..<classes { sums[row * classes + c] += Double(z[position * classes + c]) }
      }
    }
  }

  /// Adds each real row's softmax of `logits` into `sums`.
  static func accumulateSoftmax(
    _ logits: Tensor, rows: [Int], classes: Int, into sums: inout [Double]
  ) {
    logits.withUnsafeBufferPointer { z in
      for (position, row) in rows.enumerated() where row >= 0 {
        let line = z.baseAddress! + position * classes
        var top = line[0]
        for c in 1..<max(classes, 1) { top = max(top, line[c]) }
        var total = 0.0
        for c in 0..<classes { total += Foundation.exp(Double(line[c] - top)) }
        for c in 0..<classes {
          sums[row * classes + c] += Foundation.exp(Double(line[c] - top)) / total
        }
      }
    }
  }
}
