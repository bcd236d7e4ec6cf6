/// The SIMD width LossKit's kernels use: sixteen `Float` lanes.
public typealias FloatVector = SIMD16<Float>

/// Elementary functions on ``FloatVector`` built only from operations that compile to
/// vector instructions on x86-64 without SSE4.1: arithmetic, comparisons with
/// `replacing(with:where:)`, bit casts, integer shifts and masks.
///
/// The standard library's `clamped`, `rounded` and float→integer vector conversions compile to
/// per-lane scalar code on this target and cost up to 100× more (see DESIGN.md); these
/// functions avoid them by rounding with the 1.5·2²³ trick and building 2ⁿ from bit patterns.
/// Accuracy is a few ulp of `Float` over the domains stated on each function.
public enum VectorMath {
  /// `eˣ`, accurate to about 2 ulp for `x ≤ 88`; `0` below −87.3 (no subnormal results) and
  /// `+∞` above 88.72.
  @inlinable @inline(__always)
  public static func exp(_ x: FloatVector) -> FloatVector {
    var clamped = x.replacing(with: 88, where: x .> 88)
    clamped = clamped.replacing(with: -87.3, where: clamped .< -87.3)
    // Round x·log2(e) to an integer n by adding 1.5·2²³: the sum's low mantissa bits hold n.
    let shifted: FloatVector = clamped * 1.442_695_04 + 12_582_912
    let n: FloatVector = shifted - 12_582_912
    // Cody–Waite: subtract n·ln2 in two pieces so r stays exact.
    var r: FloatVector = clamped - n * 0.693_359_375
    r = r + n * 2.121_944_4e-4
    var p: FloatVector = FloatVector(repeating: 1.987_569_15e-4)
    p = p * r + 1.398_199_950_7e-3
    p = p * r + 8.333_451_907_3e-3
    p = p * r + 4.166_579_589_4e-2
    p = p * r + 1.666_666_545_9e-1
    p = p * r + 5.000_000_120_1e-1
    let r2: FloatVector = r * r
    let mantissa: FloatVector = p * r2 + r + 1
    let exponent = unsafeBitCast(shifted, to: SIMD16<Int32>.self) &- 0x4B40_0000
    let scale = unsafeBitCast((exponent &+ 127) &<< 23, to: FloatVector.self)
    var result: FloatVector = mantissa * scale
    result = result.replacing(with: 0, where: x .< -87.3)
    return result.replacing(with: .infinity, where: x .> 88.722_83)
  }

  /// `ln x` for `x ≥ 0` including subnormals, accurate to about 2 ulp; `−∞` at 0, NaN for
  /// negative `x`, `+∞` at `+∞`.
  @inlinable @inline(__always)
  public static func log(_ x: FloatVector) -> FloatVector {
    // Subnormals have no implicit leading bit: scale them by 2²³ first.
    let subnormal = x .< Float.leastNormalMagnitude
    let scaled = x.replacing(with: x * 8_388_608, where: subnormal)
    let bits = unsafeBitCast(scaled, to: SIMD16<Int32>.self)
    var e = FloatVector((bits &>> 23) &- 126)
    e = e.replacing(with: e - 23, where: subnormal)
    // m in [0.5, 1); fold into [√½, √2) so the polynomial argument stays small.
    var m = unsafeBitCast((bits & 0x007F_FFFF) | 0x3F00_0000, to: FloatVector.self)
    let low = m .< 0.707_106_781
    e = e.replacing(with: e - 1, where: low)
    m = m.replacing(with: m + m, where: low) - 1
    let z: FloatVector = m * m
    var y = FloatVector(repeating: 7.037_683_629_2e-2)
    y = y * m - 1.151_461_031_0e-1
    y = y * m + 1.167_699_874_0e-1
    y = y * m - 1.242_014_084_6e-1
    y = y * m + 1.424_932_278_7e-1
    y = y * m - 1.666_805_766_5e-1
    y = y * m + 2.000_071_476_5e-1
    y = y * m - 2.499_999_399_3e-1
    y = y * m + 3.333_333_117_4e-1
    y = y * m * z
    y = y + e * -2.121_944_4e-4
    y = y - z * 0.5
    var result: FloatVector = m + y + e * 0.693_359_375
    result = result.replacing(with: -.infinity, where: x .== 0)
    result = result.replacing(with: .nan, where: x .< 0)
    return result.replacing(with: .infinity, where: x .== .infinity)
  }

