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
    let probabilities = try trained.probabilities(corpus)
    let targets = trained.targets
    let single = targets.count == 1
    var output = ""
    if header {
      let names = single ? ["label"] : targets.map(\.name)
      let classes = targets.flatMap { target in
        target.labels.map { single ? $0 : "\(target.name):\($0)" }
      }
      output += (names + classes).joined(separator: "\t") + "\n"
    }
    for row in 0..<corpus.rowCount {
      var labels: [String] = []
      var scores: [String] = []
      for target in targets {
        let classes = target.labels.count
        let values = probabilities[target.name]!.scalars[(row * classes)..<((row + 1) * classes)]
        let best = values.indices.max { values[$0] < values[$1] }! - row * classes
        labels.append(target.labels[best])
        scores += values.map { String(format: "%.6f", $0) }
      }
      output += (labels + scores).joined(separator: "\t") + "\n"
    }
    FileHandle.standardOutput.write(Data(output.utf8))
  }
}
