// A loss written in C, loaded at run time: build the example plugin (plugin/brier.c, ABI 2)
// with the system C compiler, register its loss through the C ABI, and train with it composed
// with a built-in loss. Pass the path of an already built plugin to skip compiling.
import Foundation
import LossKit

let here = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
let repository = here.deletingLastPathComponent().deletingLastPathComponent()
var path = CommandLine.arguments.dropFirst().first
if path == nil {
  let output = FileManager.default.temporaryDirectory.appendingPathComponent("libbrier-example.so")
  let compiler = Process()
  compiler.executableURL = URL(fileURLWithPath: "/usr/bin/env")
  compiler.arguments = [
    "cc", "-shared", "-fPIC", "-O2", "-I",
    repository.appendingPathComponent("Sources/CLossKitPlugin/include").path,
    "-o", output.path, here.appendingPathComponent("plugin/brier.c").path, "-lm",
  ]
  try compiler.run()
  compiler.waitUntilExit()
  guard compiler.terminationStatus == 0 else {
    print("Could not compile plugin/brier.c with `cc`; build it yourself and pass its path.")
    exit(1)
  }
  path = output.path
}

var registry = Registry.standard
let library = try NativeLossPlugin.open(path: path!)
try library.register(into: &registry.losses)
print("Loaded \(library.path): \(library.lossNames.joined(separator: ", "))")
print("  " + registry.losses.entry(named: "brier")!.summary)
print(
  "  \(library.provenance.library), ABI \(library.provenance.abiVersion!), "
    + "sha256 \(library.provenance.sha256)"
)

var options = LineClassifierConfiguration()
options.model = "mlp"
options.trainer.epochs = 3
options.modelOptions = ["hiddenSize": 32]
options.featurizer.buckets = 1 << 14
options.loss = LossConfiguration(expression: "0.5*focal+0.5*brier")
let classifier = try LineClassifier(options, registry: registry)
let result = try classifier.fit(
  training: SyntheticPages(pages: 12, linesPerPage: 200, seed: 1).documents(),
  test: SyntheticPages(pages: 6, linesPerPage: 200, seed: 2).documents(),
  observer: ProgressPrinter(style: .lines))
print(
  String(
    format: "Test macro F1 %.4f, calibration error %.4f", result.testStatistics["macro_f1"]!,
    result.testStatistics["ece"]!))
