import LossKitCore
import LossKitKernels
import LossKitTesting
import Testing

@testable import LossKitFocal

/// The AVX2 twin of the sigmoid focal kernel against the Swift one (the portable path).
@Suite struct SigmoidFocalKernelPathTests {
  struct Setting: Sendable, CustomTestStringConvertible {
    var gamma: Float
    var alpha: Float?
    var smoothing: Float = 0
    var soft = false
    /// Hard targets with a soft one every 97 elements: blocks switch form part-way.
    var mixed = false
    var weighted = false
    var accumulate = false
    var testDescription: String {
      "γ \(gamma), α \(alpha.map { "\($0)" } ?? "none"), ε \(smoothing)"
        + (soft ? ", soft targets" : "") + (mixed ? ", some soft targets" : "")
        + (weighted ? ", sample weights" : "")
        + (accumulate ? ", adding" : "")
    }
  }

  static let settings = [
    Setting(gamma: 2, alpha: 0.25), Setting(gamma: 0, alpha: nil), Setting(gamma: 1, alpha: 0.75),
    Setting(gamma: 0.5, alpha: 0.4, weighted: true), Setting(gamma: 3, alpha: nil, soft: true),
    Setting(gamma: 2, alpha: 0.25, smoothing: 0.1, accumulate: true),
    Setting(gamma: 1.5, alpha: nil, smoothing: 0.2, soft: true, weighted: true),
    Setting(gamma: 2, alpha: 0.25, mixed: true),
    Setting(gamma: 2, alpha: 0.25, mixed: true, weighted: true),
  ]

  /// Runs the kernel on `instructionSet`: the loss sum, each element's loss and the gradient.
  func run(_ setting: Setting, _ instructionSet: InstructionSet)
    -> (sum: Double, losses: [Float], gradient: [Float], bad: Bool)
  {
    var data = TestData(seed: 5)
    let rows = 263
    let rowLength = 7
    // Logits up to ±30, so some sigmoids saturate.
    let logits = data.normal([rows, rowLength], scale: 10).scalars
    var targets =
      setting.soft
      ? Tensor(shape: [rows, rowLength]) { Float($0 % 11) / 10 }.scalars
      : data.binary([rows, rowLength]).scalars
    if setting.mixed {
      for i in stride(from: 50, to: targets.count, by: 97) { targets[i] = 0.3 }
    }
    let weights = data.weights(rows)
    var losses = [Float](repeating: 0, count: logits.count)
    var gradient = (0..<logits.count).map { Float($0 % 5) / 4 }
    let result = logits.withUnsafeBufferPointer { x in
      targets.withUnsafeBufferPointer { y in
        weights.withUnsafeBufferPointer { w in
          losses.withUnsafeMutableBufferPointer { perElement in
            gradient.withUnsafeMutableBufferPointer { g in
              var kernel = SigmoidFocalKernel(
                logits: x.baseAddress!, targets: y.baseAddress!, count: logits.count,
                rowLength: rowLength, rowWeights: setting.weighted ? w.baseAddress! : nil,
                gamma: setting.gamma, alpha: setting.alpha, labelSmoothing: setting.smoothing,
                gradient: g.baseAddress!, gradientScale: 0.5, accumulate: setting.accumulate,
                perElement: perElement.baseAddress!)
              kernel.instructionSet = instructionSet
              return kernel.run()
            }
          }
        }
      }
    }
    return (result.sum, losses, gradient, result.sawNonFinite)
  }

  @Test(
    "the AVX2 kernel matches the Swift kernel element by element",
    .enabled(if: InstructionSet.available.contains(.avx2)), arguments: settings)
  func avx2MatchesPortable(_ setting: Setting) {
    let portable = run(setting, .portable)
    let avx2 = run(setting, .avx2)
    #expect(!portable.bad && !avx2.bad)
    #expect(isClose(avx2.sum, portable.sum, relative: 1e-5, absolute: 1e-6))
    let losses = mismatches(
      avx2.losses.map(Double.init), portable.losses.map(Double.init), relative: 1e-5,
      absolute: 1e-6)
    #expect(losses.isEmpty, "\(losses.prefix(3))")
    let gradient = mismatches(
      avx2.gradient.map(Double.init), portable.gradient.map(Double.init), relative: 1e-4,
      absolute: 1e-6)
    #expect(gradient.isEmpty, "\(gradient.prefix(3))")
  }

  @Test(
    "the AVX2 kernel flags non-finite logits and targets outside [0, 1]",
    .enabled(if: InstructionSet.available.contains(.avx2)), arguments: [false, true])
  func avx2FlagsBadInput(_ soft: Bool) {
    for (logit, target): (Float, Float) in [(.nan, 0), (.infinity, 1), (0, 1.5)] {
      let logits: [Float] = Array(repeating: 0.5, count: 20) + [logit] + [0.5]
      let targets: [Float] = Array(repeating: soft ? 0.5 : 1, count: 20) + [target, 0]
      var gradient = [Float](repeating: 0, count: logits.count)
      let result = logits.withUnsafeBufferPointer { x in
        targets.withUnsafeBufferPointer { y in
          gradient.withUnsafeMutableBufferPointer { g in
            var kernel = SigmoidFocalKernel(
              logits: x.baseAddress!, targets: y.baseAddress!, count: logits.count,
              rowLength: 1, rowWeights: nil, gamma: 2, alpha: 0.25, gradient: g.baseAddress!)
            kernel.instructionSet = .avx2
            return kernel.run()
          }
        }
      }
      #expect(result.sawNonFinite, "logit \(logit), target \(target)")
    }
  }
}
