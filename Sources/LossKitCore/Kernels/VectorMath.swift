/// Sixteen `Float` lanes: the vector type of LossKit's loss kernels.
///
/// Two AVX2 registers or four SSE2 registers. Explicit `SIMD16` code built only from the
/// operations DESIGN.md measures as fast (arithmetic, comparisons with `replacing(with:where:)`,
/// bit casts, integer shifts and masks) runs 2–2.5× faster here than the same maths in a plain
/// loop left to LLVM's loop vectoriser: a fused sigmoid-focal pass went from 110 to 277 M
/// elements/s per thread at the default target and from 195 to 528 with AVX2.
public typealias FloatVector = SIMD16<Float>

/// The integer lanes matching ``FloatVector``, for bit patterns.
public typealias IntVector = SIMD16<Int32>

/// Elementary functions on ``FloatVector``: the same algorithms and accuracy as
/// ``ScalarMath`` (a few ulp), written with explicit splats and selects only.
public enum VectorMath {
  /// A vector with every lane `value`.
  @inlinable @inline(__always)
  public static func splat(_ value: Float) -> FloatVector { FloatVector(repeating: value) }

  /// `a·b + c`, fused where the build targets a CPU with FMA (`LOSSKIT_TARGET_CPU`).
  @inlinable @inline(__always)
  public static func multiplyAdd(_ a: FloatVector, _ b: FloatVector, _ c: FloatVector)
    -> FloatVector
  {
    #if LOSSKIT_FMA
      return c.addingProduct(a, b)
    #else
      return a * b + c
    #endif
  }

  /// `|x|`, by clearing the sign bits.
  @inlinable @inline(__always)
  public static func magnitude(_ x: FloatVector) -> FloatVector {
    unsafeBitCast(unsafeBitCast(x, to: IntVector.self) & IntVector(repeating: 0x7FFF_FFFF),
                  to: FloatVector.self)
  }

  /// Adds `x · 0` to `flag`: a lane of `flag` becomes NaN once an `x` in it was NaN or
  /// infinite and stays ±0 otherwise, so `flag.sum().isNaN` tells whether any input was bad.
  ///
  /// One multiply-add per vector. (The mutating `replace(with:where:)`, the obvious way to
  /// collect a mask, is a per-lane loop in this toolchain and cost a fifth of a softmax pass.)
  @inlinable @inline(__always)
  public static func flagNonFinite(_ x: FloatVector, into flag: inout FloatVector) {
    flag = multiplyAdd(x, splat(0), flag)
  }

  /// `eˣ`: about 2 ulp for `x ≤ 88`; 0 below −87.3, `+∞` above 88.72.
  @inlinable @inline(__always)
  public static func exp(_ x: FloatVector) -> FloatVector {
    let result = expOfNonPositive(x.replacing(with: splat(88), where: x .> splat(88)))
    return result.replacing(with: 0, where: x .< splat(-87.3))
      .replacing(with: .infinity, where: x .> splat(88.722_83))
  }

  /// `eˣ` for `x ≤ 88` (in practice `x ≤ 0`, as `z − max z` in a softmax): about 2 ulp down
  /// to `x = −87.3`; below that `e^−87.3 ≈ 1.2·10⁻³⁸` (near the smallest normal Float) instead
  /// of a smaller number or 0. NaN stays NaN.
  ///
  /// ``exp(_:)`` without its range fix-ups, which cost a third of it at the default x86-64
  /// target (a select is three instructions there, and the masks must stay live across the
  /// polynomial). In a softmax the difference below −87.3 is far under the rounding of every
  /// sum and product it enters.
  @inlinable @inline(__always)
  public static func expOfNonPositive(_ x: FloatVector) -> FloatVector {
    let clamped = x.replacing(with: splat(-87.3), where: x .< splat(-87.3))
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
    let exponent: IntVector =
      unsafeBitCast(shifted, to: IntVector.self) &- IntVector(repeating: 0x4B40_0000)
    let scale: FloatVector = unsafeBitCast(
      (exponent &+ IntVector(repeating: 127)) &<< IntVector(repeating: 23), to: FloatVector.self)
    return mantissa * scale
  }

  /// `ln x` for `x ≥ 0` including subnormals: about 2 ulp; `−∞` at 0, NaN below 0, `+∞` at
  /// `+∞`.
  @inlinable @inline(__always)
  public static func log(_ x: FloatVector) -> FloatVector {
    let subnormal = x .< splat(Float.leastNormalMagnitude)
    let scaled = x.replacing(with: x * splat(8_388_608), where: subnormal)
    var result = logOfNormal(scaled, exponentBias: subnormal)
    result = result.replacing(with: .infinity, where: x .== splat(.infinity))
    result = result.replacing(with: .nan, where: x .< splat(0))
    return result.replacing(with: -.infinity, where: x .== splat(0))
  }

