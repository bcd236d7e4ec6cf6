import LossKitCore
import LossKitKernels
import Testing

@Suite struct EmbeddingBagKernelTests {
  /// A table and sparse rows with repeated buckets (so a bucket gathers several entries).
  struct Problem {
    var table: [Float]
    var offsets: [Int]
    var indices: [Int32]
    var values: [Float]
    var slopes: [Float]
    let buckets: Int
    let width: Int
    let rows: Int

    init(buckets: Int, width: Int, rows: Int, seed: UInt64) {
      var random = SeededGenerator(seed: seed)
      self.buckets = buckets
      self.width = width
      self.rows = rows
      table = (0..<(buckets * width)).map { _ in Float(random.nextNormal()) }
      slopes = (0..<(rows * width)).map { _ in Float(random.nextNormal()) }
      offsets = [0]
      indices = []
      values = []
      for _ in 0..<rows {
        for _ in 0..<Int(random.next() % 12) {
          indices.append(Int32(random.next() % UInt64(buckets)))
          values.append(random.nextUnitFloat() + 0.1)
        }
        offsets.append(indices.count)
      }
    }

    func withEntries<R>(_ body: (EmbeddingBagKernel.Entries) -> R) -> R {
      offsets.withUnsafeBufferPointer { o in
        indices.withUnsafeBufferPointer { i in
          values.withUnsafeBufferPointer { v in
            body(.init(offsets: o.baseAddress!, indices: i.baseAddress!, values: v.baseAddress!))
          }
        }
      }
    }
  }

  @Test(
    "the forward pass equals a plain loop bit for bit, row range by row range",
    arguments: [8, 13, 128], InstructionSet.available)
  func forwardMatchesLoop(width: Int, instructionSet: InstructionSet) {
    let problem = Problem(buckets: 50, width: width, rows: 40, seed: UInt64(width))
    var expected = [Float](repeating: 0, count: problem.rows * width)
    for row in 0..<problem.rows {
      for entry in problem.offsets[row]..<problem.offsets[row + 1] {
        for j in 0..<width {
          expected[row * width + j] +=
            problem.values[entry] * problem.table[Int(problem.indices[entry]) * width + j]
        }
      }
    }
    var output = [Float](repeating: 0, count: problem.rows * width)
    problem.withEntries { entries in
      output.withUnsafeMutableBufferPointer { out in
        for range in [0..<7, 7..<33, 33..<40] {
          EmbeddingBagKernel.forward(
            table: problem.table, width: width, entries: entries, rows: range,
            output: out.baseAddress!, instructionSet: instructionSet)
        }
      }
    }
    #expect(output == expected)
  }

  @Test(
    "the backward pass split into bucket ranges equals one plain pass bit for bit",
    arguments: [8, 13, 128], InstructionSet.available)
  func backwardMatchesLoop(width: Int, instructionSet: InstructionSet) {
    let problem = Problem(buckets: 50, width: width, rows: 40, seed: UInt64(width) + 7)
    var expected = [Float](repeating: 0, count: problem.buckets * width)
    for row in 0..<problem.rows {
      for entry in problem.offsets[row]..<problem.offsets[row + 1] {
        let bucket = Int(problem.indices[entry])
        for j in 0..<width {
          expected[bucket * width + j] += problem.values[entry] * problem.slopes[row * width + j]
        }
      }
    }
    var gradient = [Float](repeating: 0, count: problem.buckets * width)
    problem.withEntries { entries in
      gradient.withUnsafeMutableBufferPointer { g in
        for buckets in [0..<13, 13..<26, 26..<39, 39..<52] {
          EmbeddingBagKernel.backward(
            gradient: g.baseAddress!, width: width, entries: entries, rowCount: problem.rows,
            slopes: problem.slopes, buckets: buckets, instructionSet: instructionSet)
        }
      }
    }
    #expect(gradient == expected)
  }
}
