import Foundation
import LossKitCore
import Testing

@Suite struct ScalarMathTests {
  /// `count` values evenly spread over `range`.
  func sweep(_ range: ClosedRange<Float>, count: Int = 4_096) -> [Float] {
    (0..<count).map { range.lowerBound + Float($0) / Float(count - 1) * (range.upperBound - range.lowerBound) }
  }

  func maxRelativeError(
    _ values: [Float], _ fast: (Float) -> Float, _ exact: (Double) -> Double
  ) -> Double {
    values.reduce(0) { worst, x in
      let want = exact(Double(x))
      guard want.isFinite, abs(want) > 1e-30 else { return worst }
      return max(worst, abs(Double(fast(x)) - want) / abs(want))
    }
  }

  @Test func expIsAccurate() {
    #expect(maxRelativeError(sweep(-87...88), ScalarMath.exp, Foundation.exp) < 5e-7)
    #expect(ScalarMath.exp(-1e4) == 0)
    #expect(ScalarMath.exp(-.infinity) == 0)
    #expect(ScalarMath.exp(100) == .infinity)
  }

  @Test func logIsAccurateIncludingSubnormals() {
    #expect(maxRelativeError(sweep(1e-6...1e4), ScalarMath.log, Foundation.log) < 5e-7)
    let tiny = Float.leastNonzeroMagnitude * 1_000
    #expect(abs(Double(ScalarMath.log(tiny)) - Foundation.log(Double(tiny))) < 1e-4)
    #expect(ScalarMath.log(0) == -.infinity)
    #expect(ScalarMath.log(-1).isNaN)
    #expect(ScalarMath.log(.infinity) == .infinity)
  }

  @Test func expMinusOneAndLogOnePlusKeepSmallValues() {
    #expect(maxRelativeError(sweep(-20...5), ScalarMath.expMinusOne, Foundation.expm1) < 1e-6)
    #expect(maxRelativeError(sweep(0...1), { ScalarMath.logOnePlus($0) }, Foundation.log1p) < 1e-6)
    #expect(abs(ScalarMath.logOnePlus(1e-10) - 1e-10) < 1e-16)
  }

  @Test func nonFiniteBitAndSum() {
    #expect(ScalarMath.nonFiniteBit(3e38) == 0)
    #expect(ScalarMath.nonFiniteBit(.nan) == 1 && ScalarMath.nonFiniteBit(-.infinity) == 1)
    let values = (0..<37).map(Float.init)
    #expect(values.withUnsafeBufferPointer { ScalarMath.sum($0.baseAddress!, count: 37) } == 666)
  }
}

@Suite struct VectorMathTests {
  /// `count` values evenly spread over `range`, a multiple of 16.
  func sweep(_ range: ClosedRange<Float>, count: Int = 4_096) -> [Float] {
    (0..<count).map { range.lowerBound + Float($0) / Float(count - 1) * (range.upperBound - range.lowerBound) }
  }

  /// `fast` applied 16 lanes at a time.
  func apply(_ values: [Float], _ fast: (FloatVector) -> FloatVector) -> [Float] {
    stride(from: 0, to: values.count, by: 16).flatMap { start in
      let result = fast(FloatVector(values[start..<(start + 16)]))
      return (0..<16).map { result[$0] }
    }
  }

  func maxRelativeError(
    _ values: [Float], _ fast: (FloatVector) -> FloatVector, _ exact: (Double) -> Double
  ) -> Double {
    zip(values, apply(values, fast)).reduce(0) { worst, pair in
      let want = exact(Double(pair.0))
      guard want.isFinite, abs(want) > 1e-30 else { return worst }
      return max(worst, abs(Double(pair.1) - want) / abs(want))
    }
  }

  @Test func expIsAccurateAndSaturates() {
    #expect(maxRelativeError(sweep(-87...88), VectorMath.exp, Foundation.exp) < 3e-7)
    let special = apply([-1e4, -.infinity, 100, .nan] + Array(repeating: 0, count: 12), VectorMath.exp)
    #expect(special[0] == 0 && special[1] == 0 && special[2] == .infinity && special[3].isNaN)
    #expect(special[4] == 1)
  }

  @Test("exp of non-positive arguments: 2 ulp down to −87.3, then a tiny normal number")
  func expOfNonPositive() {
    #expect(maxRelativeError(sweep(-87.3...0), VectorMath.expOfNonPositive, Foundation.exp) < 3e-7)
    let special = apply(
      [-1e4, -.infinity, .nan, 0] + Array(repeating: -1, count: 12), VectorMath.expOfNonPositive)
    #expect(special[0] > 0 && special[0] < 1.3e-38 && special[1] == special[0])
    #expect(special[2].isNaN && special[3] == 1)
  }

