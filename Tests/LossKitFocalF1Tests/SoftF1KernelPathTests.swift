import LossKitCore
import LossKitKernels
import LossKitTesting
import Testing

@testable import LossKitFocalF1

/// The AVX2 twin of the soft F1 kernel against the Swift one (the portable path).
@Suite struct SoftF1KernelPathTests {
  struct Setting: Sendable, CustomTestStringConvertible {
    var classes: Int
    var focal: [Int]
    var weighted = false
    var ignored = 0.0
    var accumulate = false
    var testDescription: String {
      "\(classes) classes, focal \(focal)" + (weighted ? ", row weights" : "")
        + (ignored > 0 ? ", ignored rows" : "") + (accumulate ? ", adding" : "")
    }
  }

  static let settings = [
    Setting(classes: 3, focal: [0, 1]),
    Setting(classes: 3, focal: [2, 0], weighted: true, ignored: 0.1),
    Setting(classes: 3, focal: [1], ignored: 0.2, accumulate: true),
    Setting(classes: 2, focal: [1], weighted: true),
    Setting(classes: 5, focal: [4, 0, 2], ignored: 0.1, accumulate: true),
    Setting(classes: 7, focal: [3], weighted: true, ignored: 0.1),
    Setting(classes: 40, focal: [0, 17, 39], weighted: true, ignored: 0.05),
  ]

  /// Runs both passes on `instructionSet`: the counts, the non-finite flag and the gradient.
  func run(_ setting: Setting, _ instructionSet: InstructionSet, logits: [Float]? = nil)
    -> (counts: [Double], bad: Bool, gradient: [Float])
  {
    var data = TestData(seed: 17)
    // Several chunks at 3 classes, and a last block of fewer than 8 rows.
    let rows = 30_011
    let logits = logits ?? data.normal([rows, setting.classes], scale: 4).scalars
    let labels = data.labels(rows, classes: setting.classes, ignored: setting.ignored)
    let weights = data.weights(rows)
    var gradient = (0..<logits.count).map { Float($0 % 7) / 6 }
    return logits.withUnsafeBufferPointer { x in
      labels.withUnsafeBufferPointer { y in
        weights.withUnsafeBufferPointer { w in
          gradient.withUnsafeMutableBufferPointer { g in
            var kernel = SoftF1Kernel(
              logits: x.baseAddress!, labels: y.baseAddress!,
              rowWeights: setting.weighted ? w.baseAddress! : nil, rows: rows,
              classes: setting.classes, focalClasses: setting.focal,
              ignoreIndex: Targets.defaultIgnoreIndex)
            kernel.instructionSet = instructionSet
            let (counts, bad) = kernel.counts(
              probabilities: setting.accumulate ? nil : g.baseAddress!)
            let (_, slopes) = FocalF1Loss.softF1(counts, epsilon: 1e-7)
            kernel.writeGradient(
              slopes, scale: 0.5, into: g.baseAddress!, accumulate: setting.accumulate)
            let flat = zip(counts.truePositives, zip(counts.predicted, counts.actual))
              .flatMap { [$0, $1.0, $1.1] }
            return (flat, bad, Array(g))
          }
        }
      }
    }
  }

  @Test(
    "the AVX2 kernel matches the Swift kernel in counts and gradient",
    .enabled(if: InstructionSet.available.contains(.avx2)), arguments: settings)
  func avx2MatchesPortable(_ setting: Setting) {
    let portable = run(setting, .portable)
    let avx2 = run(setting, .avx2)
    #expect(!portable.bad && !avx2.bad)
    let counts = mismatches(avx2.counts, portable.counts, relative: 1e-5, absolute: 1e-6)
    #expect(counts.isEmpty, "\(counts.prefix(3))")
    // The gradient's entries are O(1/N); differences of p_j·(h_j − Σ p·h) are judged on its scale.
    let scale = portable.gradient.map { Double(abs($0)) }.max()!
    let gradient = mismatches(
      avx2.gradient.map(Double.init), portable.gradient.map(Double.init), relative: 1e-4,
      absolute: 1e-5 * scale)
    #expect(gradient.isEmpty, "\(gradient.prefix(3))")
  }

  @Test(
    "the AVX2 kernel flags NaN and infinite logits, in whole and padded blocks",
    .enabled(if: InstructionSet.available.contains(.avx2)),
    arguments: [Float.nan, .infinity, -.infinity])
  func avx2FlagsNonFinite(_ bad: Float) {
    let setting = Setting(classes: 3, focal: [0, 1])
    for position in [5, 3 * 30_010 + 2] {
      var logits = [Float](repeating: 0.5, count: 3 * 30_011)
      logits[position] = bad
      #expect(run(setting, .avx2, logits: logits).bad, "\(bad) at \(position)")
    }
  }
}
