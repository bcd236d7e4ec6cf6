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
                    Self.addScaled(source, value, into: line, width)
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
    dy.withUnsafeBufferPointer { g in
      table.gradient.withUnsafeMutableBufferPointer { t in
        x.offsets.withUnsafeBufferPointer { offsets in
          x.indices.withUnsafeBufferPointer { indices in
            x.values.withUnsafeBufferPointer { values in
              let slopes = SendablePointer(g.baseAddress!)
              let gradient = SendablePointer(t.baseAddress!)
              let o = SendablePointer(offsets.baseAddress!)
              let i = SendablePointer(indices.baseAddress!)
              let v = SendablePointer(values.baseAddress!)
              let rows = x.rowCount
              Parallel.forEachChunk(count: groups, grain: 1) { group, _ in
                let low = group * bucketsPerGroup
                let high = low + bucketsPerGroup
                for row in 0..<rows {
                  let slope = slopes.base + row * width
                  for entry in o.base[row]..<o.base[row + 1] {
                    let bucket = Int(i.base[entry])
                    guard bucket >= low && bucket < high else { continue }
                    Self.addScaled(
                      slope, v.base[entry], into: gradient.base + bucket * width, width)
                  }
                }
              }
            }
          }
        }
      }
    }
  }

  /// The fixed number of bucket ranges the backward pass splits the table into.
  static let backwardRowGroups = 4

  /// `target += value · source` over `count` floats, eight lanes at a time.
  @inline(__always)
  static func addScaled(
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