  /// `ln x` for finite normal `x > 0` (no special cases): about 2 ulp. Lanes in
  /// `exponentBias` are taken as already scaled by 2²³.
  @inlinable @inline(__always)
  public static func logOfNormal(
    _ x: FloatVector, exponentBias: SIMDMask<IntVector> = .init(repeating: false)
  ) -> FloatVector {
    let bits = unsafeBitCast(x, to: IntVector.self)
    // The biased exponent as a Float, without an integer→float conversion: 2²³ + e − 2²³.
    let exponentBits =
      ((bits &>> IntVector(repeating: 23)) & IntVector(repeating: 0xFF))
      | IntVector(repeating: 0x4B00_0000)
    var e = unsafeBitCast(exponentBits, to: FloatVector.self) - splat(8_388_734)
    e = e.replacing(with: e - splat(23), where: exponentBias)
    // m in [0.5, 1); fold into [√½, √2) so the polynomial argument stays small.
    var m: FloatVector = unsafeBitCast(
      (bits & IntVector(repeating: 0x007F_FFFF)) | IntVector(repeating: 0x3F00_0000),
      to: FloatVector.self)
    let low = m .< splat(0.707_106_781)
    e = e.replacing(with: e - splat(1), where: low)
    m = m.replacing(with: m + m, where: low) - splat(1)
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

  /// `eˣ − 1` for `x ≤ 0` (a log-probability, say) without cancellation near 0: a Taylor
  /// polynomial for |x| < 0.5, ``expOfNonPositive(_:)`` − 1 elsewhere.
  @inlinable @inline(__always)
  public static func expMinusOneOfNonPositive(_ x: FloatVector) -> FloatVector {
    var p = multiplyAdd(splat(1.0 / 40_320), x, splat(1.0 / 5_040))
    p = multiplyAdd(p, x, splat(1.0 / 720))
    p = multiplyAdd(p, x, splat(1.0 / 120))
    p = multiplyAdd(p, x, splat(1.0 / 24))
    p = multiplyAdd(p, x, splat(1.0 / 6))
    p = multiplyAdd(p, x, splat(0.5))
    p = multiplyAdd(p, x, splat(1))
    let series = p * x
    let direct = expOfNonPositive(x) - splat(1)
    return direct.replacing(with: series, where: x .> splat(-0.5))
  }

  /// Loads the 16 floats at `base[index...]`.
  ///
  /// Kernels address vectors as a raw pointer plus a checked `index * 4` byte offset: with
  /// `base + index` or wrapping `&*`, LLVM loses the no-overflow fact and the same loop ran
  /// 20 % slower here. Loops run over whole vectors only; a lane-by-lane partial load inside
  /// the loop halved its speed, so tails go through padded copies
  /// (``pad(_:count:fill:into:)``).
  @inlinable @inline(__always)
  public static func load(_ base: UnsafePointer<Float>, at index: Int) -> FloatVector {
    UnsafeRawPointer(base).loadUnaligned(fromByteOffset: index * 4, as: FloatVector.self)
  }

  /// Loads the 16 integers at `base[index...]`.
  @inlinable @inline(__always)
  public static func load(_ base: UnsafePointer<Int32>, at index: Int) -> IntVector {
    UnsafeRawPointer(base).loadUnaligned(fromByteOffset: index * 4, as: IntVector.self)
  }

  /// Stores `vector` at `base[index...]`.
  @inlinable @inline(__always)
  public static func store(
    _ vector: FloatVector, _ base: UnsafeMutablePointer<Float>, at index: Int
  ) {
    UnsafeMutableRawPointer(base).storeBytes(
      of: vector, toByteOffset: index * 4, as: FloatVector.self)
  }

  /// Copies `count < 16` values from `source` into the 16-value `pad`, fills the other lanes
  /// with `fill`, and returns `pad`: the last, partial vector of a loop as a whole one.
  @inlinable @inline(__always)
  public static func pad<Scalar: Numeric>(
    _ source: UnsafePointer<Scalar>, count: Int, fill: Scalar = 0,
    into pad: UnsafeMutablePointer<Scalar>
  ) -> UnsafeMutablePointer<Scalar> {
    pad.update(repeating: fill, count: FloatVector.scalarCount)
    pad.update(from: source, count: count)
    return pad
  }
}
