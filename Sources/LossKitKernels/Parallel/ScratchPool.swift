import Synchronization

/// Large temporary buffers that kernels reuse from call to call.
///
/// A buffer of tens of megabytes (SupCon's `N × N` similarity matrix) is mapped fresh by the
/// allocator on every call, and faulting its pages in cost more than the matrix product that
/// fills it (42 ms of 280 for 4096 embeddings). The pool keeps up to ``capacity`` released
/// buffers and hands the smallest one that fits to the next caller; concurrent callers each
/// get their own buffer. The contents of a lent buffer are unspecified: callers initialise
/// what they read.
package enum ScratchPool {
  /// How many released buffers the pool keeps; a release beyond it frees the smallest.
  package static let capacity = 2

  /// A buffer owned by the pool; only one caller holds it at a time.
  private struct Block: @unchecked Sendable {
    let floats: UnsafeMutableBufferPointer<Float>
  }

  private static let free = Mutex<[Block]>([])

  /// Calls `body` with a buffer of at least `count` floats, returning the buffer to the pool
  /// afterwards.
  package static func withFloats<Result>(
    count: Int, _ body: (UnsafeMutableBufferPointer<Float>) throws -> Result
  ) rethrows -> Result {
    let block = take(count)
    defer { release(block) }
    return try body(UnsafeMutableBufferPointer(rebasing: block.floats[0..<count]))
  }

  private static func take(_ count: Int) -> Block {
    let reused = free.withLock { blocks -> Block? in
      let fitting = blocks.indices.filter { blocks[$0].floats.count >= count }
      guard let best = fitting.min(by: { blocks[$0].floats.count < blocks[$1].floats.count })
      else { return nil }
      return blocks.remove(at: best)
    }
    return reused ?? Block(floats: .allocate(capacity: Swift.max(count, 1)))
  }

  private static func release(_ block: Block) {
    let evicted = free.withLock { blocks -> Block? in
      blocks.append(block)
      guard blocks.count > capacity else { return nil }
      let smallest = blocks.indices.min { blocks[$0].floats.count < blocks[$1].floats.count }!
      return blocks.remove(at: smallest)
    }
    evicted?.floats.deallocate()
  }
}
