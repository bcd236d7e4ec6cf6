#if arch(x86_64)
  import CLossKitKernels
#endif

/// The embedding bag over sparse rows (CSR `offsets`, `indices`, `values`): forward
/// `output[row] += Σ values[e]·table[indices[e]]`, backward `gradient[indices[e]] +=
/// values[e]·slopes[row]`, each entry in order.
///
/// The table rows are scattered over a table far larger than the caches, so both passes wait
/// on memory; the AVX2 twins (`lk_embedding_bag_avx2`, `lk_embedding_bag_backward_avx2`)
/// prefetch the rows of the entries ahead, which Swift cannot express. Every path multiplies
/// and adds separately, so all agree bit for bit.
package enum EmbeddingBagKernel {
  /// The batch's sparse rows, as pointers.
  package struct Entries: @unchecked Sendable {
    /// `offsets[row] ..< offsets[row + 1]` are the row's entries.
    package let offsets: UnsafePointer<Int>
    /// Each entry's table row.
    package let indices: UnsafePointer<Int32>
    /// Each entry's weight.
    package let values: UnsafePointer<Float>

    /// Wraps the three arrays.
    package init(
      offsets: UnsafePointer<Int>, indices: UnsafePointer<Int32>, values: UnsafePointer<Float>
    ) {
      self.offsets = offsets
      self.indices = indices
      self.values = values
    }
  }

  /// Adds the bags of `rows` into `output` (`width` floats per row).
  @inlinable
  package static func forward(
    table: UnsafePointer<Float>, width: Int, entries: Entries, rows: Range<Int>,
    output: UnsafeMutablePointer<Float>, instructionSet: InstructionSet = .selected
  ) {
    #if arch(x86_64)
      if instructionSet == .avx2 && width % 8 == 0 {
        lk_embedding_bag_avx2(
          table, width, entries.offsets, entries.indices, entries.values, rows.lowerBound,
          rows.count, output)
        return
      }
    #endif
    for row in rows {
      let line = output + row * width
      for entry in entries.offsets[row]..<entries.offsets[row + 1] {
        addScaled(
          table + Int(entries.indices[entry]) * width, entries.values[entry], into: line, width)
      }
    }
  }

  /// Adds the contributions of the first `rowCount` rows' entries whose table row is in
  /// `buckets` to `gradient`, entry by entry in order.
  @inlinable
  package static func backward(
    gradient: UnsafeMutablePointer<Float>, width: Int, entries: Entries, rowCount: Int,
    slopes: UnsafePointer<Float>, buckets: Range<Int>,
    instructionSet: InstructionSet = .selected
  ) {
    #if arch(x86_64)
      if instructionSet == .avx2 && width % 8 == 0 {
        lk_embedding_bag_backward_avx2(
          gradient, width, entries.offsets, entries.indices, entries.values, rowCount, slopes,
          Int32(clamping: buckets.lowerBound), Int32(clamping: buckets.upperBound))
        return
      }
    #endif
    for row in 0..<rowCount {
      let slope = slopes + row * width
      for entry in entries.offsets[row]..<entries.offsets[row + 1] {
        let bucket = Int(entries.indices[entry])
        guard buckets.contains(bucket) else { continue }
        addScaled(slope, entries.values[entry], into: gradient + bucket * width, width)
      }
    }
  }

  /// `target += value · source` over `count` floats, eight lanes at a time.
  @inlinable @inline(__always)
  package static func addScaled(
    _ source: UnsafePointer<Float>, _ value: Float, into target: UnsafeMutablePointer<Float>,
    _ count: Int
  ) {
    let from = UnsafeRawPointer(source)
    let to = UnsafeMutableRawPointer(target)
    var j = 0
    while j + 8 <= count {
      let x = from.loadUnaligned(fromByteOffset: j * 4, as: SIMD8<Float>.self)
      let y = to.loadUnaligned(fromByteOffset: j * 4, as: SIMD8<Float>.self)
      to.storeBytes(of: y + value * x, toByteOffset: j * 4, as: SIMD8<Float>.self)
      j += 8
    }
    while j < count {
      target[j] += value * source[j]
      j += 1
    }
  }
}
