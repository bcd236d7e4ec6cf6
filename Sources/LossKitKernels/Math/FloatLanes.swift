/// Single-precision values that the elementary functions of ``LaneMath`` are written over once:
/// `Float` itself, for loops left to LLVM's loop vectoriser, and ``FloatVector``, for explicit
/// SIMD kernels.
///
/// The requirements are the operations DESIGN.md measures as fast on both: arithmetic,
/// comparisons whose masks feed ``replacing(with:where:)``, and bit casts to integer lanes.
/// Nothing here rounds or clamps with the standard library's per-lane loops.
public protocol FloatLanes: Sendable {
  /// The integer lanes of the same width, for bit patterns.
  associatedtype Bits: IntegerLanes
  /// The result of a lane-wise comparison.
  associatedtype Mask

  /// Every lane `value`.
  init(repeating value: Float)
  /// The lanes with these bit patterns.
  init(bits: Bits)
  /// The lanes' bit patterns.
  var bits: Bits { get }

  static func + (a: Self, b: Self) -> Self
  static func - (a: Self, b: Self) -> Self
  static func * (a: Self, b: Self) -> Self
  static func / (a: Self, b: Self) -> Self
  static prefix func - (a: Self) -> Self

  /// Lanes where `a < b` (false where either is NaN).
  static func lanes(_ a: Self, lessThan b: Self) -> Mask
  /// Lanes where `a == b`.
  static func lanes(_ a: Self, equalTo b: Self) -> Mask
  /// These lanes, with `other`'s where `mask` is set.
  func replacing(with other: Self, where mask: Mask) -> Self
}

/// Integer lanes matching ``FloatLanes``: `Int32`, or ``IntVector``.
public protocol IntegerLanes: Sendable {
  /// Every lane `value`.
  init(repeating value: Int32)

  /// `self + other` lane by lane, wrapping on overflow (`&+`, which cannot name this
  /// requirement: `Int32` has an unavailable overload of it).
  func wrappingAdd(_ other: Self) -> Self
  /// `self − other` lane by lane, wrapping on overflow.
  func wrappingSubtract(_ other: Self) -> Self
  static func & (a: Self, b: Self) -> Self
  static func | (a: Self, b: Self) -> Self
  static func &<< (a: Self, b: Self) -> Self
  static func &>> (a: Self, b: Self) -> Self
}

extension Float: FloatLanes {
  @inlinable @inline(__always)
  public init(repeating value: Float) { self = value }

  @inlinable @inline(__always)
  public init(bits: Int32) { self.init(bitPattern: UInt32(bitPattern: bits)) }

  @inlinable @inline(__always)
  public var bits: Int32 { Int32(bitPattern: bitPattern) }

  @inlinable @inline(__always)
  public static func lanes(_ a: Float, lessThan b: Float) -> Bool { a < b }

  @inlinable @inline(__always)
  public static func lanes(_ a: Float, equalTo b: Float) -> Bool { a == b }

  /// A select, not a branch, so loops over it vectorise.
  @inlinable @inline(__always)
  public func replacing(with other: Float, where mask: Bool) -> Float { mask ? other : self }
}

extension Int32: IntegerLanes {
  @inlinable @inline(__always)
  public init(repeating value: Int32) { self = value }

  @inlinable @inline(__always)
  public func wrappingAdd(_ other: Int32) -> Int32 { self &+ other }

  @inlinable @inline(__always)
  public func wrappingSubtract(_ other: Int32) -> Int32 { self &- other }
}

extension SIMD16: FloatLanes where Scalar == Float {
  @inlinable @inline(__always)
  public init(bits: SIMD16<Int32>) { self = unsafeBitCast(bits, to: Self.self) }

  @inlinable @inline(__always)
  public var bits: SIMD16<Int32> { unsafeBitCast(self, to: SIMD16<Int32>.self) }

  @inlinable @inline(__always)
  public static func lanes(_ a: Self, lessThan b: Self) -> SIMDMask<SIMD16<Int32>> { a .< b }

  @inlinable @inline(__always)
  public static func lanes(_ a: Self, equalTo b: Self) -> SIMDMask<SIMD16<Int32>> { a .== b }
}

extension SIMD16: IntegerLanes where Scalar == Int32 {
  @inlinable @inline(__always)
  public func wrappingAdd(_ other: Self) -> Self { self &+ other }

  @inlinable @inline(__always)
  public func wrappingSubtract(_ other: Self) -> Self { self &- other }
}