  @Test func expMinusOneKeepsSmallValues() {
    #expect(maxRelativeError(
      sweep(-20...0), VectorMath.expMinusOneOfNonPositive, Foundation.expm1) < 1e-6)
    let small = apply(Array(repeating: -1e-9, count: 16), VectorMath.expMinusOneOfNonPositive)
    #expect(abs(Double(small[0]) + 1e-9) < 1e-16)
    #expect(apply(Array(repeating: -200, count: 16), VectorMath.expMinusOneOfNonPositive)[0] == -1)
  }

  @Test func logIsAccurateIncludingSubnormals() {
    #expect(maxRelativeError(sweep(1e-6...1e4), VectorMath.log, Foundation.log) < 3e-7)
    #expect(maxRelativeError(sweep(1...1e4), { VectorMath.logOfNormal($0) }, Foundation.log) < 3e-7)
    let tiny = Float.leastNonzeroMagnitude * 1_000
    let special = apply([tiny, 0, -1, .infinity] + Array(repeating: 1, count: 12), VectorMath.log)
    #expect(abs(Double(special[0]) - Foundation.log(Double(tiny))) < 1e-4)
    #expect(special[1] == -.infinity && special[2].isNaN && special[3] == .infinity)
    #expect(special[4] == 0)
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

  @Test("the Gram product equals the general one bit for bit and is symmetric",
        arguments: [(1, 3), (5, 1), (7, 300), (100, 33), (300, 128), (2_100, 4)])
  func gramMatchesGeneralProduct(n: Int, k: Int) {
    var random = SeededGenerator(seed: UInt64(n * 1_000 + k))
    let a = (0..<(n * k)).map { _ in Float(random.nextNormal()) }
    var general = [Float](repeating: 0, count: n * n)
    var gram = [Float](repeating: .nan, count: n * n)
    a.withUnsafeBufferPointer { a in
      general.withUnsafeMutableBufferPointer { c in
        Matrix.multiply(
          a.baseAddress!, a.baseAddress!, transposeB: true, into: c.baseAddress!, m: n, n: n,
          k: k)
      }
      gram.withUnsafeMutableBufferPointer { c in
        Matrix.gram(a.baseAddress!, into: c.baseAddress!, n: n, k: k)
      }
    }
    #expect(gram == general)
    let asymmetric = (0..<n).contains { i in
      (0..<n).contains { j in gram[i * n + j] != gram[j * n + i] }
    }
    #expect(!asymmetric)
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

@Suite struct ClassIndexScanTests {
  @Test("counts over many chunks match a plain count, with and without sample weights")
  func countsMatchAPlainCount() throws {
    var random = SeededGenerator(seed: 7)
    let labels = (0..<200_003).map { _ in
      random.next() % 10 == 0 ? Int32(-100) : Int32(random.next() % 4)
    }
    let classWeights: [Float] = [0.5, 1, 2, 4]
    let scan = try labels.withUnsafeBufferPointer {
      try ClassIndexScan(
        labels: $0, classes: 4, ignoreIndex: -100, rowWeights: nil, classWeights: classWeights,
        loss: "test")
    }
    let kept = labels.filter { $0 != -100 }
    #expect(scan.keptCount == kept.count)
    #expect(scan.keptWeight == Double(kept.count))
    #expect(scan.classCounts == (0..<4).map { c in kept.filter { $0 == c }.count })
    let plain = kept.reduce(0.0) { $0 + Double(classWeights[Int($1)]) }
    #expect(abs(scan.keptClassWeight - plain) < 1e-9 * plain)
    let ones = [Float](repeating: 1, count: labels.count)
    let weighted = try labels.withUnsafeBufferPointer { labels in
      try ones.withUnsafeBufferPointer {
        try ClassIndexScan(
          labels: labels, classes: 4, ignoreIndex: -100, rowWeights: $0,
          classWeights: classWeights, loss: "test")
      }
    }
    #expect(weighted.classCounts == scan.classCounts)
    #expect(weighted.keptCount == scan.keptCount)
  }

  @Test("the first out-of-range label is reported, even in a late chunk")
  func reportsTheFirstBadLabel() {
    var labels = [Int32](repeating: 1, count: 150_000)
    labels[140_000] = 7
    labels[149_999] = -3
    #expect {
      try labels.withUnsafeBufferPointer {
        _ = try ClassIndexScan(
          labels: $0, classes: 3, ignoreIndex: -100, rowWeights: nil, classWeights: nil,
          loss: "test")
      }
    } throws: { error in
      "\(error)".contains("140000") && "\(error)".contains("7")
    }
  }
}
