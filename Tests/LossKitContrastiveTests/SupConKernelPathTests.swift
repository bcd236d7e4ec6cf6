import LossKitCore
import LossKitKernels
import LossKitTesting
import Testing

@testable import LossKitContrastive

/// The AVX2 twins of SupCon's row passes against the Swift ones (the portable path).
@Suite struct SupConKernelPathTests {
  /// The loss and its gradient on `instructionSet`.
  func run(count: Int, temperature: Float, _ instructionSet: InstructionSet)
    -> (value: Double, gradient: [Float])
  {
    var data = TestData(seed: 61)
    let dimension = 12
    let embeddings = data.normal([count, dimension], scale: 1).scalars
    let labels = data.labels(count, classes: 5)
    var gradient = [Float](repeating: 0, count: count * dimension)
    let value = embeddings.withUnsafeBufferPointer { e in
      gradient.withUnsafeMutableBufferPointer { g in
        var kernel = SupConKernel(
          embeddings: e.baseAddress!, count: count, dimension: dimension, labels: labels,
          temperature: temperature)
        kernel.instructionSet = instructionSet
        return kernel.run(gradient: g.baseAddress!, scale: 0.5, accumulate: false).value
      }
    }
    return (value, gradient)
  }

  // Counts with tails of every kind: none, shorter than 8 lanes, and between 8 and 16.
  @Test(
    "the AVX2 row passes match the Swift ones",
    .enabled(if: InstructionSet.available.contains(.avx2)),
    arguments: [(64, 0.1), (37, 0.07), (203, 0.5)] as [(Int, Float)])
  func avx2MatchesPortable(count: Int, temperature: Float) {
    let portable = run(count: count, temperature: temperature, .portable)
    let avx2 = run(count: count, temperature: temperature, .avx2)
    #expect(isClose(avx2.value, portable.value, relative: 1e-5, absolute: 1e-6))
    let gradient = mismatches(
      avx2.gradient.map(Double.init), portable.gradient.map(Double.init), relative: 1e-4,
      absolute: 1e-6)
    #expect(gradient.isEmpty, "\(gradient.prefix(3))")
  }
}
