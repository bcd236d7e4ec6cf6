import LossKitCore
import Testing

@Suite struct TensorElementCountTests {
  @Test(
    "element counts are products, or nil for a negative or overflowing shape",
    arguments: [
      ([], 1), ([3], 3), ([2, 3, 4], 24), ([0, 5], 0), ([1 << 40, 0], 0), ([-1, 2], nil),
      ([4_611_686_018_427_387_904, 4], nil), ([1 << 32, 1 << 32], nil),
      ([1 << 32, 0, 1 << 32], nil), ([Int.max], Int.max),
    ] as [([Int], Int?)])
  func counts(_ shape: [Int], _ expected: Int?) {
    #expect(Tensor.elementCount(of: shape) == expected)
  }

  @Test("a shape whose product overflows is a thrown error, not a trap")
  func overflowingShapeThrows() {
    #expect(throws: LossKitError.self) {
      try Tensor(shape: [4_611_686_018_427_387_904, 4], scalars: [])
    }
  }
}
