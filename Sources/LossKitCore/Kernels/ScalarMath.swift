/// Elementary functions on `Float` written so that LLVM's loop vectoriser turns a loop that
/// calls them into SIMD code: no calls into libm, only arithmetic, bit patterns and selects.
///
/// Why scalar: in this toolchain `+ − * /` on `SIMD8<Float>`/`SIMD16<Float>` are generic
/// per-lane loops that LLVM must re-vectorise, and in long kernels it peels lanes back into
/// scalar chains (measured: a sigmoid-focal kernel ran at 63 M elements/s per thread with
/// `SIMD8` and 110 with these functions in a plain loop; 122 vs 242 with AVX2). A loop over
/// contiguous memory whose body is this straight-line code is vectorised reliably instead.
///
/// The algorithms avoid the operations DESIGN.md measures as slow: rounding uses the 1.5·2²³
/// trick and 2ⁿ is built from its bit pattern. Accuracy is a few ulp over the stated domains.
public enum ScalarMath {
  /// `a·b + c`, fused where the build targets a CPU with FMA (`LOSSKIT_TARGET_CPU`); plain
  /// multiply and add otherwise, where a fused form would call into libm.
  @inlinable @inline(__always)
  public static func multiplyAdd(_ a: Float, _ b: Float, _ c: Float) -> Float {
    #if LOSSKIT_FMA
      return c.addingProduct(a, b)
    #else
      return a * b + c
    #endif
  }

  /// `eˣ`, accurate to about 2 ulp for `x ≤ 88`; `0` below −87.3 (no subnormal results) and
  /// `+∞` above 88.72.
  @inlinable @inline(__always)
  public static func exp(_ x: Float) -> Float {
    var clamped = x > 88 ? 88 : x
    clamped = clamped < -87.3 ? -87.3 : clamped
    // Round x·log2(e) to an integer n by adding 1.5·2²³: the sum's low mantissa bits hold n.
    let shifted = clamped * 1.442_695_04 + 12_582_912
    let n = shifted - 12_582_912
    // Cody–Waite: subtract n·ln2 in two pieces so r stays exact.
    var r = multiplyAdd(n, -0.693_359_375, clamped)
    r = multiplyAdd(n, 2.121_944_4e-4, r)
    // Estrin's scheme: independent pieces keep the dependency chain short.
    let r2 = r * r
    let high = multiplyAdd(multiplyAdd(1.987_569_15e-4, r, 1.398_199_950_7e-3), r2,
                           multiplyAdd(8.333_451_907_3e-3, r, 4.166_579_589_4e-2))
    let p = multiplyAdd(high, r2, multiplyAdd(1.666_666_545_9e-1, r, 5.000_000_120_1e-1))
    let mantissa = multiplyAdd(p, r2, r + 1)
    let exponent = Int32(bitPattern: shifted.bitPattern) &- 0x4B40_0000
    let scale = Float(bitPattern: UInt32(bitPattern: (exponent &+ 127) &<< 23))
    // Independent selects, not nested conditions or `||`: they vectorise, branches do not.
    var result = mantissa * scale
    result = x < -87.3 ? 0 : result
    result = x > 88.722_83 ? .infinity : result
    return result
  }

  /// `ln x` for `x ≥ 0` including subnormals, accurate to about 2 ulp; `−∞` at 0, NaN for
  /// negative `x`, `+∞` at `+∞`.
  @inlinable @inline(__always)
  public static func log(_ x: Float) -> Float {
    // Subnormals have no implicit leading bit: scale them by 2²³ first.
    let subnormal = x < Float.leastNormalMagnitude
    let scaled = subnormal ? x * 8_388_608 : x
    let bits = scaled.bitPattern
    // The biased exponent as a Float, without an integer→float conversion: 2²³ + e − 2²³.
    var e = Float(bitPattern: ((bits >> 23) & 0xFF) | 0x4B00_0000) - 8_388_734
    e = subnormal ? e - 23 : e
    // m in [0.5, 1); fold into [√½, √2) so the polynomial argument stays small.
    var m = Float(bitPattern: (bits & 0x007F_FFFF) | 0x3F00_0000)
    let low = m < 0.707_106_781
    e = low ? e - 1 : e
    m = (low ? m + m : m) - 1
    // P(m) = Σ cᵢ mⁱ by Estrin's scheme (depth 5 instead of 9 multiply-adds).
    let z = m * m
    let z2 = z * z
    let q0 = multiplyAdd(-2.499_999_399_3e-1, m, 3.333_333_117_4e-1)
    let q1 = multiplyAdd(-1.666_805_766_5e-1, m, 2.000_071_476_5e-1)
    let q2 = multiplyAdd(-1.242_014_084_6e-1, m, 1.424_932_278_7e-1)
    let q3 = multiplyAdd(-1.151_461_031_0e-1, m, 1.167_699_874_0e-1)
    let low4 = multiplyAdd(q1, z, q0)
    let high4 = multiplyAdd(q3, z, q2)
    let polynomial = multiplyAdd(7.037_683_629_2e-2 * z2, z2, multiplyAdd(high4, z2, low4))
    var y = polynomial * m * z
    y = multiplyAdd(e, -2.121_944_4e-4, y)
    y = multiplyAdd(z, -0.5, y)
    var result = multiplyAdd(e, 0.693_359_375, m + y)
    result = x == .infinity ? .infinity : result
    result = x < 0 ? .nan : result
    result = x == 0 ? -.infinity : result
    return result
  }

