import ArgumentParser
import Foundation
import LossKit

/// `losskit predict`: one line per input row: the predicted label of each head, then the
/// class probabilities.
struct Predict: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Predict every row (.ann, .txt or CSV): one label column per head, then the class probabilities, tab-separated.")

  @OptionGroup var input: ModelDataOptions

  @Flag(name: .long, help: "First print a header line: the head names, then head:class for each probability.")
  var header = false

  @OptionGroup var storeOptions: StoreOptions

  func run() throws {
    let trained = try storeOptions.load(input.model, for: .inference)
    let corpus = try trained.corpus(
      try LoadedData.load(input.data, unlabelledText: true), labelled: false)
    let predictions = try trained.predictions(corpus)
    let single = predictions.count == 1
    var output = ""
    if header {
      let names = single ? ["label"] : predictions.map(\.target)
      let classes = predictions.flatMap { head in
        head.labelNames.map { single ? $0 : "\(head.target):\($0)" }
      }
      output += (names + classes).joined(separator: "\t") + "\n"
    }
    let probabilities = predictions.map(\.probabilities.scalars)
    for row in 0..<corpus.rowCount {
      var labels: [String] = []
      var scores: [String] = []
      for (head, values) in zip(predictions, probabilities) {
        let classes = head.labelNames.count
        labels.append(head.labelNames[Int(head.classIndices[row])])
        scores += values[(row * classes)..<((row + 1) * classes)].map {
          String(format: "%.6f", $0)
        }
      }
      output += (labels + scores).joined(separator: "\t") + "\n"
    }
    FileHandle.standardOutput.write(Data(output.utf8))
  }
}
