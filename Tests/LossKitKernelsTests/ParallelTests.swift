import LossKitKernels
import Testing

@Suite struct ParallelTests {
  @Test func sumsAreIdenticalWhateverTheScheduling() {
    let values = (0..<100_000).map { Double($0).squareRoot() }
    let first = values.withUnsafeBufferPointer { buffer in
      let base = SendablePointer(buffer.baseAddress!)
      return Parallel.sum(count: values.count, grain: 1_000) { range in
        KernelSum(sum: range.reduce(0) { $0 + base.base[$1] }, sawNonFinite: false)
      }
    }
    for _ in 0..<5 {
      let again = values.withUnsafeBufferPointer { buffer in
        let base = SendablePointer(buffer.baseAddress!)
        return Parallel.sum(count: values.count, grain: 1_000) { range in
          KernelSum(sum: range.reduce(0) { $0 + base.base[$1] }, sawNonFinite: false)
        }
      }
      #expect(again == first)
    }
  }
}
