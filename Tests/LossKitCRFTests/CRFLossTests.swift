import Foundation
import LossKitCore
import LossKitTesting
import Testing

@testable import LossKitCRF

/// The kernel's gradients for all four outputs against central finite differences of the
/// scalar reference, and its value against the reference; returns the problems found.
func finiteDifferenceProblems(_ loss: CRFLoss, _ example: CRFExample) throws -> [String] {
  let targets = example.targets
  let result = try loss(example.outputs, ["labels": targets])
  var inputs = [
    example.emissions, example.transitions, example.start, example.end,
  ].map { $0.scalars.map(Double.init) }
  func reference(_ inputs: [[Double]]) -> Double {
    loss.referenceValue(
      emissions: inputs[0], shape: example.emissions.shape, transitions: inputs[1],
      start: inputs[2], end: inputs[3], targets: targets)
  }
  var problems: [String] = []
  let expected = reference(inputs)
  if !isClose(result.value, expected, relative: 1e-9, absolute: 1e-9) {
    problems.append("value \(result.value), reference \(expected)")
  }
  for (index, name) in ["logits", "transitions", "start_transitions", "end_transitions"]
    .enumerated()
  {
    let numeric = finiteDifferenceGradient(at: inputs[index]) { point in
      let saved = inputs[index]
      inputs[index] = point
      defer { inputs[index] = saved }
      return reference(inputs)
    }
    guard let gradient = result.gradients[name] else {
      problems.append("no gradient for \(name)")
      continue
    }
    let bad = mismatches(
      gradient.scalars.map(Double.init), numeric, relative: 2e-3, absolute: 2e-5)
    if !bad.isEmpty {
      problems.append("\(name): \(bad.count) elements differ, first \(bad.prefix(3))")
    }
  }
  return problems
}

@Suite struct CRFLossValueTests {
  @Test(
    "the NLL of a tiny ragged batch equals the brute force over every tag path",
    arguments: CRFReduction.allCases)
  func bruteForce(_ reduction: CRFReduction) throws {
    let example = CRFExample(seed: 1, sequences: 5, steps: 4, classes: 3, lengths: [4, 1, 3, 0, 2])
    let loss = try CRFLoss(reduction: reduction)
    let result = try loss(example.outputs, ["labels": example.targets])
    let counted = [0, 1, 2, 4]
    let nlls = counted.map(example.bruteNLL)
    let divisor: Double =
      switch reduction {
      case .sum: 1
      case .mean: 4
      case .tokenMean: 10
      }
    let expected = nlls.reduce(0, +) / divisor
    #expect(isClose(result.value, expected, relative: 1e-9, absolute: 1e-9))
    let perSequence = try loss.perSampleLosses(example.outputs, ["labels": example.targets])
    #expect(perSequence.shape == [5])
    #expect(perSequence.scalars[3] == 0)
    for (n, nll) in zip(counted, nlls) {
      #expect(isClose(Double(perSequence.scalars[n]), nll, relative: 1e-6, absolute: 1e-6))
    }
  }

  @Test(
    "gradients of all four outputs match finite differences",
    arguments: CRFReduction.allCases,
    [
      (seed: UInt64(2), sequences: 3, steps: 5, classes: 3, lengths: [5, 5, 5]),
      (seed: 3, sequences: 4, steps: 6, classes: 4, lengths: [6, 1, 0, 3]),
      (seed: 4, sequences: 2, steps: 7, classes: 5, lengths: [7, 4]),
      (seed: 5, sequences: 2, steps: 3, classes: 1, lengths: [3, 2]),
    ])
  func finiteDifferences(
    _ reduction: CRFReduction,
    _ shape: (seed: UInt64, sequences: Int, steps: Int, classes: Int, lengths: [Int])
  ) throws {
    let example = CRFExample(
      seed: shape.seed, sequences: shape.sequences, steps: shape.steps, classes: shape.classes,
      lengths: shape.lengths)
    let problems = try finiteDifferenceProblems(try CRFLoss(reduction: reduction), example)
    #expect(problems.isEmpty, "\(problems)")
  }

