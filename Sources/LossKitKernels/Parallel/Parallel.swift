import Dispatch

/// A pointer that may cross into `concurrentPerform` closures.
///
/// Kernels split work so that no two chunks write the same element; this wrapper only
/// states that to the compiler.
package struct SendablePointer<Pointee>: @unchecked Sendable {
  /// The wrapped pointer.
  package let base: UnsafeMutablePointer<Pointee>

  /// Wraps a mutable pointer.
  @inlinable package init(_ base: UnsafeMutablePointer<Pointee>) { self.base = base }

  /// Wraps a read-only pointer (it is never written through).
  @inlinable package init(_ base: UnsafePointer<Pointee>) {
    self.base = UnsafeMutablePointer(mutating: base)
  }
}

/// Splits index ranges into fixed-size chunks and runs them on every core.
///
/// The split depends only on the problem size and the grain, never on the number of cores,
/// so per-chunk partial sums combined in chunk order give bit-identical results on any
/// machine.
package enum Parallel {
  /// The number of chunks `count` items form with chunks of `grain` items.
  @inlinable
  package static func chunkCount(_ count: Int, grain: Int) -> Int {
    count <= 0 ? 0 : (count + grain - 1) / grain
  }

  /// Runs `body(chunk, range)` for every chunk of `0..<count`, concurrently when there is
  /// more than one chunk.
  ///
  /// - Parameters:
  ///   - count: The number of items.
  ///   - grain: Items per chunk; choose it so a chunk is worth a thread hop (≳ 50 µs).
  ///   - body: Called once per chunk with its index and item range.
  @inlinable
  package static func forEachChunk(
    count: Int, grain: Int, _ body: @Sendable (_ chunk: Int, _ range: Range<Int>) -> Void
  ) {
    let chunks = chunkCount(count, grain: grain)
    if chunks <= 1 {
      if count > 0 { body(0, 0..<count) }
      return
    }
    DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
      let start = chunk * grain
      body(chunk, start..<min(count, start + grain))
    }
  }

  /// Runs `body` per chunk and returns the chunks' partial sums added in chunk order.
  ///
  /// Partial results live on the stack, so the call allocates nothing for up to 256 chunks.
  @inlinable
  package static func sum<Partial: KernelPartial>(
    count: Int, grain: Int, _ body: @Sendable (_ range: Range<Int>) -> Partial
  ) -> Partial {
    let chunks = chunkCount(count, grain: grain)
    if chunks <= 1 { return count > 0 ? body(0..<count) : Partial() }
    return withUnsafeTemporaryAllocation(of: Partial.self, capacity: chunks) { partials in
      let out = SendablePointer(partials.baseAddress!)
      forEachChunk(count: count, grain: grain) { chunk, range in
        (out.base + chunk).initialize(to: body(range))
      }
      var total = Partial()
      for chunk in 0..<chunks { total.combine(with: partials[chunk]) }
      return total
    }
  }
}

/// A partial result of a kernel chunk that combines with others in a fixed order.
package protocol KernelPartial: Sendable {
  /// The identity (nothing accumulated).
  init()
  /// Adds another chunk's partial to this one.
  mutating func combine(with other: Self)
}

/// The partial result most kernels return: a sum in `Double` and whether any input was
/// non-finite.
package struct KernelSum: KernelPartial, Equatable {
  /// The sum of per-element (or per-row) values.
  package var sum: Double
  /// Whether a NaN or infinity was seen in the input.
  package var sawNonFinite: Bool

  /// Zero, with no non-finite input seen.
  @inlinable package init() {
    sum = 0
    sawNonFinite = false
  }

  /// A given sum and flag.
  @inlinable package init(sum: Double, sawNonFinite: Bool) {
    self.sum = sum
    self.sawNonFinite = sawNonFinite
  }

  /// Adds the sums and ORs the flags.
  @inlinable package mutating func combine(with other: KernelSum) {
    sum += other.sum
    sawNonFinite = sawNonFinite || other.sawNonFinite
  }
}
