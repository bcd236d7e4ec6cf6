import LossKitCore
import LossKitKernels

/// ``CRFLoss``'s pass over a batch: each sequence's negative log-likelihood, the emissions'
/// gradient written in place, and the gradients of the transition, start and end scores.
///
/// ```
/// NLL = log Z − score(y)
/// ∂NLL/∂E[t, j]  = p_t(j) − [y_t = j]
/// ∂NLL/∂A[i, j]  = Σ_t ξ_t(i, j) − #{t : y_{t−1} = i, y_t = j}
/// ∂NLL/∂start[j] = p_0(j) − [y_0 = j],    ∂NLL/∂end[j] = p_{L−1}(j) − [y_{L−1} = j]
/// ```
///
/// Sequences are split into chunks run on every core; each chunk sums its sequences' values
/// and score gradients in `Double` and the chunks are added in order, so the result does not
/// depend on the number of cores. Per chunk, the only allocations are its scratch buffers.
struct NegativeLogLikelihood: @unchecked Sendable {
  /// The forward-backward kernel over the batch's emissions.
  let kernel: ForwardBackward
  /// The tags `[N, T]`; only each sequence's counted steps are read.
  let labels: UnsafePointer<Int32>
  /// The counted leading steps of each sequence.
  let lengths: [Int]

  /// Where the emissions' gradient goes.
  struct EmissionGradient: @unchecked Sendable {
    /// `[N, T, C]`.
    var pointer: UnsafeMutablePointer<Float>
    /// Whether to add to what is there (another term's gradient) rather than overwrite.
    var accumulate: Bool
    /// The factor of every element: the caller's scale times the reduction's weight.
    var factor: Double
  }

  /// The weighted sum of the sequences' NLLs and its gradients in the CRF's scores.
  struct Sums {
    var value: Double
    var transitions: [Double]
    var start: [Double]
    var end: [Double]
  }

  /// Runs the pass.
  ///
  /// - Parameters:
  ///   - weight: The factor of every sequence's NLL (the reduction's).
  ///   - gradient: Where the emissions' gradient is written, or `nil` for the values alone
  ///     (the transitions' gradient in ``Sums`` is then not computed).
  ///   - perSequence: When given, receives each sequence's NLL (0 for an empty one).
  func run(
    weight: Double, gradient: EmissionGradient?, perSequence: UnsafeMutablePointer<Double>?
  ) -> Sums {
    let c = kernel.classes
    let width = 1 + c * c + 2 * c
    let sequences = lengths.count
    let grain = ForwardBackward.sequenceGrain(steps: kernel.steps, classes: c)
    let chunks = Parallel.chunkCount(sequences, grain: grain)
    return withUnsafeTemporaryAllocation(of: Double.self, capacity: max(chunks, 1) * width) {
      partials in
      partials.initialize(repeating: 0)
      let out = SendablePointer(partials.baseAddress!)
      let perSequenceOut = perSequence.map { SendablePointer($0) }
      let pass = self
      Parallel.forEachChunk(count: sequences, grain: grain) { chunk, range in
        pass.chunk(
          range, into: out.base + chunk * width, gradient: gradient,
          perSequence: perSequenceOut?.base)
      }
      var total = [Double](repeating: 0, count: width)
      for chunk in 0..<chunks {
        for k in 0..<width { total[k] += partials[chunk * width + k] }
      }
      let scores = total.dropFirst().map { $0 * weight }
      return Sums(
        value: total[0] * weight, transitions: Array(scores[0..<(c * c)]),
        start: Array(scores[(c * c)..<(c * c + c)]), end: Array(scores[(c * c + c)...]))
    }
  }

  private func chunk(
    _ range: Range<Int>, into partial: UnsafeMutablePointer<Double>, gradient: EmissionGradient?,
    perSequence: UnsafeMutablePointer<Double>?
  ) {
    let c = kernel.classes
    let steps = kernel.steps
    let pairs = partial + 1
    let startSums = pairs + c * c
    let endSums = startSums + c
    withUnsafeTemporaryAllocation(of: Double.self, capacity: kernel.scratchCount) { scratch in
      let marginals = scratch.baseAddress!
      for sequence in range {
        let length = lengths[sequence]
        let rowGradient = gradient.map { $0.pointer + sequence * steps * c }
        if let gradient, let rowGradient, !gradient.accumulate {
          rowGradient.update(repeating: 0, count: steps * c)
        }
        guard length > 0 else {
          perSequence?[sequence] = 0
          continue
        }
        let logZ = kernel.run(
          sequence: sequence, length: length, scratch: marginals,
          pairs: gradient == nil ? nil : pairs)
        let tags = labels + sequence * steps
        let nll = logZ - score(sequence, tags: tags, length: length)
        partial[0] += nll
        perSequence?[sequence] = nll
        let last = marginals + (length - 1) * c
        for j in 0..<c {
          startSums[j] += marginals[j]
          endSums[j] += last[j]
        }
        startSums[Int(tags[0])] -= 1
        endSums[Int(tags[length - 1])] -= 1
        for t in 1..<length { pairs[Int(tags[t - 1]) * c + Int(tags[t])] -= 1 }
        if let gradient, let rowGradient {
          for t in 0..<length { marginals[t * c + Int(tags[t])] -= 1 }
          for k in 0..<(length * c) {
            rowGradient[k] += Float(gradient.factor * marginals[k])
          }
        }
      }
    }
  }

  /// The score of the tag path: start, emissions, transitions and end.
  private func score(_ sequence: Int, tags: UnsafePointer<Int32>, length: Int) -> Double {
    let c = kernel.classes
    let scores = kernel.emissions + sequence * kernel.steps * c
    var previous = Int(tags[0])
    var total = kernel.start[previous] + Double(scores[previous])
    for t in 1..<length {
      let tag = Int(tags[t])
      total += kernel.transitions[previous * c + tag] + Double(scores[t * c + tag])
      previous = tag
    }
    return total + kernel.end[previous]
  }
}
