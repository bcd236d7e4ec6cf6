import Foundation
import LossKitCore
import Testing

@Suite struct VectorMathTests {
  /// Values from −100 to 100 plus edge cases, sixteen at a time.
  func sweep(_ range: ClosedRange<Float>, count: Int = 4_096) -> [FloatVector] {
    (0..<(count / 16)).map { block in
      FloatVector((0..<16).map { lane in
        let t = Float(block * 16 + lane) / Float(count - 1)
        return range.lowerBound + t * (range.upperBound - range.lowerBound)
      })
    }
  }

  func maxRelativeError(
    _ vectors: [FloatVector], _ fast: (FloatVector) -> FloatVector, _ exact: (Double) -> Double
  ) -> Double {
    var worst = 0.0
    for v in vectors {
      let result = fast(v)
      for lane in 0..<16 {
        let want = exact(Double(v[lane]))
        guard want.isFinite, abs(want) > 1e-30 else { continue }
        worst = max(worst, abs(Double(result[lane]) - want) / abs(want))
      }
    }
    return worst
  }

  @Test func expIsAccurate() {
    #expect(maxRelativeError(sweep(-87...88), VectorMath.exp, Foundation.exp) < 5e-7)
    let edges = VectorMath.exp(FloatVector(repeating: -1e4))
    #expect(edges == .zero)
    #expect(VectorMath.exp(FloatVector(repeating: -.infinity)) == .zero)
    #expect(VectorMath.exp(FloatVector(repeating: 100))[0] == .infinity)
  }

  @Test func logIsAccurateIncludingSubnormals() {
    #expect(maxRelativeError(sweep(1e-6...1e4), VectorMath.log, Foundation.log) < 5e-7)
    let tiny = FloatVector(repeating: Float.leastNonzeroMagnitude * 1_000)
    #expect(abs(Double(VectorMath.log(tiny)[0]) - Foundation.log(Double(tiny[0]))) < 1e-4)
    #expect(VectorMath.log(.zero)[0] == -.infinity)
    #expect(VectorMath.log(FloatVector(repeating: -1))[0].isNaN)
  }

  @Test func expMinusOneAndLogOnePlusKeepSmallValues() {
    #expect(maxRelativeError(sweep(-20...5), VectorMath.expMinusOne, Foundation.expm1) < 1e-6)
    #expect(maxRelativeError(sweep(0...1), VectorMath.logOnePlus, Foundation.log1p) < 1e-6)
    let small = VectorMath.logOnePlus(FloatVector(repeating: 1e-10))
    #expect(abs(small[0] - 1e-10) < 1e-16)
  }

  @Test func nonFiniteFlag() {
    var flag = NonFiniteFlag()
    flag.record(FloatVector(repeating: 3e38))
    #expect(!flag.isSet)
    var values = FloatVector(repeating: 1)
    values[7] = .nan
    flag.record(values)
    #expect(flag.isSet)
  }
}

@Suite struct MatrixMultiplyTests {
  @Test("the blocked product equals the textbook one", arguments: [
    (1, 1, 1, false, false), (7, 9, 5, false, false), (13, 17, 300, true, false),
    (50, 33, 12, false, true), (97, 100, 257, true, true), (6, 2_100, 3, false, false),
  ])
  func matchesReference(m: Int, n: Int, k: Int, transposeA: Bool, transposeB: Bool) {
    var random = SeededGenerator(seed: UInt64(m * 1_000 + n))
    let a = (0..<(m * k)).map { _ in Float(random.nextNormal()) }
    let b = (0..<(k * n)).map { _ in Float(random.nextNormal()) }
    let start = (0..<(m * n)).map { _ in Float(random.nextNormal()) }
    var c = start
    a.withUnsafeBufferPointer { a in
      b.withUnsafeBufferPointer { b in
        c.withUnsafeMutableBufferPointer { c in
          Matrix.multiply(
            a.baseAddress!, transposeA: transposeA, b.baseAddress!, transposeB: transposeB,
            into: c.baseAddress!, m: m, n: n, k: k, alpha: 0.5, beta: 2)
        }
      }
    }
    let product = Matrix.referenceMultiply(
      a, transposeA: transposeA, b, transposeB: transposeB, m: m, n: n, k: k)
    let worst = (0..<(m * n)).map {
      abs(Double(c[$0]) - (0.5 * product[$0] + 2 * Double(start[$0])))
    }.max()!
    #expect(worst < 1e-3 * Double(k).squareRoot())
  }
}

@Suite struct ParallelTests {
  @Test func sumsAreIdenticalWhateverTheScheduling() {
    let values = (0..<100_000).map { Double($0).squareRoot() }
    let first = values.withUnsafeBufferPointer { buffer in
      let base = SendablePointer(buffer.baseAddress!)
      return Parallel.sum(count: values.count, grain: 1_000) { range in
        KernelSum(sum: range.reduce(0) { $0 + base.base[$1] }, sawNonFinite: false)
      }
    }
    for _ in 0..<5 {
      let again = values.withUnsafeBufferPointer { buffer in
        let base = SendablePointer(buffer.baseAddress!)
        return Parallel.sum(count: values.count, grain: 1_000) { range in
          KernelSum(sum: range.reduce(0) { $0 + base.base[$1] }, sawNonFinite: false)
        }
      }
      #expect(again == first)
    }
  }

  @Test func seededGeneratorsRepeat() {
    var a = SeededGenerator(seed: 42)
    var b = SeededGenerator(seed: 42)
    #expect((0..<10).map { _ in a.next() } == (0..<10).map { _ in b.next() })
    #expect(a.derived(1) != a.derived(2))
  }
}
