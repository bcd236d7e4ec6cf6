import Foundation

/// A small, fast, seedable random number generator (SplitMix64).
///
/// Everything random in LossKit (weight initialisation, dropout, shuffling, generated data)
/// draws from one of these, so the same seed gives bit-identical results on every machine.
public struct SeededGenerator: RandomNumberGenerator, Sendable, Codable, Equatable {
  /// The generator state; saving and restoring it resumes the exact sequence.
  public private(set) var state: UInt64

  /// A generator seeded with `seed`.
  public init(seed: UInt64) { state = seed }

  /// The next 64 random bits.
  public mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// A uniform `Float` in `[0, 1)` from the top 24 bits.
  public mutating func nextUnitFloat() -> Float {
    Float(next() >> 40) * (1.0 / 16_777_216)
  }

  /// A standard normal `Double` (Box–Muller).
  public mutating func nextNormal() -> Double {
    let u1 = max(Double(next() >> 11) * (1.0 / 9_007_199_254_740_992), .leastNonzeroMagnitude)
    let u2 = Double(next() >> 11) * (1.0 / 9_007_199_254_740_992)
    return (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
  }

  /// A generator for an independent stream derived from this one and `stream`.
  public func derived(_ stream: UInt64) -> SeededGenerator {
    var mixer = SeededGenerator(seed: state ^ (stream &* 0xD6E8_FEB8_6659_FD93))
    return SeededGenerator(seed: mixer.next())
  }
}
