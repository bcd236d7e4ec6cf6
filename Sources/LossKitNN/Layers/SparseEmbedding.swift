import LossKitCore
import LossKitKernels

/// An embedding bag over sparse features: row `r` of the output is `Σ_j v_j · table[i_j]`
/// over the row's (index, value) pairs.
///
/// Forward and backward cost is proportional to the number of non-zeros, never to the
/// table size; the table is a sparse ``Parameter`` whose touched rows the optimizer updates
/// lazily.
public final class SparseEmbedding {
  /// The table, `[buckets, dimension]`.
  public let table: Parameter
  private var input: SparseRows?

  /// Creates a table with small uniform values (`±0.05`, Keras' embedding default).
  public init(name: String, buckets: Int, dimension: Int, random: inout SeededGenerator) {
    table = Parameter(
      name: "\(name).table",
      value: Tensor(shape: [buckets, dimension]) { _ in (random.nextUnitFloat() * 2 - 1) * 0.05 },
      isSparse: true)
  }

  /// The table's row count.
  public var buckets: Int { table.value.shape[0] }
  /// The embedding width.
  public var dimension: Int { table.value.shape[1] }

  /// `[rows]` sparse rows → `[rows, dimension]`.
  ///
  /// - Throws: ``LossKitError/shapeMismatch(_:expected:actual:)`` when the features were
  ///   hashed into a different number of buckets.
  public func forward(_ x: SparseRows, training: Bool) throws -> Tensor {
    guard x.width == buckets else {
      throw LossKitError.shapeMismatch(
        "sparse features (hash buckets)", expected: [buckets], actual: [x.width])
    }
    let rows = x.rowCount
    let width = dimension
    var y = Tensor(shape: [rows, width])
    guard rows > 0, width > 0 else { return y }
    table.value.withUnsafeBufferPointer { table in
      y.withUnsafeMutableBufferPointer { out in
        let output = SendablePointer(out.baseAddress!)
        let source = SendablePointer(table.baseAddress!)
        x.withEntries { entries in
          Parallel.forEachChunk(count: rows, grain: 256) { _, range in
            EmbeddingBagKernel.forward(
              table: source.base, width: width, entries: entries, rows: range,
              output: output.base)
          }
        }
      }
    }
    if training { input = x }
    return y
  }

  /// Adds the table gradient for the last training forward and marks the touched rows.
  ///
  /// The table's rows are split into ``backwardRowGroups`` fixed ranges, one task each; every
  /// task reads all the entries in order and adds those whose bucket it owns, so each row's
  /// gradient sums its contributions in the same order as a single pass would, on any number
  /// of cores.
  public func backward(_ dy: Tensor) {
    guard let x = input, x.rowCount > 0 else { return }
    let width = dimension
    for bucket in x.indices { table.markTouched(Int(bucket)) }
    let groups = Self.backwardRowGroups
    let bucketsPerGroup = (buckets + groups - 1) / groups
    let rows = x.rowCount
    dy.withUnsafeBufferPointer { g in
      table.gradient.withUnsafeMutableBufferPointer { t in
        let slopes = SendablePointer(g.baseAddress!)
        let gradient = SendablePointer(t.baseAddress!)
        x.withEntries { entries in
          Parallel.forEachChunk(count: groups, grain: 1) { group, _ in
            let low = group * bucketsPerGroup
            EmbeddingBagKernel.backward(
              gradient: gradient.base, width: width, entries: entries, rowCount: rows,
              slopes: slopes.base, buckets: low..<(low + bucketsPerGroup))
          }
        }
      }
    }
  }

  /// The fixed number of bucket ranges the backward pass splits the table into.
  static let backwardRowGroups = 4
}

extension SparseRows {
  /// Calls `body` with pointers to the rows' offsets, indices and values.
  func withEntries(_ body: (EmbeddingBagKernel.Entries) -> Void) {
    offsets.withUnsafeBufferPointer { offsets in
      indices.withUnsafeBufferPointer { indices in
        values.withUnsafeBufferPointer { values in
          guard let o = offsets.baseAddress, let i = indices.baseAddress, let v = values.baseAddress
          else { return }
          body(EmbeddingBagKernel.Entries(offsets: o, indices: i, values: v))
        }
      }
    }
  }
}
