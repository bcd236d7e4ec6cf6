extension LaneMath where Lanes == FloatVector {
  /// Adds `x · 0` to `flag`: a lane of `flag` becomes NaN once an `x` in it was NaN or
  /// infinite and stays ±0 otherwise, so `flag.sum().isNaN` tells whether any input was bad.
  ///
  /// One multiply-add per vector. (The mutating `replace(with:where:)`, the obvious way to
  /// collect a mask, is a per-lane loop in this toolchain and cost a fifth of a softmax pass.)
  @inlinable @inline(__always)
  public static func flagNonFinite(_ x: FloatVector, into flag: inout FloatVector) {
    flag = multiplyAdd(x, splat(0), flag)
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

extension LaneMath where Lanes == Float {
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