  /// `eˣ − 1` without cancellation near 0 (a Taylor polynomial for |x| < 0.5).
  @inlinable @inline(__always)
  public static func expMinusOne(_ x: Float) -> Float {
    var p: Float = 1.0 / 40_320
    p = p * x + 1.0 / 5_040
    p = p * x + 1.0 / 720
    p = p * x + 1.0 / 120
    p = p * x + 1.0 / 24
    p = p * x + 1.0 / 6
    p = p * x + 0.5
    p = p * x + 1
    let series = p * x
    let direct = exp(x) - 1
    return abs(x) < 0.5 ? series : direct
  }

  /// `ln(1 + x)` for `x ≥ 0` without losing small `x`, given `1/(1 + x)` (which kernels have
  /// anyway): `ln(u) + (x − (u − 1))/u` with `u = 1 + x` rounded, the second term restoring
  /// what the rounding of `u` lost.
  @inlinable @inline(__always)
  public static func logOnePlus(_ x: Float, reciprocalOfOnePlus: Float) -> Float {
    let u = 1 + x
    return log(u) + (x - (u - 1)) * reciprocalOfOnePlus
  }

  /// `ln(1 + x)` for `x ≥ 0` without losing small `x`.
  @inlinable @inline(__always)
  public static func logOnePlus(_ x: Float) -> Float {
    logOnePlus(x, reciprocalOfOnePlus: 1 / (1 + x))
  }

  /// 1 when `x` is NaN or infinite, else 0: OR the results of a loop together (an integer
  /// reduction, which vectorises) and test once.
  @inlinable @inline(__always)
  public static func nonFiniteBit(_ x: Float) -> UInt32 {
    (x.bitPattern & 0x7F80_0000) == 0x7F80_0000 ? 1 : 0
  }

  /// The sum of `count` floats, added in eight interleaved lanes (so the loop vectorises) and
  /// returned in `Double`.
  @inlinable
  public static func sum(_ values: UnsafePointer<Float>, count: Int) -> Double {
    var lanes = SIMD8<Float>()
    var index = 0
    while index + 8 <= count {
      lanes += UnsafeRawPointer(values + index).loadUnaligned(as: SIMD8<Float>.self)
      index += 8
    }
    var total = Double(lanes.sum())
    while index < count {
      total += Double(values[index])
      index += 1
    }
    return total
  }
}

/// `q^γ` for the focal modulating factor, specialised so that the common exponents cost a
/// multiply or nothing and only a general γ pays for `exp(γ·ln q)`.
public protocol FocalPower: SendableMetatype {
  /// Whether γ is 0, so the factor is 1 and its derivative vanishes.
  static var isZero: Bool { get }
  /// `q^γ` for `q ≥ 0`, with `0^γ = 0` for γ > 0.
  static func power(_ q: Float, gamma: Float) -> Float
  /// `q^γ` lane by lane.
  static func power(_ q: FloatVector, gamma: FloatVector) -> FloatVector
}

/// γ = 0: the factor is 1 (plain cross-entropy).
public enum FocalPowerZero: FocalPower {
  @inlinable public static var isZero: Bool { true }
  @inlinable @inline(__always)
  public static func power(_ q: Float, gamma: Float) -> Float { 1 }
  @inlinable @inline(__always)
  public static func power(_ q: FloatVector, gamma: FloatVector) -> FloatVector {
    VectorMath.splat(1)
  }
}

/// γ = 1.
public enum FocalPowerOne: FocalPower {
  @inlinable public static var isZero: Bool { false }
  @inlinable @inline(__always)
  public static func power(_ q: Float, gamma: Float) -> Float { q }
  @inlinable @inline(__always)
  public static func power(_ q: FloatVector, gamma: FloatVector) -> FloatVector { q }
}

/// γ = 2, the RetinaNet default.
public enum FocalPowerTwo: FocalPower {
  @inlinable public static var isZero: Bool { false }
  @inlinable @inline(__always)
  public static func power(_ q: Float, gamma: Float) -> Float { q * q }
  @inlinable @inline(__always)
  public static func power(_ q: FloatVector, gamma: FloatVector) -> FloatVector { q * q }
}

/// Any other γ > 0: `exp(γ·ln q)`, which is 0 at q = 0 because ln 0 = −∞.
public enum FocalPowerGeneral: FocalPower {
  @inlinable public static var isZero: Bool { false }
  @inlinable @inline(__always)
  public static func power(_ q: Float, gamma: Float) -> Float {
    ScalarMath.exp(ScalarMath.log(q) * gamma)
  }
  @inlinable @inline(__always)
  public static func power(_ q: FloatVector, gamma: FloatVector) -> FloatVector {
    VectorMath.exp(VectorMath.log(q) * gamma)
  }
}
