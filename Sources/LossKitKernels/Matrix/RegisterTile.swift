#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif
#if arch(x86_64)
  import CLossKitKernels
#endif

/// The register tile a ``Matrix`` product accumulates in: its shape and its code.
///
/// Every tile sums each element's products in the same order, from zero, and adds the sum
/// to `C` once (by `α`); the C tiles fuse each multiply-add, so ``avx2`` and ``avx512`` give
/// the same bits and differ only in how many rows and columns one call covers. ``avx512`` is ``avx2``'s arithmetic on 8 × 32 elements (sixteen
/// 512-bit accumulators): per broadcast of `A` it does twice the work of the 6 × 16 AVX2
/// tile, and 32-row products (the LSTM's per-step batch) split into whole 8-row panels.
package enum RegisterTile: Sendable, CaseIterable, CustomStringConvertible {
  /// The Swift tile, 6 × 8 (two `SIMD4<Float>` per row).
  case portable
  /// `lk_gemm_tile_avx2`, 6 × 16.
  case avx2
  /// `lk_gemm_tile_avx512`, 8 × 32.
  case avx512

  /// The tile for `instructionSet`: ``avx512`` on ``InstructionSet/avx2`` when the CPU runs
  /// AVX-512F, unless the environment variable `LOSSKIT_CPU` is `avx2` (read once), which
  /// keeps the AVX2 tile.
  package init(_ instructionSet: InstructionSet) {
    switch instructionSet {
    case .portable: self = .portable
    case .avx2: self = Self.wideAvailable && !Self.environmentLimitsToAVX2 ? .avx512 : .avx2
    }
  }

  /// The tile for ``InstructionSet/selected``.
  package static let selected = RegisterTile(.selected)

  /// The tiles this CPU runs (for tests that compare them).
  package static let available: [RegisterTile] =
    InstructionSet.available.contains(.avx2)
    ? (wideAvailable ? [.portable, .avx2, .avx512] : [.portable, .avx2]) : [.portable]

  private static let wideAvailable: Bool = {
    #if arch(x86_64)
      return lk_cpu_supports_avx512f() != 0
    #else
      return false
    #endif
  }()

  private static let environmentLimitsToAVX2: Bool = {
    guard let value = getenv("LOSSKIT_CPU") else { return false }
    return String(cString: value) == "avx2"
  }()

  /// Rows of `A` per tile.
  package var height: Int { self == .avx512 ? 8 : 6 }

  /// Columns of `B` per tile, which is also the width of a packed `B` panel.
  package var width: Int {
    switch self {
    case .portable: 2 * Matrix.Lane.scalarCount
    case .avx2: 16
    case .avx512: 32
    }
  }

  package var description: String {
    switch self {
    case .portable: "portable"
    case .avx2: "avx2"
    case .avx512: "avx512"
    }
  }
}
