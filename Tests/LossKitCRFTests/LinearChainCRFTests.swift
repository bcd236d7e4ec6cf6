import Foundation
import LossKitCore
import LossKitTesting
import Testing

@testable import LossKitCRF

@Suite struct LinearChainCRFTests {
  static let ragged = CRFExample(
    seed: 21, sequences: 5, steps: 5, classes: 3, lengths: [5, 1, 0, 4, 2])

  @Test("Viterbi finds the brute-force best path and its score, padded with −100")
  func viterbi() throws {
    let example = Self.ragged
    let paths = try example.crf.bestPaths(example.emissions, lengths: example.lengths)
    #expect(paths.shape == [5, 5])
    for n in 0..<5 {
      let path = paths.path(n).map(Int.init)
      #expect(path.count == example.lengths[n])
      #expect(
        paths.tags[(n * 5 + example.lengths[n])..<(n * 5 + 5)].allSatisfy { $0 == -100 })
      guard example.lengths[n] > 0 else {
        #expect(paths.scores[n] == 0)
        continue
      }
      #expect(path == example.bruteBestPath(n))
      #expect(isClose(paths.scores[n], example.score(n, path), relative: 1e-12, absolute: 1e-12))
    }
  }

  @Test("Viterbi breaks ties towards the lowest tag")
  func ties() throws {
    let crf = try LinearChainCRF(
      transitions: Tensor(shape: [2, 2]), start: Tensor(shape: [2]), end: Tensor(shape: [2]))
    let paths = try crf.bestPaths(Tensor(shape: [1, 3, 2]))
    #expect(paths.tags == [0, 0, 0])
  }

  @Test(
    "marginals equal the brute-force tag probabilities in both evaluations",
    arguments: [false, true])
  func marginals(_ logSpace: Bool) throws {
    let example = Self.ragged
    let marginals = try example.crf.marginals(
      example.emissions, lengths: example.lengths, logSpace: logSpace)
    #expect(marginals.shape == example.emissions.shape)
    for n in 0..<5 {
      let expected = example.lengths[n] > 0 ? example.bruteMarginals(n) : []
      for t in 0..<5 {
        for j in 0..<3 {
          let got = Double(marginals[n, t, j])
          let want = t < example.lengths[n] ? expected[t][j] : 0
          #expect(isClose(got, want, relative: 1e-5, absolute: 1e-6), "\(n) \(t) \(j)")
        }
      }
    }
  }

  @Test("the log-space and scaled evaluations agree on a long batch")
  func evaluationsAgree() throws {
    let example = CRFExample(seed: 22, sequences: 40, steps: 60, classes: 6, scale: 4)
    let scaled = try example.crf.marginals(example.emissions, lengths: nil, logSpace: false)
    let logSpace = try example.crf.marginals(example.emissions, lengths: nil, logSpace: true)
    let bad = mismatches(
      scaled.scalars.map(Double.init), logSpace.scalars.map(Double.init), relative: 1e-5,
      absolute: 1e-6)
    #expect(bad.isEmpty, "\(bad.prefix(3))")
  }

  @Test func lengthsFromAMask() throws {
    #expect(
      try LinearChainCRF.lengths(mask: [1, 1, 0, 1, 0, 0, 0, 0, 0], shape: [3, 3]) == [2, 1, 0])
    #expect(throws: LossKitError.self) {
      try LinearChainCRF.lengths(mask: [1, 0, 1], shape: [1, 3])
    }
    #expect(throws: LossKitError.self) {
      try LinearChainCRF.lengths(mask: [1, 0.5, 0], shape: [1, 3])
    }
    #expect(throws: LossKitError.self) {
      try LinearChainCRF.lengths(mask: [1, 1], shape: [1, 3])
    }
  }

  @Test("decoding rejects bad shapes, lengths and non-finite scores with clear errors")
  func decodingErrors() throws {
    let crf = Self.ragged.crf
    #expect(throws: LossKitError.self) { try crf.bestPaths(Tensor(shape: [2, 5, 4])) }
    #expect(throws: LossKitError.self) { try crf.marginals(Tensor(shape: [10, 3])) }
    #expect(throws: LossKitError.self) {
      try crf.bestPaths(Tensor(shape: [1, 5, 3]), lengths: [6])
    }
    #expect(throws: LossKitError.self) {
      try crf.bestPaths(Tensor(shape: [1, 5, 3]), lengths: [1, 1])
    }
    #expect(throws: LossKitError.self) {
      try crf.marginals(Tensor(shape: [1, 2, 3], repeating: .nan))
    }
    #expect(throws: LossKitError.self) {
      try LinearChainCRF(
        transitions: Tensor(shape: [2, 3]), start: Tensor(shape: [2]), end: Tensor(shape: [2]))
    }
    #expect(throws: LossKitError.self) {
      try LinearChainCRF(
        transitions: Tensor(shape: [2, 2], repeating: .infinity), start: Tensor(shape: [2]),
        end: Tensor(shape: [2]))
    }
    #expect(try crf.bestPaths(Tensor(shape: [0, 5, 3])).tags.isEmpty)
    #expect(try crf.marginals(Tensor(shape: [2, 0, 3])).shape == [2, 0, 3])
  }
}
