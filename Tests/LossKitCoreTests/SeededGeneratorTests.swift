import LossKitCore
import Testing

@Suite struct SeededGeneratorTests {
  @Test func seededGeneratorsRepeat() {
    var a = SeededGenerator(seed: 42)
    var b = SeededGenerator(seed: 42)
    #expect((0..<10).map { _ in a.next() } == (0..<10).map { _ in b.next() })
    #expect(a.derived(1) != a.derived(2))
  }
}
