import LossKitCore
import LossKitKernels

/// The best tag path of each sequence, from ``LinearChainCRF/bestPaths(_:lengths:)``.
public struct CRFPaths: Sendable, Equatable {
  /// `[N, T]`: the sequences and their steps.
  public var shape: [Int]
  /// The best tag at each step, row-major `[N, T]`; steps past a sequence's length hold
  /// `Targets.defaultIgnoreIndex` (−100), so the paths can serve as targets.
  public var tags: [Int32]
  /// The score of each sequence's best path (0 for an empty sequence).
  public var scores: [Double]

  /// The best path of sequence `index`, without its padding.
  public func path(_ index: Int) -> ArraySlice<Int32> {
    let row = tags[(index * shape[1])..<((index + 1) * shape[1])]
    return row.prefix { $0 != Targets.defaultIgnoreIndex }
  }
}

extension LinearChainCRF {
  /// The highest-scoring tag path of each sequence (Viterbi decoding), as pytorch-crf's
  /// `CRF.decode`.
  ///
  /// - Parameters:
  ///   - emissions: `[N, T, C]` emission scores.
  ///   - lengths: The counted leading steps of each sequence (all `T` when `nil`); see
  ///     ``lengths(mask:shape:)`` for a mask.
  /// - Returns: One path per sequence, padded with −100.
  /// - Throws: ``LossKitError`` for a shape that does not match the tag set, a length outside
  ///   `0...T`, or non-finite emissions.
  public func bestPaths(_ emissions: Tensor, lengths: [Int]? = nil) throws -> CRFPaths {
    let (sequences, steps, lengths) = try validate(
      emissions, lengths: lengths, context: "LinearChainCRF.bestPaths", name: "emissions")
    var tags = [Int32](repeating: Targets.defaultIgnoreIndex, count: sequences * steps)
    var scores = [Double](repeating: 0, count: sequences)
    guard !tags.isEmpty else {
      return CRFPaths(shape: [sequences, steps], tags: tags, scores: scores)
    }
    let grain = ForwardBackward.sequenceGrain(steps: steps, classes: classes)
    withViterbi(emissions, steps: steps) { viterbi in
      tags.withUnsafeMutableBufferPointer { tags in
        scores.withUnsafeMutableBufferPointer { scores in
          let tagsOut = SendablePointer(tags.baseAddress!)
          let scoresOut = SendablePointer(scores.baseAddress!)
          Parallel.forEachChunk(count: sequences, grain: grain) { _, range in
            withUnsafeTemporaryAllocation(of: Double.self, capacity: viterbi.scratchCount) {
              scratch in
              withUnsafeTemporaryAllocation(of: Int32.self, capacity: viterbi.backpointerCount) {
                back in
                for sequence in range where lengths[sequence] > 0 {
                  scoresOut.base[sequence] = viterbi.decode(
                    sequence: sequence, length: lengths[sequence], scratch: scratch.baseAddress!,
                    backpointers: back.baseAddress!, into: tagsOut.base + sequence * steps)
                }
              }
            }
          }
        }
      }
    }
    return CRFPaths(shape: [sequences, steps], tags: tags, scores: scores)
  }

  private func withViterbi<R>(_ emissions: Tensor, steps: Int, _ body: (Viterbi) -> R) -> R {
    emissions.withUnsafeBufferPointer { emissions in
      transitions.withUnsafeBufferPointer { transitions in
        start.withUnsafeBufferPointer { start in
          end.withUnsafeBufferPointer { end in
            body(
              Viterbi(
                classes: classes, steps: steps, emissions: emissions.baseAddress!,
                transitions: transitions.baseAddress!, start: start.baseAddress!,
                end: end.baseAddress!))
          }
        }
      }
    }
  }

  /// The probability of every tag at every step given the whole sequence (forward-backward),
  /// `p_t(j) = P(y_t = j | E)`.
  ///
  /// Each counted step's row sums to one; rows past a sequence's length are zero. These are
  /// the probabilities to report beside the Viterbi path (a step's most probable tag may
  /// differ from the path's tag there).
  ///
  /// - Parameters:
  ///   - emissions: `[N, T, C]` emission scores.
  ///   - lengths: The counted leading steps of each sequence (all `T` when `nil`).
  /// - Returns: `[N, T, C]` marginals.
  /// - Throws: The errors of ``bestPaths(_:lengths:)``.
  public func marginals(_ emissions: Tensor, lengths: [Int]? = nil) throws -> Tensor {
    try marginals(emissions, lengths: lengths, logSpace: false)
  }

  /// ``marginals(_:lengths:)``, optionally forcing the log-space evaluation.
  func marginals(_ emissions: Tensor, lengths: [Int]?, logSpace: Bool) throws -> Tensor {
    let (sequences, steps, lengths) = try validate(
      emissions, lengths: lengths, context: "LinearChainCRF.marginals", name: "emissions")
    var result = Tensor(shape: emissions.shape)
    guard result.count > 0 else { return result }
    let grain = ForwardBackward.sequenceGrain(steps: steps, classes: classes)
    let c = classes
    emissions.withUnsafeBufferPointer { emissions in
      result.withUnsafeMutableBufferPointer { result in
        let out = SendablePointer(result.baseAddress!)
        ForwardBackward.withKernel(
          self, emissions: emissions.baseAddress!, steps: steps, logSpace: logSpace
        ) { kernel in
          Parallel.forEachChunk(count: sequences, grain: grain) { _, range in
            withUnsafeTemporaryAllocation(of: Double.self, capacity: kernel.scratchCount) {
              scratch in
              for sequence in range where lengths[sequence] > 0 {
                let length = lengths[sequence]
                _ = kernel.run(
                  sequence: sequence, length: length, scratch: scratch.baseAddress!, pairs: nil)
                let row = out.base + sequence * steps * c
                for k in 0..<(length * c) { row[k] = Float(scratch[k]) }
              }
            }
          }
        }
      }
    }
    return result
  }
}
