import LossKitCore

/// Viterbi decoding of one tag sequence at a time: the highest-scoring path, in `Double`.
///
/// ```
/// δ₀ = start + E₀,    δ_t[j] = E_t[j] + max_i (δ_{t−1}[i] + A[i, j])
/// best = max_j (δ_{T−1}[j] + end[j])
/// ```
///
/// then back along the arg-maxes. Ties go to the lowest tag index. Only additions and
/// comparisons, so any finite scores decode exactly.
struct Viterbi: @unchecked Sendable {
  /// The number of tags `C`.
  let classes: Int
  /// The steps `T` of a row of the emissions.
  let steps: Int
  /// The emissions `[N, T, C]`.
  let emissions: UnsafePointer<Float>
  /// The CRF's scores: transitions `[C, C]`, start `[C]`, end `[C]`.
  let transitions: UnsafePointer<Double>
  let start: UnsafePointer<Double>
  let end: UnsafePointer<Double>

  /// The `Double`s of scratch ``decode(sequence:length:scratch:backpointers:into:)`` needs.
  var scratchCount: Int { 2 * classes }
  /// The `Int32`s of back-pointers it needs.
  var backpointerCount: Int { steps * classes }

  /// Writes the best path of sequence `sequence` over its first `length ≥ 1` steps into
  /// `tags` and returns its score.
  func decode(
    sequence: Int, length: Int, scratch: UnsafeMutablePointer<Double>,
    backpointers: UnsafeMutablePointer<Int32>, into tags: UnsafeMutablePointer<Int32>
  ) -> Double {
    let c = classes
    let scores = emissions + sequence * steps * c
    var delta = scratch
    var next = scratch + c
    for j in 0..<c { delta[j] = start[j] + Double(scores[j]) }
    for t in 1..<length {
      let back = backpointers + t * c
      for j in 0..<c {
        var best = delta[0] + transitions[j]
        var from: Int32 = 0
        for i in 1..<c {
          let candidate = delta[i] + transitions[i * c + j]
          if candidate > best {
            best = candidate
            from = Int32(truncatingIfNeeded: i)
          }
        }
        next[j] = best + Double(scores[t * c + j])
        back[j] = from
      }
      swap(&delta, &next)
    }
    var best = delta[0] + end[0]
    var tag = 0
    for j in 1..<c where delta[j] + end[j] > best {
      best = delta[j] + end[j]
      tag = j
    }
    tags[length - 1] = Int32(truncatingIfNeeded: tag)
    for t in stride(from: length - 1, to: 0, by: -1) {
      tag = Int(backpointers[t * c + tag])
      tags[t - 1] = Int32(truncatingIfNeeded: tag)
    }
    return best
  }
}
