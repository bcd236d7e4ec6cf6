import LossKitCore
import LossKitKernels
import Testing

@Suite struct ClassIndexScanTests {
  @Test("counts over many chunks match a plain count, with and without sample weights")
  func countsMatchAPlainCount() {
    var random = SeededGenerator(seed: 7)
    let labels = (0..<200_003).map { _ in
      random.next() % 10 == 0 ? Int32(-100) : Int32(random.next() % 4)
    }
    let classWeights: [Float] = [0.5, 1, 2, 4]
    let scan = labels.withUnsafeBufferPointer {
      ClassIndexScan(
        labels: $0, classes: 4, ignoreIndex: -100, rowWeights: nil, classWeights: classWeights)
    }
    let kept = labels.filter { $0 != -100 }
    #expect(scan.keptCount == kept.count)
    #expect(scan.keptWeight == Double(kept.count))
    #expect(scan.classCounts == (0..<4).map { c in kept.filter { $0 == c }.count })
    let plain = kept.reduce(0.0) { $0 + Double(classWeights[Int($1)]) }
    #expect(abs(scan.keptClassWeight - plain) < 1e-9 * plain)
    let ones = [Float](repeating: 1, count: labels.count)
    let weighted = labels.withUnsafeBufferPointer { labels in
      ones.withUnsafeBufferPointer {
        ClassIndexScan(
          labels: labels, classes: 4, ignoreIndex: -100, rowWeights: $0,
          classWeights: classWeights)
      }
    }
    #expect(weighted.classCounts == scan.classCounts)
    #expect(weighted.keptCount == scan.keptCount)
    #expect(scan.firstInvalid == nil && weighted.firstInvalid == nil)
  }

  @Test("the first out-of-range label is found, even in a late chunk", arguments: [false, true])
  func findsTheFirstBadLabel(weighted: Bool) {
    var labels = [Int32](repeating: 1, count: 150_000)
    labels[140_000] = 7
    labels[149_999] = -3
    let ones = [Float](repeating: 1, count: labels.count)
    let scan = labels.withUnsafeBufferPointer { labels in
      ones.withUnsafeBufferPointer { ones in
        ClassIndexScan(
          labels: labels, classes: 3, ignoreIndex: -100, rowWeights: weighted ? ones : nil,
          classWeights: nil)
      }
    }
    #expect(scan.firstInvalid?.sample == 140_000 && scan.firstInvalid?.label == 7)
  }
}
