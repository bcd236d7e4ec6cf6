/// Sixteen `Float` lanes: the vector type of LossKit's loss kernels.
///
/// Two AVX2 registers or four SSE2 registers. Explicit `SIMD16` code built only from the
/// operations DESIGN.md measures as fast (arithmetic, comparisons with `replacing(with:where:)`,
/// bit casts, integer shifts and masks) runs 2–2.5× faster here than the same maths in a plain
/// loop left to LLVM's loop vectoriser: a fused sigmoid-focal pass went from 110 to 277 M
/// elements/s per thread at the default target.
public typealias FloatVector = SIMD16<Float>

/// The integer lanes matching ``FloatVector``, for bit patterns.
public typealias IntVector = SIMD16<Int32>

/// The elementary functions on ``FloatVector``s, for explicit SIMD kernels.
public typealias VectorMath = LaneMath<FloatVector>

/// The elementary functions on single `Float`s, for loops left to LLVM's loop vectoriser (the
/// LSTM's gate activations).
public typealias ScalarMath = LaneMath<Float>

/// Elementary functions written once for any ``FloatLanes`` (one `exp`, one `log`, …, so
/// the scalar and vector spellings cannot drift apart): no calls into libm, only arithmetic,
/// bit patterns and selects, so they inline into kernels and vectorise.
///
/// Rounding uses the 1.5·2²³ trick and 2ⁿ is built from its bit pattern, avoiding the
/// conversions DESIGN.md measures as slow. Accuracy is about 2 ulp over the stated domains.
///
/// Two measured compiler limits shape the declarations. They are `public`, not `package`:
/// with `package` conformances of `Float` and `SIMD16<Float>` to ``FloatLanes`` the plugins'
/// kernels called unspecialised generic code for every `splat` (the portable sigmoid focal
/// pass ran 15× slower); LossKitKernels is no product, so nothing outside the package can
/// import them anyway. And they are `@_transparent`: `@inline(__always)` generic functions
/// were specialised but still called across modules (`logOfNormal`, `exp`).
public enum LaneMath<Lanes: FloatLanes> {
  /// Every lane `value`.
  @_transparent
  public static func splat(_ value: Float) -> Lanes { Lanes(repeating: value) }

  /// `a·b + c`.
  ///
  /// Not fused: the portable build has no FMA instruction (a fused form would call into
  /// libm), and the AVX2 kernels are C (``InstructionSet``).
  @_transparent
  public static func multiplyAdd(_ a: Lanes, _ b: Lanes, _ c: Lanes) -> Lanes { a * b + c }

  /// `|x|`, by clearing the sign bits.
  @_transparent
  public static func magnitude(_ x: Lanes) -> Lanes {
    Lanes(bits: x.bits & Lanes.Bits(repeating: 0x7FFF_FFFF))
  }

  /// `eˣ`: about 2 ulp for `x ≤ 88`; 0 below −87.3, `+∞` above 88.72.
  @_transparent
  public static func exp(_ x: Lanes) -> Lanes {
    let result = expOfNonPositive(
      x.replacing(with: splat(88), where: Lanes.lanes(splat(88), lessThan: x)))
    return result.replacing(with: splat(0), where: Lanes.lanes(x, lessThan: splat(-87.3)))
      .replacing(with: splat(.infinity), where: Lanes.lanes(splat(88.722_83), lessThan: x))
  }

  /// `eˣ` for `x ≤ 88` (in practice `x ≤ 0`, as `z − max z` in a softmax): about 2 ulp down
  /// to `x = −87.3`; below that `e^−87.3 ≈ 1.2·10⁻³⁸` (near the smallest normal Float) instead
  /// of a smaller number or 0. NaN stays NaN.
  ///
  /// ``exp(_:)`` without its range fix-ups, which cost a third of it at the default x86-64
  /// target (a select is three instructions there, and the masks must stay live across the
  /// polynomial). In a softmax the difference below −87.3 is far under the rounding of every
  /// sum and product it enters.
  @_transparent
  public static func expOfNonPositive(_ x: Lanes) -> Lanes {
    let clamped = x.replacing(with: splat(-87.3), where: Lanes.lanes(x, lessThan: splat(-87.3)))
    // Round x·log2(e) to an integer n by adding 1.5·2²³: the sum's low mantissa bits hold n.
    let shifted = multiplyAdd(clamped, splat(1.442_695_04), splat(12_582_912))
    let n = shifted - splat(12_582_912)
    // Cody–Waite: subtract n·ln2 in two pieces so r stays exact.
    var r = multiplyAdd(n, splat(-0.693_359_375), clamped)
    r = multiplyAdd(n, splat(2.121_944_4e-4), r)
    // eʳ = 1 + r + r²·q(r), q of degree 4 fitted for relative error on |r| ≤ ln2/2: as
    // accurate in Float as the classic degree-5 q (1.96 ulp either way), one multiply-add less.
    // Horner's rule: a vector's independent lanes give the parallelism, and an Estrin split
    // here made LLVM scalarise part of the polynomial (6 % more instructions in a softmax).
    var p = multiplyAdd(splat(1.375_425_5e-3), r, splat(8.366_405e-3))
    p = multiplyAdd(p, r, splat(4.166_921_6e-2))
    p = multiplyAdd(p, r, splat(1.666_654e-1))
    p = multiplyAdd(p, r, splat(4.999_999_9e-1))
    let mantissa = multiplyAdd(p, r * r, r + splat(1))
    let exponent = shifted.bits.wrappingSubtract(Lanes.Bits(repeating: 0x4B40_0000))
    let scale = Lanes(
      bits: exponent.wrappingAdd(Lanes.Bits(repeating: 127)) &<< Lanes.Bits(repeating: 23))
    return mantissa * scale
  }

