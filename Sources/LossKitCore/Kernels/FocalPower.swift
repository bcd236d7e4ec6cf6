/// `q^γ` for the focal modulating factor, specialised so that the common exponents cost a
/// multiply or nothing and only a general γ pays for `exp(γ·ln q)`.
public protocol FocalPower: SendableMetatype {
  /// Whether γ is 0, so the factor is 1 and its derivative vanishes.
  static var isZero: Bool { get }
  /// `q^γ` for `q ≥ 0`, with `0^γ = 0` for γ > 0.
  static func power(_ q: FloatVector, gamma: Float) -> FloatVector
}

/// γ = 0: the factor is 1 (plain cross-entropy).
public enum FocalPowerZero: FocalPower {
  @inlinable public static var isZero: Bool { true }
  @inlinable @inline(__always)
  public static func power(_ q: FloatVector, gamma: Float) -> FloatVector { FloatVector(repeating: 1) }
}

/// γ = 1.
public enum FocalPowerOne: FocalPower {
  @inlinable public static var isZero: Bool { false }
  @inlinable @inline(__always)
  public static func power(_ q: FloatVector, gamma: Float) -> FloatVector { q }
}

/// γ = 2, the RetinaNet default.
public enum FocalPowerTwo: FocalPower {
  @inlinable public static var isZero: Bool { false }
  @inlinable @inline(__always)
  public static func power(_ q: FloatVector, gamma: Float) -> FloatVector { q * q }
}

/// Any other γ > 0: `exp(γ·ln q)`, which is 0 at q = 0 because ln 0 = −∞.
public enum FocalPowerGeneral: FocalPower {
  @inlinable public static var isZero: Bool { false }
  @inlinable @inline(__always)
  public static func power(_ q: FloatVector, gamma: Float) -> FloatVector {
    VectorMath.exp(VectorMath.log(q) * gamma)
  }
}
