// Any C function as a loss: build an ordinary C library (hinge.c, no LossKit header), declare
// its function in C syntax, and LossKit calls it through libffi, element by element, with its
// `_grad` function as the derivative. Pass the path of an already built libhinge.so to skip
// compiling.
import Foundation
import LossKit

let here = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
var path = CommandLine.arguments.dropFirst().first
if path == nil {
  let output = FileManager.default.temporaryDirectory.appendingPathComponent("libhinge-example.so")
  let compiler = Process()
  compiler.executableURL = URL(fileURLWithPath: "/usr/bin/env")
  compiler.arguments = [
    "cc", "-shared", "-fPIC", "-O2", "-o", output.path, here.appendingPathComponent("hinge.c").path,
  ]
  try compiler.run()
  compiler.waitUntilExit()
  guard compiler.terminationStatus == 0 else {
    print("Could not compile hinge.c with `cc`; build it yourself and pass its path.")
    exit(1)
  }
  path = output.path
}

var registry = LossRegistry.standard
try ForeignLoss.register(  // one line
  "\(path!):double smooth_hinge(double prediction, double target, double margin=1)",
  into: &registry)
print(registry.entry(named: "smooth_hinge")!.summary)

// A 3-class output with class-index targets: averaged over every class's one-vs-rest hinge.
let logits = try Tensor(shape: [4, 3], scalars: [2, -1, 0.5, -0.3, 1.2, 0, 0, 0, 3, 1, 1, -2])
let labels = Targets(classIndices: [0, 1, 2, 0], sampleWeights: [1, 1, 2, 0.5])
for margin in [1.0, 0.5] {
  let loss = try registry.makeLoss(named: "smooth_hinge", parameters: ["margin": .number(margin)])
  let result = try loss(logits, labels)
  let gradient = result.gradients["logits"]!.scalars.prefix(3).map { String(format: "%.4f", $0) }
  print(
    String(format: "margin %.1f: loss %.5f, gradient of the first row ", margin, result.value)
      + "\(gradient)")
}

// Composed with a built-in loss and saved by name; the provenance finds the library again.
let loss = 0.5 * FocalLoss() + 0.5 * (try registry.makeLoss(named: "smooth_hinge") as! ForeignLoss)
print("Spec:", try JSONValue(encoding: LossSpec(loss)).compactText)
let recorded = LossLibraries.provenances(of: loss)
print("Provenance:", try JSONValue(encoding: recorded).compactText)
var fresh = LossRegistry.standard
let folder = URL(fileURLWithPath: path!).deletingLastPathComponent()
try LossLibraries.resolve(recorded, searching: [folder], into: &fresh)
print("Rebuilt from the spec in a fresh registry:", try fresh.makeLoss(from: LossSpec(loss)).label)
