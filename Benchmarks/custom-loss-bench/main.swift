// losskit-custom-bench: what each route to a custom loss costs per element, in release mode.
//
//   swift run -c release losskit-custom-bench [rows]
//
// One smooth hinge (margin 1) over dense 0/1 targets [rows, 10], value and gradient, through:
// a Swift type (one fused loop), the C plugin ABI (a loop in C), a foreign function through
// libffi (two calls per element), the same element-wise loop with a Swift closure instead of
// libffi, and a differentiable Swift function (LossKitDifferentiable).
// Every route's value is checked against the Swift type's first. Needs `cc` to build the C.
import Dispatch
import Foundation
import LossKit

let here = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
let repository = here.deletingLastPathComponent().deletingLastPathComponent()
let rows = CommandLine.arguments.dropFirst().first.flatMap { Int($0) } ?? 100_000
let library = FileManager.default.temporaryDirectory
  .appendingPathComponent("libsmooth-hinge-bench-\(getpid()).so")
let compiler = Process()
compiler.executableURL = URL(fileURLWithPath: "/usr/bin/env")
compiler.arguments = [
  "cc", "-shared", "-fPIC", "-O2", "-I",
  repository.appendingPathComponent("Sources/CLossKitPlugin/include").path,
  "-o", library.path, here.appendingPathComponent("smooth_hinge.c").path,
]
try compiler.run()
compiler.waitUntilExit()
guard compiler.terminationStatus == 0 else {
  print("cc could not compile smooth_hinge.c")
  exit(1)
}

var registry = LossRegistry.standard
try NativeLossPlugin.load(path: library.path, into: &registry)
try ForeignLoss.register(
  "\(library.path):double smooth_hinge(double prediction, double target, double margin=1)",
  into: &registry)

var random = SeededGenerator(seed: 7)
let shape = [rows, 10]
let logits = Tensor(shape: shape) { _ in Float(random.nextNormal() * 2) }
let targets = Targets(dense: Tensor(shape: shape) { _ in random.nextUnitFloat() < 0.3 ? 1 : 0 })
let routes: [(String, any Loss)] = [
  ("Swift type (fused loop)", SwiftSmoothHinge()),
  ("C plugin ABI 2 (loop in C)", try registry.makeLoss(named: "smooth_hinge_plugin")),
  ("foreign function (libffi)", try registry.makeLoss(named: "smooth_hinge")),
  ("  same loop, Swift closure", ClosureSmoothHinge()),
  ("differentiable Swift function", DifferentiableSmoothHinge()),
]

print("route                           ns/element   Melem/s   (\(rows)×10, median of 7)")
var reference: Double?
for (name, loss) in routes {
  var gradients = GradientBuffers()
  var times: [Double] = []
  var value = 0.0
  for _ in 0..<8 {
    gradients.reset()
    let start = DispatchTime.now().uptimeNanoseconds
    value = try loss.evaluate(
      ["logits": logits], ["labels": targets], scale: 1, gradients: &gradients
    ).value
    times.append(Double(DispatchTime.now().uptimeNanoseconds - start))
  }
  if let reference, abs(value - reference) > 1e-6 * abs(reference) {
    print("MISMATCH: \(name) gives \(value), the Swift type \(reference)")
    exit(1)
  }
  reference = reference ?? value
  let median = times.dropFirst().sorted()[3] / Double(logits.count)
  print(
    name.padding(toLength: 32, withPad: " ", startingAt: 0)
      + String(format: "%10.2f %9.1f", median, 1e3 / median))
}
try? FileManager.default.removeItem(at: library)
