#if arch(x86_64)
  import CLossKitKernels
#endif

/// Single-precision matrix products, `C = α·op(A)·op(B) + β·C`, blocked and packed for SIMD.
///
/// The GotoBLAS structure without packing `A`: `B` is packed into panels as wide as the
/// ``RegisterTile`` and contiguous along `k` (or read in place when it is small and stored
/// as used); the register tile accumulates over a `k` block of 256, broadcasting rows of `A`
/// read in place, and tiles of `C` are spread over every core. (Packing `A` was dropped:
/// small-`m` products split their columns into groups that each packed all of `A` again, and
/// the LSTM's per-step products spent more time packing than multiplying.) Each element of
/// `C` sums its products in the same order whatever the tiling, so results are identical on
/// any number of cores (and between the AVX2 and AVX-512 tiles, which both fuse).
///
/// The Swift tile's vectors are one SSE register wide (`SIMD4<Float>`) and multiply by
/// explicit splats: wider vectors, or `vector * scalar`, are re-vectorised poorly by LLVM here
/// and ran ~7× slower. With ``InstructionSet/avx2`` the tile is C (`lk_gemm_tile_avx2`, two
/// AVX2 registers wide, fused multiply-adds), or its AVX-512 twin where the CPU has it.
package enum Matrix {
  typealias Lane = SIMD4<Float>
  static let depthBlock = 256
  static let rowBlock = 96
  static let columnBlock = 2048

  /// Computes `C = α·op(A)·op(B) + β·C` for row-major matrices.
  ///
  /// - Parameters:
  ///   - a: `A`, `[m, k]` or, when `transposeA`, `[k, m]`.
  ///   - b: `B`, `[k, n]` or, when `transposeB`, `[n, k]`.
  ///   - c: `C`, `[m, n]`; read only when `beta ≠ 0`.
  ///   - lda, ldb, ldc: Row strides; default to the dense widths.
  ///   - tile: The register tile (tests compare them).
  package static func multiply(
    _ a: UnsafePointer<Float>, transposeA: Bool = false,
    _ b: UnsafePointer<Float>, transposeB: Bool = false,
    into c: UnsafeMutablePointer<Float>, m: Int, n: Int, k: Int,
    alpha: Float = 1, beta: Float = 0, lda: Int? = nil, ldb: Int? = nil, ldc: Int? = nil,
    tile: RegisterTile = .selected
  ) {
    let lda = lda ?? (transposeA ? m : k)
    let ldb = ldb ?? (transposeB ? k : n)
    let ldc = ldc ?? n
    guard m > 0, n > 0 else { return }
    scale(c, rows: m, columns: n, ldc: ldc, by: beta)
    guard k > 0, alpha != 0 else { return }
    let operandA = Operand(base: SendablePointer(a), stride: lda, transposed: transposeA)
    let operandB = Operand(base: SendablePointer(b), stride: ldb, transposed: transposeB)
    product(
      operandA, operandB, into: c, m: m, n: n, k: k, alpha: alpha, ldc: ldc,
      lowerOnly: false, tile: tile)
  }

  /// Computes the Gram matrix `C = A·Aᵀ` of a row-major `[n, k]` matrix into a dense
  /// `[n, n]` `C`.
  ///
  /// Only the tiles on or below the diagonal are multiplied (about half the work of
  /// ``multiply(_:transposeA:_:transposeB:into:m:n:k:alpha:beta:lda:ldb:ldc:)``) and the
  /// upper triangle is mirrored from the lower one. Each `C_ij` sums the same products in the
  /// same order as the general product does, so both give bit-identical results and `C` is
  /// exactly symmetric.
  package static func gram(
    _ a: UnsafePointer<Float>, into c: UnsafeMutablePointer<Float>, n: Int, k: Int,
    tile: RegisterTile = .selected
  ) {
    guard n > 0 else { return }
    c.update(repeating: 0, count: n * n)
    guard k > 0 else { return }
    let operand = Operand(base: SendablePointer(a), stride: k, transposed: false)
    let transposed = Operand(base: SendablePointer(a), stride: k, transposed: true)
    product(
      operand, transposed, into: c, m: n, n: n, k: k, alpha: 1, ldc: n, lowerOnly: true,
      tile: tile)
    mirrorLowerTriangle(c, n: n)
  }

  /// Copies `C_ij` to `C_ji` for every `j < i`, in cache-sized square blocks on every core.
  ///
  /// Within a block, 4×4 SIMD transposes (``QuadTranspose``) where four whole rows and
  /// columns lie below the diagonal, a scalar copy for the rest. Element by element the copy
  /// cost a fifth of SupCon at 1024 samples: with `n` a multiple of 1024 its column of stores
  /// falls into one cache set.
  private static func mirrorLowerTriangle(_ c: UnsafeMutablePointer<Float>, n: Int) {
    let block = 64
    let blocks = (n + block - 1) / block
    let matrix = SendablePointer(c)
    Parallel.forEachChunk(count: blocks, grain: n * n < 1 << 20 ? blocks : 1) { _, range in
      let c = matrix.base
      for blockRow in range {
        let i0 = blockRow * block
        let i1 = min(n, i0 + block)
        for j0 in stride(from: 0, through: i0, by: block) {
          var i = i0
          while i < i1 {
            let rows = min(4, i1 - i)
            let columnEnd = min(i, j0 + block)
            var j = j0
            if rows == 4 {
              while j + 4 <= columnEnd {
                let quad = QuadTranspose.load(c + i * n + j, stride: n)
                QuadTranspose.store(QuadTranspose.transpose(quad), c + j * n + i, stride: n)
                j += 4
              }
            }
            for r in i..<(i + rows) {
              for column in j..<max(j, min(r, j0 + block)) { c[column * n + r] = c[r * n + column] }
            }
            i += rows
          }
        }
      }
    }
  }

  /// The blocked product `C += α·op(A)·op(B)`; with `lowerOnly`, register tiles lying
  /// entirely above the diagonal are skipped.
  ///
  /// A `B` that is stored as used (not transposed), whole panels wide and small enough to stay
  /// in the second-level cache is read in place, rows `ldb` apart, instead of packed: the
  /// tile then loads the same values in the same order, and the copy, which cost more than
  /// the arithmetic for the LSTM's per-step `[32, 128]·[128, 512]` products, is skipped.
  private static func product(
    _ operandA: Operand, _ operandB: Operand, into c: UnsafeMutablePointer<Float>, m: Int,
    n: Int, k: Int, alpha: Float, ldc: Int, lowerOnly: Bool, tile: RegisterTile
  ) {
    let panelWidth = tile.width
    let output = SendablePointer(c)
    if readsInPlace(operandB, n: n, k: k, panelWidth: panelWidth) {
      for j0 in stride(from: 0, to: n, by: columnBlock) {
        let nc = min(columnBlock, n - j0)
        for p0 in stride(from: 0, to: k, by: depthBlock) {
          let block = PanelSource(
            base: SendablePointer(operandB.base.base + p0 * operandB.stride + j0),
            panelStride: panelWidth, rowStride: operandB.stride)
          multiplyBlock(
            operandA, block, m: m, nc: nc, kc: min(depthBlock, k - p0), p0: p0, j0: j0,
            alpha: alpha, output: output, ldc: ldc, lowerOnly: lowerOnly,
            tile: tile)
        }
      }
      return
    }
    let depth = min(k, depthBlock)
    withUnsafeTemporaryAllocation(
      of: Float.self, capacity: depth * roundUp(min(n, columnBlock), panelWidth)
    ) { packedB in
      let packed = SendablePointer(packedB.baseAddress!)
      for j0 in stride(from: 0, to: n, by: columnBlock) {
        let nc = min(columnBlock, n - j0)
        for p0 in stride(from: 0, to: k, by: depthBlock) {
          let kc = min(depthBlock, k - p0)
          packPanels(
            operandB, from: p0, depth: kc, offset: j0, count: nc, width: panelWidth,
            into: packed.base)
          let block = PanelSource(base: packed, panelStride: panelWidth * kc, rowStride: panelWidth)
          multiplyBlock(
            operandA, block, m: m, nc: nc, kc: kc, p0: p0, j0: j0, alpha: alpha,
            output: output, ldc: ldc, lowerOnly: lowerOnly, tile: tile)
        }
      }
    }
  }

  /// Whether `B` is read in place: stored `[k, n]` as used, `n` a whole number of panels, and
  /// at most 1 MB (a 256-deep block of a panel, 16 KB, stays in the first-level cache).
  static func readsInPlace(_ operand: Operand, n: Int, k: Int, panelWidth: Int) -> Bool {
    !operand.transposed && n % panelWidth == 0 && k * operand.stride <= 1 << 18
  }

  /// Where a block's `B` panels are: panel `q` starts at `base + q·panelStride`, and its
  /// consecutive `k` rows are `rowStride` floats apart (the panel width when packed).
  struct PanelSource: Sendable {
    let base: SendablePointer<Float>
    let panelStride: Int
    let rowStride: Int
  }

  /// A matrix operand: element `(row, column)` of `op(X)`.
  struct Operand: Sendable {
    let base: SendablePointer<Float>
    let stride: Int
    let transposed: Bool

  }

  private static func roundUp(_ value: Int, _ multiple: Int) -> Int {
    (value + multiple - 1) / multiple * multiple
  }

  private static func scale(
    _ c: UnsafeMutablePointer<Float>, rows: Int, columns: Int, ldc: Int, by beta: Float
  ) {
    guard beta != 1 else { return }
    for row in 0..<rows {
      let line = c + row * ldc
      if beta == 0 {
        line.update(repeating: 0, count: columns)
      } else {
        for column in 0..<columns { line[column] *= beta }
      }
    }
  }

  /// Packs `count` columns of `op(B)` starting at `offset` into panels `width` wide, each
  /// contiguous along `k`, zero-padding the last panel.
  private static func packPanels(
    _ operand: Operand, from p0: Int, depth kc: Int, offset: Int, count: Int, width: Int,
    into packed: UnsafeMutablePointer<Float>
  ) {
    // A panel's columns are adjacent in memory when `B` is stored as used; then each step
    // along `k` is one copy. Otherwise each column is a run along `k`, read in order.
    let source = operand.base.base
    let rowStride = operand.stride
    for panel in stride(from: 0, to: count, by: width) {
      let target = packed + panel * kc
      let valid = min(width, count - panel)
      let first = offset + panel
      if !operand.transposed {
        for p in 0..<kc {
          let row = target + p * width
          row.update(from: source + (p0 + p) * rowStride + first, count: valid)
          if valid < width { (row + valid).update(repeating: 0, count: width - valid) }
        }
      } else {
        for lane in 0..<valid {
          let run = source + (first + lane) * rowStride + p0
          for p in 0..<kc { target[p * width + lane] = run[p] }
        }
        if valid < width {
          for p in 0..<kc {
            (target + p * width + valid).update(repeating: 0, count: width - valid)
          }
        }
      }
    }
  }

  /// Multiplies all of `op(A)`'s rows by one packed `B` block, in parallel tiles.
  private static func multiplyBlock(
    _ a: Operand, _ blockB: PanelSource, m: Int, nc: Int, kc: Int, p0: Int, j0: Int,
    alpha: Float, output: SendablePointer<Float>, ldc: Int, lowerOnly: Bool,
    tile: RegisterTile
  ) {
    let panelWidth = tile.width
    let panelHeight = tile.height
    let rowBlocks = (m + rowBlock - 1) / rowBlock
    let panels = (nc + panelWidth - 1) / panelWidth
    // Split columns too when there are few row blocks, so small-m products use every core.
    let columnGroups = max(1, min(panels, 8 / rowBlocks))
    let panelsPerGroup = (panels + columnGroups - 1) / columnGroups
    let tiles = rowBlocks * columnGroups
    let runTile: @Sendable (Int) -> Void = { job in
      let i0 = (job / columnGroups) * rowBlock
      let mc = min(rowBlock, m - i0)
      let firstPanel = (job % columnGroups) * panelsPerGroup
      var lastPanel = min(panels, firstPanel + panelsPerGroup)
      if lowerOnly {
        // Panels starting right of this block's last row hold no lower-triangle element.
        let lastRow = i0 + mc - 1
        lastPanel = lastRow < j0 ? 0 : min(lastPanel, (lastRow - j0) / panelWidth + 1)
      }
      guard firstPanel < lastPanel else { return }
      // `A` is read in place: a panel's rows are `rowStep` apart, its steps along `k`
      // `depthStep` apart.
      let rowStep = a.transposed ? 1 : a.stride
      let depthStep = a.transposed ? a.stride : 1
      for panel in firstPanel..<lastPanel {
        let column = panel * panelWidth
        for rowPanel in stride(from: 0, to: mc, by: panelHeight) {
          let rows = min(panelHeight, mc - rowPanel)
          if lowerOnly && j0 + column > i0 + rowPanel + rows - 1 { continue }
          let first = a.base.base + (i0 + rowPanel) * rowStep + p0 * depthStep
          let b = blockB.base.base + panel * blockB.panelStride
          let c = output.base + (i0 + rowPanel) * ldc + j0 + column
          let columns = min(panelWidth, nc - column)
          #if arch(x86_64)
            switch tile {
            case .avx2:
              lk_gemm_tile_avx2(
                kc, first, rowStep, depthStep, b, blockB.rowStride, c, ldc, Int32(rows),
                Int32(columns), alpha)
              continue
            case .avx512:
              lk_gemm_tile_avx512(
                kc, first, rowStep, depthStep, b, blockB.rowStride, c, ldc, Int32(rows),
                Int32(columns), alpha)
              continue
            case .portable: break
            }
          #endif
          tileKernel(
            kc: kc, a: first, rowStep: rowStep, depthStep: depthStep, b: b,
            ldb: blockB.rowStride, c: c, ldc: ldc, rows: rows, columns: columns, alpha: alpha)
        }
      }
    }
    // Below ~4 M multiply-adds a thread hop costs more than it saves.
    let grain = m * nc * kc < 1 << 22 ? tiles : 1
    Parallel.forEachChunk(count: tiles, grain: grain) { _, range in
      for job in range { runTile(job) }
    }
  }

  /// The portable 6 × 8 register tile: `C[tile] += α · Apanel · Bpanel`; the `A`
  /// panel's rows are `rowStep` floats apart and its steps along `k` `depthStep` apart (rows
  /// past `rows` read the last row again, and are not stored); the `B` panel's rows are `ldb`
  /// floats apart.
  @inline(__always)
  private static func tileKernel(
    kc: Int, a: UnsafePointer<Float>, rowStep: Int, depthStep: Int, b: UnsafePointer<Float>,
    ldb: Int, c: UnsafeMutablePointer<Float>, ldc: Int, rows: Int, columns: Int, alpha: Float
  ) {
    var c00 = Lane()
    var c01 = Lane()
    var c10 = Lane()
    var c11 = Lane()
    var c20 = Lane()
    var c21 = Lane()
    var c30 = Lane()
    var c31 = Lane()
    var c40 = Lane()
    var c41 = Lane()
    var c50 = Lane()
    var c51 = Lane()
    let a0 = a
    let a1 = a + min(1, rows - 1) * rowStep
    let a2 = a + min(2, rows - 1) * rowStep
    let a3 = a + min(3, rows - 1) * rowStep
    let a4 = a + min(4, rows - 1) * rowStep
    let a5 = a + min(5, rows - 1) * rowStep
    var offset = 0
    var pb = UnsafeRawPointer(b)
    let laneBytes = MemoryLayout<Lane>.size
    for _ in 0..<kc {
      let b0 = pb.loadUnaligned(as: Lane.self)
      let b1 = pb.loadUnaligned(fromByteOffset: laneBytes, as: Lane.self)
      var splat = Lane(repeating: a0[offset])
      c00 = c00 + b0 * splat
      c01 = c01 + b1 * splat
      splat = Lane(repeating: a1[offset])
      c10 = c10 + b0 * splat
      c11 = c11 + b1 * splat
      splat = Lane(repeating: a2[offset])
      c20 = c20 + b0 * splat
      c21 = c21 + b1 * splat
      splat = Lane(repeating: a3[offset])
      c30 = c30 + b0 * splat
      c31 = c31 + b1 * splat
      splat = Lane(repeating: a4[offset])
      c40 = c40 + b0 * splat
      c41 = c41 + b1 * splat
      splat = Lane(repeating: a5[offset])
      c50 = c50 + b0 * splat
      c51 = c51 + b1 * splat
      offset += depthStep
      pb += ldb * MemoryLayout<Float>.size
    }
    let scale = Lane(repeating: alpha)
    let width = Lane.scalarCount
    @inline(__always) func emit(_ value: Lane, row r: Int, offset: Int) {
      guard r < rows else { return }
      let target = c + r * ldc + offset
      if offset + width <= columns {
        let raw = UnsafeMutableRawPointer(target)
        raw.storeBytes(of: raw.loadUnaligned(as: Lane.self) + value * scale, as: Lane.self)
      } else {
        for j in 0..<Swift.max(0, columns - offset) { target[j] += value[j] * alpha }
      }
    }
    emit(c00, row: 0, offset: 0)
    emit(c01, row: 0, offset: width)
    emit(c10, row: 1, offset: 0)
    emit(c11, row: 1, offset: width)
    emit(c20, row: 2, offset: 0)
    emit(c21, row: 2, offset: width)
    emit(c30, row: 3, offset: 0)
    emit(c31, row: 3, offset: width)
    emit(c40, row: 4, offset: 0)
    emit(c41, row: 4, offset: width)
    emit(c50, row: 5, offset: 0)
    emit(c51, row: 5, offset: width)
  }

  /// The textbook triple loop, in `Double`: the reference the blocked product is tested
  /// against.
  package static func referenceMultiply(
    _ a: [Float], transposeA: Bool = false, _ b: [Float], transposeB: Bool = false,
    m: Int, n: Int, k: Int
  ) -> [Double] {
    var c = [Double](repeating: 0, count: m * n)
    for i in 0..<m {
      for j in 0..<n {
        var sum = 0.0
        for p in 0..<k {
          let x = transposeA ? a[p * m + i] : a[i * k + p]
          let y = transposeB ? b[j * k + p] : b[p * n + j]
          sum += Double(x) * Double(y)
        }
        c[i * n + j] = sum
      }
    }
    return c
  }
}
