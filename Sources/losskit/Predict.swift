import ArgumentParser
import Foundation
import LossKit

/// `losskit predict`: one line per input row, the predicted label and class probabilities.
struct Predict: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Predict a label for every row (.ann, .txt or CSV): label and probabilities, tab-separated.")

  @OptionGroup var input: ModelDataOptions

  @Flag(name: .long, help: "First print a header line: label, then the class names.")
  var header = false

  @OptionGroup var storeOptions: StoreOptions

  func run() throws {
    let classifier = try SavedModel.load(from: storeOptions.modelStore.location(of: input.model), registry: nil)
    let loaded = try LoadedData.load(
      input.data, collapsing: classifier.configuration.collapsing, labelColumn: input.labelColumn,
      unlabelledText: true)
    let corpus = try classifier.corpus(loaded)
    let probabilities = try classifier.predictProbabilities(corpus, calibrated: true)
    let names = classifier.labelNames
    var output = header ? "label\t" + names.joined(separator: "\t") + "\n" : ""
    for row in 0..<corpus.rowCount {
      let scores = probabilities.scalars[(row * names.count)..<((row + 1) * names.count)]
      let best = scores.indices.max { scores[$0] < scores[$1] }! - row * names.count
      output += names[best] + "\t" + scores.map { String(format: "%.6f", $0) }.joined(separator: "\t") + "\n"
    }
    FileHandle.standardOutput.write(Data(output.utf8))
  }
}
