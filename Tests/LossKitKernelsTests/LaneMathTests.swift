import Foundation
import LossKitKernels
import Testing

/// One elementary function of ``LaneMath``, applied through either of its lane types, so every
/// accuracy test runs on the scalar and the vector spelling alike.
struct LaneFunction: Sendable, CustomTestStringConvertible {
  let testDescription: String
  let apply: @Sendable ([Float]) -> [Float]

  /// `function` on single `Float`s.
  static func scalar(_ name: String, _ function: @escaping @Sendable (Float) -> Float)
    -> LaneFunction
  {
    LaneFunction(testDescription: "scalar \(name)") { $0.map(function) }
  }

  /// `function` on 16 lanes at a time (`values.count` a multiple of 16).
  static func vector(
    _ name: String, _ function: @escaping @Sendable (FloatVector) -> FloatVector
  ) -> LaneFunction {
    LaneFunction(testDescription: "vector \(name)") { values in
      stride(from: 0, to: values.count, by: 16).flatMap { start in
        let result = function(FloatVector(values[start..<(start + 16)]))
        return (0..<16).map { result[$0] }
      }
    }
  }

  /// `apply` on `values` padded to a whole vector with `fill`.
  func callAsFunction(_ values: [Float], fill: Float = 0) -> [Float] {
    let padding = (16 - values.count % 16) % 16
    return Array(apply(values + Array(repeating: fill, count: padding)).prefix(values.count))
  }
}

@Suite struct LaneMathTests {
  /// 4096 values evenly spread over `range`.
  func sweep(_ range: ClosedRange<Float>) -> [Float] {
    (0..<4_096).map {
      range.lowerBound + Float($0) / 4_095 * (range.upperBound - range.lowerBound)
    }
  }

  func maxRelativeError(
    _ values: [Float], _ function: LaneFunction, _ exact: (Double) -> Double
  ) -> Double {
    zip(values, function(values)).reduce(0) { worst, pair in
      let want = exact(Double(pair.0))
      guard want.isFinite, abs(want) > 1e-30 else { return worst }
      return max(worst, abs(Double(pair.1) - want) / abs(want))
    }
  }

  @Test(
    "exp: 2 ulp up to 88, then saturates",
    arguments: [LaneFunction.scalar("exp", ScalarMath.exp), .vector("exp", VectorMath.exp)])
  func exp(_ exp: LaneFunction) {
    #expect(maxRelativeError(sweep(-87...88), exp, Foundation.exp) < 3e-7)
    let special = exp([-1e4, -.infinity, 100, .nan, 0])
    #expect(special[0] == 0 && special[1] == 0 && special[2] == .infinity && special[3].isNaN)
    #expect(special[4] == 1)
  }

  @Test(
    "exp of non-positive arguments: 2 ulp down to −87.3, then a tiny normal number",
    arguments: [
      LaneFunction.scalar("expOfNonPositive", ScalarMath.expOfNonPositive),
      .vector("expOfNonPositive", VectorMath.expOfNonPositive),
    ])
  func expOfNonPositive(_ exp: LaneFunction) {
    #expect(maxRelativeError(sweep(-87.3...0), exp, Foundation.exp) < 3e-7)
    let special = exp([-1e4, -.infinity, .nan, 0])
    #expect(special[0] > 0 && special[0] < 1.3e-38 && special[1] == special[0])
    #expect(special[2].isNaN && special[3] == 1)
  }

  @Test(
    "exp − 1 keeps small values",
    arguments: [
      LaneFunction.scalar("expMinusOne", ScalarMath.expMinusOneOfNonPositive),
      .vector("expMinusOne", VectorMath.expMinusOneOfNonPositive),
    ])
  func expMinusOne(_ expMinusOne: LaneFunction) {
    #expect(maxRelativeError(sweep(-20...0), expMinusOne, Foundation.expm1) < 1e-6)
    let small = expMinusOne([-1e-9, -200])
    #expect(abs(Double(small[0]) + 1e-9) < 1e-16)
    #expect(small[1] == -1)
  }

  @Test(
    "log: 2 ulp including subnormals, and its special values",
    arguments: [LaneFunction.scalar("log", ScalarMath.log), .vector("log", VectorMath.log)])
  func log(_ log: LaneFunction) {
    #expect(maxRelativeError(sweep(1e-6...1e4), log, Foundation.log) < 3e-7)
    let tiny = Float.leastNonzeroMagnitude * 1_000
    let special = log([tiny, 0, -1, .infinity, 1], fill: 1)
    #expect(abs(Double(special[0]) - Foundation.log(Double(tiny))) < 1e-4)
    #expect(special[1] == -.infinity && special[2].isNaN && special[3] == .infinity)
    #expect(special[4] == 0)
  }

  @Test(
    "log of normal numbers skips the special cases, not accuracy",
    arguments: [
      LaneFunction.scalar("logOfNormal") { ScalarMath.logOfNormal($0) },
      .vector("logOfNormal") { VectorMath.logOfNormal($0) },
    ])
  func logOfNormal(_ log: LaneFunction) {
    #expect(maxRelativeError(sweep(1...1e4), log, Foundation.log) < 3e-7)
  }

  @Test(
    "log of one plus a unit value is accurate relative to the result, also near 0",
    arguments: [
      LaneFunction.scalar("logOnePlusOfUnit", ScalarMath.logOnePlusOfUnit),
      .vector("logOnePlusOfUnit", VectorMath.logOnePlusOfUnit),
    ])
  func logOnePlusOfUnit(_ logOnePlus: LaneFunction) {
    #expect(maxRelativeError(sweep(0...1), logOnePlus, Foundation.log1p) < 2.5e-7)
    let tiny: [Float] = [1e-38, 1e-20, 3e-8, 1e-4]
    #expect(maxRelativeError(tiny, logOnePlus, Foundation.log1p) < 2.5e-7)
  }

  @Test func sumAddsEveryValueInDouble() {
    let values = (0..<37).map(Float.init)
    #expect(values.withUnsafeBufferPointer { ScalarMath.sum($0.baseAddress!, count: 37) } == 666)
  }

  @Test func nonFiniteInputsAreFlagged() {
    var flag = FloatVector()
    VectorMath.flagNonFinite(VectorMath.splat(3e38), into: &flag)
    #expect(!flag.sum().isNaN)
    var input = VectorMath.splat(1)
    input[5] = -.infinity
    VectorMath.flagNonFinite(input, into: &flag)
    #expect(flag.sum().isNaN)
  }
}
