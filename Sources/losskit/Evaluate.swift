import ArgumentParser
import Foundation
import LossKit

/// `losskit evaluate`: the classification report of a saved model on labelled data.
struct Evaluate: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Report how a saved model classifies labelled .ann or CSV data, per head.")

  @OptionGroup var input: ModelDataOptions
  @OptionGroup var storeOptions: StoreOptions

  @Flag(name: .long, help: "Print JSON: classes (precision, recall, f1, support), macro_f1, confusion; a multi-head model prints {\"heads\": {NAME: …}}.")
  var json = false

  func run() throws {
    let trained = try storeOptions.load(input.model, for: .inference)
    let reports = try trained.evaluate(try trained.corpus(try LoadedData.load(input.data)))
    let order = trained.targets.map(\.name)
    print(json ? try Report.json(reports, order: order) : Report.text(reports, order: order))
  }
}
