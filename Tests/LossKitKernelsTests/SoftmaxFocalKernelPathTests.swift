import LossKitCore
import LossKitKernels
import Testing

/// The AVX2 twin of the softmax focal kernel (class-index targets) against the Swift one.
@Suite struct SoftmaxFocalKernelPathTests {
  struct Setting: Sendable, CustomTestStringConvertible {
    var classes: Int
    var gamma: Float
    var classWeights = false
    var rowWeights = false
    var accumulate = false
    var testDescription: String {
      "\(classes) classes, γ \(gamma)" + (classWeights ? ", α" : "")
        + (rowWeights ? ", sample weights" : "") + (accumulate ? ", adding" : "")
    }
  }

  static let settings = [
    Setting(classes: 10, gamma: 2), Setting(classes: 10, gamma: 0, classWeights: true),
    Setting(classes: 2, gamma: 1), Setting(classes: 3, gamma: 0.5, rowWeights: true),
    Setting(classes: 4, gamma: 2, accumulate: true),
    Setting(classes: 13, gamma: 2, classWeights: true, rowWeights: true, accumulate: true),
    Setting(classes: 80, gamma: 0.5, classWeights: true),
    // Rows of 32 classes and more are read along their classes in C (with a masked tail).
    Setting(classes: 80, gamma: 2, rowWeights: true, accumulate: true),
    Setting(classes: 37, gamma: 0), Setting(classes: 45, gamma: 2, classWeights: true),
  ]

  /// Runs the kernel over 263 rows (logits up to ±30, every tenth label ignored) on
  /// `instructionSet`: the loss sum, each row's loss, the gradient, whether input was bad.
  func run(_ setting: Setting, _ instructionSet: InstructionSet, badLogit: Float? = nil)
    -> (sum: Double, losses: [Float], gradient: [Float], bad: Bool)
  {
    var random = SeededGenerator(seed: UInt64(setting.classes))
    let rows = 263
    let classes = setting.classes
    var logits = (0..<(rows * classes)).map { _ in Float(random.nextNormal() * 10) }
    if let badLogit { logits[rows * classes / 2] = badLogit }
    let labels = (0..<rows).map { row in
      row % 10 == 3 ? -100 : Int32(random.next() % UInt64(classes))
    }
    let alpha = (0..<classes).map { _ in random.nextUnitFloat() + 0.1 }
    let weights = (0..<rows).map { _ in random.nextUnitFloat() }
    var losses = [Float](repeating: 0, count: rows)
    var gradient = (0..<(rows * classes)).map { Float($0 % 5) / 4 }
    let result = logits.withUnsafeBufferPointer { x in
      labels.withUnsafeBufferPointer { y in
        alpha.withUnsafeBufferPointer { alpha in
          weights.withUnsafeBufferPointer { w in
            losses.withUnsafeMutableBufferPointer { perSample in
              gradient.withUnsafeMutableBufferPointer { g in
                var kernel = SoftmaxFocalKernel(
                  logits: x.baseAddress!, rows: rows, classes: classes,
                  classIndices: y.baseAddress!)
                kernel.gamma = setting.gamma
                kernel.classWeights = setting.classWeights ? alpha.baseAddress! : nil
                kernel.rowWeights = setting.rowWeights ? w.baseAddress! : nil
                kernel.gradient = g.baseAddress!
                kernel.gradientScale = 0.5
                kernel.accumulate = setting.accumulate
                kernel.perSample = perSample.baseAddress!
                kernel.instructionSet = instructionSet
                return kernel.run()
              }
            }
          }
        }
      }
    }
    return (result.sum, losses, gradient, result.sawNonFinite)
  }

  static func close(_ a: [Float], _ b: [Float], relative: Float) -> Bool {
    zip(a, b).allSatisfy { abs($0 - $1) <= 1e-6 + relative * abs($1) }
  }

  @Test(
    "the AVX2 kernel matches the Swift kernel row by row",
    .enabled(if: InstructionSet.available.contains(.avx2)), arguments: settings)
  func avx2MatchesPortable(_ setting: Setting) {
    let portable = run(setting, .portable)
    let avx2 = run(setting, .avx2)
    #expect(!portable.bad && !avx2.bad)
    #expect(abs(avx2.sum - portable.sum) <= 1e-6 + 1e-5 * abs(portable.sum))
    #expect(Self.close(avx2.losses, portable.losses, relative: 1e-5))
    #expect(Self.close(avx2.gradient, portable.gradient, relative: 1e-4))
  }

  @Test(
    "the AVX2 kernel flags NaN and infinite logits",
    .enabled(if: InstructionSet.available.contains(.avx2)),
    arguments: [Float.nan, .infinity, -.infinity])
  func avx2FlagsBadLogits(_ logit: Float) {
    for classes in [3, 10] {
      #expect(run(Setting(classes: classes, gamma: 2), .avx2, badLogit: logit).bad)
    }
  }
}
