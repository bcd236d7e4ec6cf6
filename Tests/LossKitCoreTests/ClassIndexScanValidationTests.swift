import LossKitCore
import LossKitKernels
import Testing

@Suite struct ClassIndexScanValidationTests {
  @Test("a label out of range is an error naming the sample and the label")
  func reportsTheFirstBadLabel() {
    var labels = [Int32](repeating: 1, count: 150_000)
    labels[140_000] = 7
    labels[149_999] = -3
    #expect {
      try labels.withUnsafeBufferPointer {
        _ = try ClassIndexScan(
          labels: $0, classes: 3, ignoreIndex: -100, rowWeights: nil, classWeights: nil,
          loss: "test")
      }
    } throws: { error in
      "\(error)".contains("140000") && "\(error)".contains("7")
    }
  }
}
