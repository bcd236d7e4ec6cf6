/// `q^γ` for the focal modulating factor, specialised so that the common exponents cost a
/// multiply or nothing and only a general γ pays for `exp(γ·ln q)`.
public protocol FocalPower: SendableMetatype {
  /// Whether γ is 0, so the factor is 1 and its derivative vanishes.
  static var isZero: Bool { get }
  /// 0, 1, 2 for those γ and 3 for any other: the `lk_focal_power` of the C kernels.
  static var index: Int { get }
  /// `q^γ` lane by lane for `q ≥ 0`, with `0^γ = 0` for γ > 0.
  static func power(_ q: FloatVector, gamma: FloatVector) -> FloatVector
}

/// γ = 0: the factor is 1 (plain cross-entropy).
public enum FocalPowerZero: FocalPower {
  @inlinable public static var index: Int { 0 }
  @inlinable public static var isZero: Bool { true }
  @inlinable @inline(__always)
  public static func power(_ q: FloatVector, gamma: FloatVector) -> FloatVector {
    VectorMath.splat(1)
  }
}

/// γ = 1.
public enum FocalPowerOne: FocalPower {
  @inlinable public static var index: Int { 1 }
  @inlinable public static var isZero: Bool { false }
  @inlinable @inline(__always)
  public static func power(_ q: FloatVector, gamma: FloatVector) -> FloatVector { q }
}

/// γ = 2, the RetinaNet default.
public enum FocalPowerTwo: FocalPower {
  @inlinable public static var index: Int { 2 }
  @inlinable public static var isZero: Bool { false }
  @inlinable @inline(__always)
  public static func power(_ q: FloatVector, gamma: FloatVector) -> FloatVector { q * q }
}

/// Any other γ > 0: `exp(γ·ln q)`, which is 0 at q = 0 because ln 0 = −∞.
public enum FocalPowerGeneral: FocalPower {
  @inlinable public static var index: Int { 3 }
  @inlinable public static var isZero: Bool { false }
  @inlinable @inline(__always)
  public static func power(_ q: FloatVector, gamma: FloatVector) -> FloatVector {
    VectorMath.exp(VectorMath.log(q) * gamma)
  }
}
