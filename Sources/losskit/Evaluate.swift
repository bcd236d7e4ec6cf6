import ArgumentParser
import Foundation
import LossKit

/// `losskit evaluate`: the classification report of a saved model on labelled data.
struct Evaluate: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Report how a saved model classifies labelled .ann or CSV data.")

  @OptionGroup var input: ModelDataOptions
  @OptionGroup var storeOptions: StoreOptions

  @Flag(name: .long, help: "Print one JSON object: classes (precision, recall, f1, support), macro_f1, confusion.")
  var json = false

  func run() throws {
    let classifier = try SavedModel.load(from: storeOptions.modelStore.location(of: input.model), registry: nil)
    let loaded = try LoadedData.load(
      input.data, collapsing: classifier.configuration.collapsing, labelColumn: input.labelColumn)
    let report = try classifier.evaluate(try classifier.corpus(loaded))
    print(json ? try ReportJSON.text(report) : report.text)
  }
}