  /// `eˣ − 1` without cancellation near 0 (a Taylor polynomial for |x| < 0.5).
  @inlinable @inline(__always)
  public static func expMinusOne(_ x: FloatVector) -> FloatVector {
    var p = FloatVector(repeating: 1.0 / 40_320)
    p = p * x + 1.0 / 5_040
    p = p * x + 1.0 / 720
    p = p * x + 1.0 / 120
    p = p * x + 1.0 / 24
    p = p * x + 1.0 / 6
    p = p * x + 0.5
    p = p * x + 1
    let series: FloatVector = p * x
    let direct: FloatVector = exp(x) - 1
    return direct.replacing(with: series, where: magnitude(x) .< 0.5)
  }

  /// `ln(1 + x)` for `x ≥ 0` without losing small `x` (Goldberg's correction).
  @inlinable @inline(__always)
  public static func logOnePlus(_ x: FloatVector) -> FloatVector {
    let u: FloatVector = 1 + x
    let d: FloatVector = u - 1
    let corrected: FloatVector = log(u) * (x / d)
    return corrected.replacing(with: x, where: d .== 0)
  }

  /// `|x|` by clearing the sign bit.
  @inlinable @inline(__always)
  public static func magnitude(_ x: FloatVector) -> FloatVector {
    unsafeBitCast(unsafeBitCast(x, to: SIMD16<UInt32>.self) & 0x7FFF_FFFF, to: FloatVector.self)
  }

  /// The lane-wise larger of two vectors (NaN handling aside), without `pointwiseMax`.
  @inlinable @inline(__always)
  public static func maximum(_ a: FloatVector, _ b: FloatVector) -> FloatVector {
    a.replacing(with: b, where: b .> a)
  }

  /// Bits that record non-finite lanes: OR the result into an accumulator and test it with
  /// ``NonFiniteFlag/isSet``.
  @inlinable @inline(__always)
  public static func nonFiniteBits(_ x: FloatVector) -> SIMD16<UInt32> {
    // An all-ones exponent (inf or NaN) plus one exponent step carries into the sign bit.
    (unsafeBitCast(x, to: SIMD16<UInt32>.self) & 0x7F80_0000) &+ 0x0080_0000
  }

  /// Loads 16 values `stride` apart (one column of a 16-row block).
  @inlinable @inline(__always)
  public static func gather(_ base: UnsafePointer<Float>, stride: Int) -> FloatVector {
    FloatVector(
      base[0], base[stride], base[2 * stride], base[3 * stride], base[4 * stride],
      base[5 * stride], base[6 * stride], base[7 * stride], base[8 * stride], base[9 * stride],
      base[10 * stride], base[11 * stride], base[12 * stride], base[13 * stride],
      base[14 * stride], base[15 * stride])
  }

  /// Stores 16 lanes `stride` apart, adding to what is there when `accumulate` is set.
  @inlinable @inline(__always)
  public static func scatter(
    _ value: FloatVector, to base: UnsafeMutablePointer<Float>, stride: Int, accumulate: Bool
  ) {
    if accumulate {
      for lane in 0..<16 { base[lane * stride] += value[lane] }
    } else {
      for lane in 0..<16 { base[lane * stride] = value[lane] }
    }
  }
}

/// An accumulator for ``VectorMath/nonFiniteBits(_:)``.
public struct NonFiniteFlag {
  /// The OR of every recorded lane's bits.
  public var bits = SIMD16<UInt32>(repeating: 0)

  /// An empty flag.
  @inlinable public init() {}

  /// Records the lanes of `x`.
  @inlinable @inline(__always)
  public mutating func record(_ x: FloatVector) {
    bits |= VectorMath.nonFiniteBits(x)
  }

  /// Whether any recorded lane was NaN or infinite.
  @inlinable public var isSet: Bool { (bits & 0x8000_0000).max() != 0 }
}
