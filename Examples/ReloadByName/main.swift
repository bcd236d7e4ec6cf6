// Save a model by name in a model store, then reload it by name in a fresh process and
// predict: the reload needs nothing but the name.
import Foundation
import LossKit

let arguments = CommandLine.arguments
let store = DirectoryStore(
  directory: URL(fileURLWithPath: ProcessInfo.processInfo.environment["LOSSKIT_MODELS"]
    ?? FileManager.default.temporaryDirectory.appendingPathComponent("losskit-example-store").path))

if arguments.count == 3, arguments[1] == "--reload" {
  // The fresh process: load by name (for inference, so no loss is resolved) and predict.
  let trained = try store.load(named: arguments[2], registry: .standard, for: .inference)
  let lines = [
    "Agaricus rubescens Fr., sp. nov.",
    "Pileus 3–7 cm, pale ochre, convex.",
    "The collections were examined in the herbarium.",
  ]
  let page = AnnotatedDocument(path: "new", lines: lines.enumerated().map {
    AnnotatedLine(text: $1, label: "", rawLabel: "", lineNumber: $0 + 1)
  })
  let corpus = try trained.corpus(.annotated([page]), labelled: false)
  let probabilities = try trained.probabilities(corpus)["labels"]!
  let labels = trained.targets[0].labels
  for (row, line) in lines.enumerated() {
    let scores = Array(probabilities.scalars[(row * labels.count)..<((row + 1) * labels.count)])
    let best = scores.indices.max { scores[$0] < scores[$1] }!
    print("\(labels[best])\t" + String(format: "%.3f", scores[best]) + "\t\(line)")
  }
  exit(0)
}

var options = LineClassifierConfiguration()
options.model = "logistic"
options.trainer.epochs = 6
options.optimizerOptions = ["learningRate": 0.05]
options.featurizer.buckets = 1 << 14
options.loss = LossConfiguration(
  expression: "0.5*focal+0.5*focal-f1", options: ["focalLabels": ["Nomenclature", "Description"]])
let classifier = try LineClassifier(options, registry: .standard)
let result = try classifier.fit(
  training: SyntheticPages(pages: 30, linesPerPage: 200, seed: 1).documents(),
  test: SyntheticPages(pages: 4, linesPerPage: 200, seed: 2).documents(), observer: nil)
let name = arguments.count > 1 ? arguments[1] : "example-logistic"
let trained = classifier.trained!
trained.metrics = ["test": result.testStatistics]
try store.save(trained, named: name)
print("Saved '\(name)' in \(store.directory.path)")
fflush(nil)  // show this line before the child process writes

// Reload by name in a new process (this same program, with --reload).
let child = Process()
child.executableURL = URL(fileURLWithPath: arguments[0])
child.arguments = ["--reload", name]
child.environment = ProcessInfo.processInfo.environment.merging(["LOSSKIT_MODELS": store.directory.path]) { $1 }
try child.run()
child.waitUntilExit()
exit(child.terminationStatus)
