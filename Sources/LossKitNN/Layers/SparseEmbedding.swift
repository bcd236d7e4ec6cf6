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
    table.value.withUnsafeBufferPointer { table in
      y.withUnsafeMutableBufferPointer { out in
        let outBase = SendablePointer(out.baseAddress!)
        let tableBase = SendablePointer(table.baseAddress!)
        x.offsets.withUnsafeBufferPointer { offsets in
          x.indices.withUnsafeBufferPointer { indices in
            x.values.withUnsafeBufferPointer { values in
              let o = SendablePointer(offsets.baseAddress!)
              let i = SendablePointer(indices.baseAddress!)
              let v = SendablePointer(values.baseAddress!)
              Parallel.forEachChunk(count: rows, grain: 256) { _, range in
                for row in range {
                  let line = outBase.base + row * width
                  for entry in o.base[row]..<o.base[row + 1] {
                    let source = tableBase.base + Int(i.base[entry]) * width
                    let value = v.base[entry]
                    for j in 0..<width { line[j] += value * source[j] }
                  }
                }
              }
            }
          }
        }
      }
    }
    if training { input = x }
    return y
  }

  /// Adds the table gradient for the last training forward and marks the touched rows.
  public func backward(_ dy: Tensor) {
    guard let x = input else { return }
    let width = dimension
    dy.withUnsafeBufferPointer { g in
      table.gradient.withUnsafeMutableBufferPointer { t in
        for row in 0..<x.rowCount {
          let slope = g.baseAddress! + row * width
          for entry in x.offsets[row]..<x.offsets[row + 1] {
            let bucket = Int(x.indices[entry])
            table.markTouched(bucket)
            let target = t.baseAddress! + bucket * width
            let value = x.values[entry]
            for j in 0..<width { target[j] += value * slope[j] }
          }
        }
      }
    }
  }
}
