import LossKitCore

/// Central finite differences of `f` at `x`, in `Double`.
public func finiteDifferenceGradient(
  at x: [Double], step: Double = 1e-5, _ f: ([Double]) throws -> Double
) rethrows -> [Double] {
  var point = x
  var gradient = [Double](repeating: 0, count: x.count)
  for index in x.indices {
    let original = point[index]
    point[index] = original + step
    let up = try f(point)
    point[index] = original - step
    let down = try f(point)
    point[index] = original
    gradient[index] = (up - down) / (2 * step)
  }
  return gradient
}

/// The indices where `actual` and `expected` differ by more than `absolute + relative·|e|`,
/// with both values, for test messages.
public func mismatches(
  _ actual: [Double], _ expected: [Double], relative: Double, absolute: Double
) -> [(index: Int, actual: Double, expected: Double)] {
  guard actual.count == expected.count else { return [(-1, Double(actual.count), Double(expected.count))] }
  return actual.indices.compactMap { index in
    let error = abs(actual[index] - expected[index])
    return error <= absolute + relative * abs(expected[index])
      ? nil : (index, actual[index], expected[index])
  }
}

/// Whether two numbers agree within `absolute + relative·|expected|`.
public func isClose(_ actual: Double, _ expected: Double, relative: Double, absolute: Double)
  -> Bool
{
  abs(actual - expected) <= absolute + relative * abs(expected)
}

/// Checks a ``ReferenceLoss``: the kernel's value against the reference, and the kernel's
/// gradient against finite differences of the reference. Returns problems (empty when fine).
public func referenceProblems<L: ReferenceLoss>(
  _ loss: L, output: Tensor, targets: Targets, valueTolerance: Double = 1e-4,
  gradientTolerance: Double = 2e-3, gradientFloor: Double = 2e-5
) throws -> [String] {
  let name = loss.outputNames.first!
  let target = loss.targetNames.first!
  let result = try loss([name: output], [target: targets])
  let input = output.scalars.map(Double.init)
  let reference = try loss.referenceValue(input, shape: output.shape, targets: targets)
  var problems: [String] = []
  if !isClose(result.value, reference, relative: valueTolerance, absolute: 1e-6) {
    problems.append("value \(result.value), reference \(reference)")
  }
  let numeric = try finiteDifferenceGradient(at: input) {
    try loss.referenceValue($0, shape: output.shape, targets: targets)
  }
  let gradient = result.gradients[name]?.scalars.map(Double.init) ?? []
  let bad = mismatches(gradient, numeric, relative: gradientTolerance, absolute: gradientFloor)
  if !bad.isEmpty {
    problems.append(
      "\(bad.count) gradient elements differ, first: \(bad.prefix(3).map { "[\($0.index)] \($0.actual) vs \($0.expected)" })"
    )
  }
  return problems
}

/// Random inputs for tests, from a seed.
public struct TestData {
  /// The generator.
  public var random: SeededGenerator

  /// Test data from a seed.
  public init(seed: UInt64) { random = SeededGenerator(seed: seed) }

  /// A tensor of normal values times `scale`.
  public mutating func normal(_ shape: [Int], scale: Double = 2) -> Tensor {
    var random = self.random
    let tensor = Tensor(shape: shape) { _ in Float(random.nextNormal() * scale) }
    self.random = random
    return tensor
  }

  /// `count` class indices in `0..<classes`, a fraction of them replaced by the ignore index.
  public mutating func labels(_ count: Int, classes: Int, ignored: Double = 0) -> [Int32] {
    (0..<count).map { _ in
      Double(random.nextUnitFloat()) < ignored
        ? Targets.defaultIgnoreIndex : Int32(random.next() % UInt64(classes))
    }
  }

  /// Dense 0/1 targets with the given share of ones.
  public mutating func binary(_ shape: [Int], share: Double = 0.3) -> Tensor {
    var random = self.random
    let tensor = Tensor(shape: shape) { _ in Double(random.nextUnitFloat()) < share ? 1 : 0 }
    self.random = random
    return tensor
  }

  /// Dense rows that each sum to one.
  public mutating func distributions(rows: Int, classes: Int) -> Tensor {
    var values: [Float] = []
    for _ in 0..<rows {
      let raw = (0..<classes).map { _ in random.nextUnitFloat() + 0.05 }
      let sum = raw.reduce(0, +)
      values += raw.map { $0 / sum }
    }
    return try! Tensor(shape: [rows, classes], scalars: values)
  }

  /// Positive weights in `[0.2, 2)`.
  public mutating func weights(_ count: Int) -> [Float] {
    (0..<count).map { _ in 0.2 + 1.8 * random.nextUnitFloat() }
  }
}
