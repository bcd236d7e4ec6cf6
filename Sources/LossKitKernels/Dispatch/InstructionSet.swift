#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif
#if arch(x86_64)
  import CLossKitKernels
#endif

/// The instruction set a kernel runs on, chosen once per process at run time.
///
/// The package builds for the baseline of its target (SSE2 on x86-64), so one binary runs on
/// any CPU and the package stays usable as a dependency (SwiftPM refuses unsafe flags such as
/// `-target-cpu` there). Kernels that gain from AVX2 and FMA have a C twin in
/// `CLossKitKernels`, compiled with `__attribute__((target("avx2,fma")))`, which they call
/// when ``selected`` is ``avx2``; the Swift code is the portable path and the reference.
package enum InstructionSet: Sendable, CaseIterable, CustomStringConvertible {
  /// The Swift kernels, built for the target's baseline.
  case portable
  /// The C kernels for x86-64 CPUs with AVX2 and FMA (Haswell, Zen and later).
  case avx2

  /// ``avx2`` when this CPU runs it, unless the environment variable `LOSSKIT_CPU` is
  /// `baseline` (read once, at the first kernel call), which forces ``portable``.
  package static let selected: InstructionSet =
    environmentForcesBaseline ? .portable : (available.contains(.avx2) ? .avx2 : .portable)

  /// The instruction sets this CPU runs, whatever `LOSSKIT_CPU` says (for tests that compare
  /// the paths).
  package static let available: [InstructionSet] = {
    #if arch(x86_64)
      return lk_cpu_supports_avx2_fma() != 0 ? [.portable, .avx2] : [.portable]
    #else
      return [.portable]
    #endif
  }()

  private static var environmentForcesBaseline: Bool {
    guard let value = getenv("LOSSKIT_CPU") else { return false }
    return String(cString: value) == "baseline"
  }

  package var description: String {
    switch self {
    case .portable: "portable"
    case .avx2: "avx2"
    }
  }
}
