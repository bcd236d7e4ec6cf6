// The seed's line classifier on the real SKOL journal pages: Nomenclature, Description and
// Misc lines. Looks for the data in $SKOL_DATA or ../shared/data/skol; runs a quick logistic
// model by default, the full BiLSTM with --full.
import Foundation
import LossKit

let environment = ProcessInfo.processInfo.environment
let candidates = [environment["SKOL_DATA"], "../shared/data/skol", "../../shared/data/skol"].compactMap { $0 }
guard let root = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) else {
  print("""
    SkolLines needs the annotated SKOL pages, which are not part of this repository.
    Set SKOL_DATA to the folder holding Mycotaxon/ and Mycologia/ (or place it at
    ../shared/data/skol) and run again. Looked in: \(candidates.joined(separator: ", "))
    """)
  exit(0)
}
let full = CommandLine.arguments.contains("--full")
var options = LineClassifierConfiguration()
options.loss = LossConfiguration(
  expression: "0.5*focal+0.5*focal-f1", options: ["focalLabels": ["Nomenclature", "Description"]])
let training: LoadedData
let test: LoadedData
if full {
  training = try LoadedData.load(["\(root)/Mycotaxon/Vol05*", "\(root)/Mycotaxon/Vol117", "\(root)/Mycotaxon/Vol118", "\(root)/Mycologia"])
  test = try LoadedData.load(["\(root)/Mycotaxon/Vol119"])
} else {
  options.model = "logistic"
  options.trainer.epochs = 4
  options.optimizerOptions = ["learningRate": 0.02]
  training = try LoadedData.load(["\(root)/Mycotaxon/Vol118"])
  test = try LoadedData.load(["\(root)/Mycotaxon/Vol119"])
}
print("Training a \(options.model) model on \(training.rowCount) lines (\(full ? "full split" : "quick run; --full for the BiLSTM on the full split"))")
let classifier = try LineClassifier(options, registry: .standard)
let result = try classifier.fit(training: training, test: test, observer: ProgressPrinter(style: .lines))
print(result.testReports["labels"]!.text)