  /// `ln x` for `x ≥ 0` including subnormals: about 2 ulp; `−∞` at 0, NaN below 0, `+∞` at
  /// `+∞`.
  @_transparent
  public static func log(_ x: Lanes) -> Lanes {
    let subnormal = Lanes.lanes(x, lessThan: splat(Float.leastNormalMagnitude))
    let scaled = x.replacing(with: x * splat(8_388_608), where: subnormal)
    let bias = splat(0).replacing(with: splat(23), where: subnormal)
    var result = logOfNormal(scaled, exponentBias: bias)
    result = result.replacing(
      with: splat(.infinity), where: Lanes.lanes(x, equalTo: splat(.infinity)))
    result = result.replacing(with: splat(.nan), where: Lanes.lanes(x, lessThan: splat(0)))
    return result.replacing(with: splat(-.infinity), where: Lanes.lanes(x, equalTo: splat(0)))
  }

  /// `ln x` for finite normal `x > 0` (no special cases): about 2 ulp.
  @_transparent
  public static func logOfNormal(_ x: Lanes) -> Lanes {
    logOfNormal(x, exponentBias: splat(0))
  }

  /// ``logOfNormal(_:)`` with `exponentBias` subtracted from the binary exponent: 23 in lanes
  /// already scaled by 2²³.
  @_transparent
  public static func logOfNormal(_ x: Lanes, exponentBias: Lanes) -> Lanes {
    let bits = x.bits
    // The biased exponent as a Float, without an integer→float conversion: 2²³ + e − 2²³.
    let exponentBits =
      ((bits &>> Lanes.Bits(repeating: 23)) & Lanes.Bits(repeating: 0xFF))
      | Lanes.Bits(repeating: 0x4B00_0000)
    var e = Lanes(bits: exponentBits) - splat(8_388_734) - exponentBias
    // m in [0.5, 1); fold into [√½, √2) so the polynomial argument stays small.
    var m = Lanes(
      bits: (bits & Lanes.Bits(repeating: 0x007F_FFFF)) | Lanes.Bits(repeating: 0x3F00_0000))
    let low = Lanes.lanes(m, lessThan: splat(0.707_106_781))
    e = e.replacing(with: e - splat(1), where: low)
    m = m.replacing(with: m + m, where: low) - splat(1)
    // P(m) = Σ cᵢ mⁱ by Estrin's scheme (depth 5 instead of 9 multiply-adds).
    let z = m * m
    let z2 = z * z
    let q0 = multiplyAdd(splat(-2.499_999_399_3e-1), m, splat(3.333_333_117_4e-1))
    let q1 = multiplyAdd(splat(-1.666_805_766_5e-1), m, splat(2.000_071_476_5e-1))
    let q2 = multiplyAdd(splat(-1.242_014_084_6e-1), m, splat(1.424_932_278_7e-1))
    let q3 = multiplyAdd(splat(-1.151_461_031_0e-1), m, splat(1.167_699_874_0e-1))
    let low4 = multiplyAdd(q1, z, q0)
    let high4 = multiplyAdd(q3, z, q2)
    let polynomial = multiplyAdd(
      splat(7.037_683_629_2e-2) * z2, z2, multiplyAdd(high4, z2, low4))
    var y = polynomial * m * z
    y = multiplyAdd(e, splat(-2.121_944_4e-4), y)
    y = multiplyAdd(z, splat(-0.5), y)
    return multiplyAdd(e, splat(0.693_359_375), m + y)
  }

  /// `ln(1 + x)` for `x` in [0, 1] (`x = e^−|u|` in a softplus or log-sigmoid): about
  /// 1.6 ulp, relative also near 0.
  ///
  /// `x + x²·q(x)`, `q` of degree 7 fitted for relative error on [0, 1]: a third of the
  /// instructions of ``logOfNormal(_:)`` on `1 + x`, and exact where that sum would round
  /// `x` away (no correction term needed).
  @_transparent
  public static func logOnePlusOfUnit(_ x: Lanes) -> Lanes {
    var q = multiplyAdd(splat(5.364_212_673e-3), x, splat(-3.006_334_789e-2))
    q = multiplyAdd(q, x, splat(7.920_057_327e-2))
    q = multiplyAdd(q, x, splat(-1.375_346_929e-1))
    q = multiplyAdd(q, x, splat(1.915_349_960e-1))
    q = multiplyAdd(q, x, splat(-2.485_712_469e-1))
    q = multiplyAdd(q, x, splat(3.332_131_803e-1))
    q = multiplyAdd(q, x, splat(-4.999_964_833e-1))
    return multiplyAdd(x * x, q, x)
  }

  /// `eˣ − 1` for `x ≤ 0` (a log-probability, say) without cancellation near 0: a Taylor
  /// polynomial for |x| < 0.5, ``expOfNonPositive(_:)`` − 1 elsewhere.
  @_transparent
  public static func expMinusOneOfNonPositive(_ x: Lanes) -> Lanes {
    var p = multiplyAdd(splat(1.0 / 40_320), x, splat(1.0 / 5_040))
    p = multiplyAdd(p, x, splat(1.0 / 720))
    p = multiplyAdd(p, x, splat(1.0 / 120))
    p = multiplyAdd(p, x, splat(1.0 / 24))
    p = multiplyAdd(p, x, splat(1.0 / 6))
    p = multiplyAdd(p, x, splat(0.5))
    p = multiplyAdd(p, x, splat(1))
    let series = p * x
    let direct = expOfNonPositive(x) - splat(1)
    return direct.replacing(with: series, where: Lanes.lanes(splat(-0.5), lessThan: x))
  }
}