  @Test("length-1 sequences: transitions get a zero gradient, start and end do not")
  func lengthOne() throws {
    let example = CRFExample(seed: 6, sequences: 3, steps: 1, classes: 4)
    let result = try CRFLoss(reduction: .sum)(example.outputs, ["labels": example.targets])
    #expect(result.gradients["transitions"]!.scalars.allSatisfy { $0 == 0 })
    #expect(result.gradients["start_transitions"]!.scalars.contains { $0 != 0 })
    #expect(result.gradients["end_transitions"]!.scalars.contains { $0 != 0 })
    #expect(try finiteDifferenceProblems(CRFLoss(reduction: .sum), example).isEmpty)
  }

  @Test("an all-masked batch gives 0 and zero gradients, also over stale buffers")
  func allMasked() throws {
    let full = CRFExample(seed: 7, sequences: 3, steps: 4, classes: 3)
    var empty = full
    empty.lengths = [0, 0, 0]
    let loss = CRFLoss()
    var buffers = GradientBuffers()
    _ = try loss.evaluate(full.outputs, ["labels": full.targets], scale: 1, gradients: &buffers)
    buffers.reset()
    for reduction in CRFReduction.allCases {
      let value = try CRFLoss(reduction: reduction).evaluate(
        empty.outputs, ["labels": empty.targets], scale: 1, gradients: &buffers)
      #expect(value.value == 0)
      for (name, gradient) in buffers.written {
        #expect(gradient.scalars.allSatisfy { $0 == 0 }, "\(name)")
      }
      #expect(buffers.written.count == 4)
      buffers.reset()
    }
    let ignored = try Targets(
      classIndices: Array(repeating: -100, count: 12), shape: [3, 4])
    #expect(try loss(empty.outputs, ["labels": ignored]).value == 0)
  }

  @Test("reused gradient buffers are overwritten, padded steps included")
  func reusedBuffers() throws {
    let full = CRFExample(seed: 8, sequences: 2, steps: 5, classes: 3)
    var ragged = full
    ragged.lengths = [5, 2]
    let loss = CRFLoss()
    var buffers = GradientBuffers()
    _ = try loss.evaluate(full.outputs, ["labels": full.targets], scale: 1, gradients: &buffers)
    buffers.reset()
    _ = try loss.evaluate(
      ragged.outputs, ["labels": ragged.targets], scale: 1, gradients: &buffers)
    let fresh = try loss(ragged.outputs, ["labels": ragged.targets])
    #expect(buffers.written == fresh.gradients)
    #expect(fresh.gradients["logits"]!.scalars[(5 + 2) * 3..<(10 * 3)].allSatisfy { $0 == 0 })
  }

  @Test("padding may be marked by the ignore index instead of the mask")
  func ignoreIndexPadding() throws {
    let example = CRFExample(seed: 9, sequences: 2, steps: 4, classes: 3, lengths: [4, 2])
    var tags = example.tags
    tags[6] = -100
    tags[7] = -100
    let byIndex = try Targets(classIndices: tags, shape: [2, 4])
    let loss = CRFLoss()
    let masked = try loss(example.outputs, ["labels": example.targets])
    let indexed = try loss(example.outputs, ["labels": byIndex])
    #expect(masked.value == indexed.value)
    #expect(masked.gradients == indexed.gradients)
  }
}

@Suite struct CRFLossStabilityTests {
  @Test("scores of ±50 and ±10⁴ give finite values matching the reference and finite differences")
  func extremeScores() throws {
    var example = CRFExample(seed: 10, sequences: 3, steps: 6, classes: 4, lengths: [6, 3, 1])
    var random = SeededGenerator(seed: 11)
    let extremes: [Float] = [-1e4, -50, 50, 1e4]
    func saturate(_ tensor: Tensor) -> Tensor {
      Tensor(shape: tensor.shape) { index in
        random.nextUnitFloat() < 0.3 ? extremes[Int(random.next() % 4)] : tensor.scalars[index]
      }
    }
    example.emissions = saturate(example.emissions)
    for reduction in CRFReduction.allCases {
      let loss = try CRFLoss(reduction: reduction)
      let result = try loss(example.outputs, ["labels": example.targets])
      #expect(result.value.isFinite)
      #expect(result.gradients.values.allSatisfy { $0.scalars.allSatisfy(\.isFinite) })
      #expect(try finiteDifferenceProblems(loss, example).isEmpty)
    }
    // Transitions spread over 2·10⁴ take the log-space evaluation.
    example.transitions = saturate(example.transitions)
    example.start = saturate(example.start)
    let problems = try finiteDifferenceProblems(CRFLoss(reduction: .sum), example)
    #expect(problems.isEmpty, "\(problems)")
  }

