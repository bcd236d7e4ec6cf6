import Foundation
import LossKitCore

extension Safetensors {
  /// How the elements of stored tensors are written: the safetensors `dtype`.
  ///
  /// LossKit computes in `Float`; `F16` halves the size of an inference-only export
  /// (`losskit export --float16`) and is widened back to `Float` exactly when read.
  public enum ElementType: String, Sendable, CaseIterable {
    /// IEEE 754 binary32, the training format.
    case float32 = "F32"
    /// IEEE 754 binary16: 11 significant bits, finite values up to 65504.
    case float16 = "F16"

    /// The bytes of the smallest element type: what bounds how many values a file holds.
    public static let smallestByteCount = 2

    /// Bytes per element.
    public var byteCount: Int {
      switch self {
      case .float32: return 4
      case .float16: return 2
      }
    }
  }

  /// Appends a tensor's elements, little-endian, as `type`.
  ///
  /// - Throws: ``ArchiveError/writeFailed(path:reason:)`` when a finite value is too large
  ///   for `F16` (it would become infinite).
  static func append(
    _ tensor: Tensor, named name: String, as type: ElementType, to data: inout Data
  ) throws {
    try tensor.withUnsafeBufferPointer { values in
      switch type {
      case .float32:
        for value in values {
          withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) }
        }
      case .float16:
        for value in values {
          let bits = HalfPrecision.bits(of: value)
          guard value.isInfinite || bits & 0x7FFF != 0x7C00 else {
            throw ArchiveError.writeFailed(
              path: name,
              reason: "the value \(value) is beyond float16's range (±65504); export without "
                + "--float16")
          }
          withUnsafeBytes(of: bits.littleEndian) { data.append(contentsOf: $0) }
        }
      }
    }
  }

  /// `count` elements of `type` starting at byte `start` of `raw`, as `Float`s (float16
  /// widens exactly).
  static func scalars(
    _ raw: UnsafeRawBufferPointer, at start: Int, count: Int, as type: ElementType
  ) -> [Float] {
    var scalars = [Float](repeating: 0, count: count)
    switch type {
    case .float32:
      for i in 0..<count {
        scalars[i] = Float(
          bitPattern: UInt32(
            littleEndian: raw.loadUnaligned(fromByteOffset: start + 4 * i, as: UInt32.self)))
      }
    case .float16:
      for i in 0..<count {
        scalars[i] = HalfPrecision.float(
          bits: UInt16(
            littleEndian: raw.loadUnaligned(fromByteOffset: start + 2 * i, as: UInt16.self)))
      }
    }
    return scalars
  }
}

/// IEEE 754 binary16 conversions by bit patterns, so they behave the same on every platform
/// (Swift's `Float16` is missing on macOS on Intel).
package enum HalfPrecision {
  /// The binary16 bit pattern nearest to `value` (ties to even); values beyond ±65504 round
  /// to infinity, NaN stays NaN.
  package static func bits(of value: Float) -> UInt16 {
    let pattern = value.bitPattern
    let sign = UInt16(truncatingIfNeeded: (pattern >> 16) & 0x8000)
    let exponent = Int((pattern >> 23) & 0xFF)
    var mantissa = pattern & 0x7F_FFFF
    if exponent == 0xFF { return sign | 0x7C00 | (mantissa != 0 ? 0x200 : 0) }
    let halfExponent = exponent - 127 + 15
    if halfExponent >= 0x1F { return sign | 0x7C00 }
    if halfExponent <= 0 {
      // A subnormal half: the full 24-bit significand shifted so one unit is 2^-24.
      guard halfExponent >= -10 else { return sign }
      mantissa |= 0x80_0000
      let shift = UInt32(14 - halfExponent)
      return sign | UInt16(truncatingIfNeeded: roundedShift(mantissa, by: shift))
    }
    // A carry out of the mantissa correctly bumps the exponent (up to infinity).
    let shifted = roundedShift(mantissa, by: 13)
    return sign | UInt16(truncatingIfNeeded: UInt32(halfExponent) << 10 + shifted)
  }

  /// The `Float` a binary16 bit pattern stands for (every half is exact in `Float`).
  package static func float(bits: UInt16) -> Float {
    let sign = UInt32(bits & 0x8000) << 16
    let exponent = UInt32((bits >> 10) & 0x1F)
    let mantissa = UInt32(bits & 0x3FF)
    switch exponent {
    case 0:
      let magnitude = Float(mantissa) * 0x1p-24
      return sign == 0 ? magnitude : -magnitude
    case 0x1F: return Float(bitPattern: sign | 0x7F80_0000 | mantissa << 13)
    default: return Float(bitPattern: sign | (exponent + 112) << 23 | mantissa << 13)
    }
  }

  /// `value >> shift`, rounded to nearest with ties to even.
  private static func roundedShift(_ value: UInt32, by shift: UInt32) -> UInt32 {
    let result = value >> shift
    let remainder = value & ((1 << shift) - 1)
    let half = UInt32(1) << (shift - 1)
    return remainder > half || (remainder == half && result & 1 == 1) ? result + 1 : result
  }
}