  @Test("forbidden transitions (−10⁴) are never on a decoded path and get zero probability")
  func forbiddenTransitions() throws {
    var example = CRFExample(seed: 12, sequences: 2, steps: 5, classes: 3)
    var scores = example.transitions.scalars
    scores[0 * 3 + 1] = -1e4
    scores[2 * 3 + 2] = -1e4
    example.transitions = try Tensor(shape: [3, 3], scalars: scores)
    let paths = try example.crf.bestPaths(example.emissions)
    for n in 0..<2 {
      let path = Array(paths.path(n))
      for (a, b) in zip(path, path.dropFirst()) {
        #expect(!(a == 0 && b == 1) && !(a == 2 && b == 2))
      }
    }
    let problems = try finiteDifferenceProblems(CRFLoss(), example)
    #expect(problems.isEmpty, "\(problems)")
  }

  @Test("scores of ±10³⁰ still give finite values and gradients")
  func hugeScores() throws {
    var example = CRFExample(seed: 13, sequences: 2, steps: 4, classes: 3)
    example.emissions = Tensor(shape: example.emissions.shape) { $0 % 3 == 0 ? 1e30 : -1e30 }
    for transitions in [example.transitions, Tensor(shape: [3, 3]) { $0 % 2 == 0 ? 1e30 : -1e30 }] {
      example.transitions = transitions
      let result = try CRFLoss()(example.outputs, ["labels": example.targets])
      #expect(result.value.isFinite)
      #expect(result.gradients.values.allSatisfy { $0.scalars.allSatisfy(\.isFinite) })
      let marginals = try example.crf.marginals(example.emissions)
      #expect(marginals.scalars.allSatisfy { $0.isFinite && $0 >= 0 && $0 <= 1.000_001 })
    }
  }
}

@Suite struct CRFLossParallelTests {
  @Test("a batch split across cores gives each sequence the gradient it has alone")
  func chunksAgreeWithSingleSequences() throws {
    let example = CRFExample(seed: 14, sequences: 300, steps: 20, classes: 4)
    #expect(ForwardBackward.sequenceGrain(steps: 20, classes: 4) < 300)
    let loss = try CRFLoss(reduction: .sum)
    let batch = try loss(example.outputs, ["labels": example.targets])
    let perSequence = try loss.perSampleLosses(example.outputs, ["labels": example.targets])
    for n in stride(from: 0, to: 300, by: 37) {
      let rows = n * 20 * 4..<(n + 1) * 20 * 4
      var single = example
      single.emissions = try Tensor(
        shape: [1, 20, 4], scalars: Array(example.emissions.scalars[rows]))
      single.tags = Array(example.tags[n * 20..<(n + 1) * 20])
      single.lengths = [20]
      let alone = try loss(single.outputs, ["labels": single.targets])
      #expect(Array(batch.gradients["logits"]!.scalars[rows]) == alone.gradients["logits"]!.scalars)
      #expect(isClose(Double(perSequence.scalars[n]), alone.value, relative: 1e-6, absolute: 1e-5))
    }
    let reference = loss.referenceValue(
      emissions: example.emissions.scalars.map(Double.init), shape: example.emissions.shape,
      transitions: example.transitions.scalars.map(Double.init),
      start: example.start.scalars.map(Double.init), end: example.end.scalars.map(Double.init),
      targets: example.targets)
    #expect(isClose(batch.value, reference, relative: 1e-10, absolute: 1e-9))
  }

  @Test("long sequences with many tags (megabytes of scratch per chunk) train and decode")
  func longSequences() throws {
    // 2·T·C doubles of scratch per chunk: 2.5 MB here, split over three chunks on worker
    // threads (withUnsafeTemporaryAllocation moves to the heap when the stack cannot hold it).
    let example = CRFExample(
      seed: 15, sequences: 3, steps: 4_000, classes: 40, lengths: [4_000, 10, 3_999])
    let result = try CRFLoss()(example.outputs, ["labels": example.targets])
    #expect(result.value.isFinite && result.value > 0)
    let paths = try example.crf.bestPaths(example.emissions, lengths: example.lengths)
    #expect(paths.path(0).count == 4_000)
    let marginals = try example.crf.marginals(example.emissions, lengths: example.lengths)
    #expect(abs(marginals.scalars[0..<40].reduce(0, +) - 1) < 1e-5)
  }
}
