import Foundation
import LossKitCore

/// Forward-backward over one tag sequence at a time, in `Double`: log Z, the marginal of every
/// tag at every step and the sum over steps of the pair marginals `ξ_t(i, j)`.
///
/// ```
/// α₀ = start + E₀,    α_t[j] = E_t[j] + logΣ_i exp(α_{t−1}[i] + A[i, j])
/// log Z = logΣ_j exp(α_{T−1}[j] + end[j])
/// p_t(j) ∝ exp(α_t[j] + β_t[j]),    ξ_t(i, j) ∝ exp(α_{t−1}[i] + A[i, j] + E_t[j] + β_t[j])
/// ```
///
/// Two evaluations compute this exactly (to rounding):
/// - **scaled**: the forward and backward vectors are kept as probabilities renormalised at
///   every step and propagated by `P = exp(A − max A)`, the emissions entering as
///   `exp(E_t − max E_t)`: `C` exponentials and three `C × C` multiply-add passes per step.
///   Renormalising keeps every vector's largest entry near 1 and every entry that matters
///   above `exp(−2·spread)`, where `spread` is the largest range of the transition, start or
///   end scores; emissions may be arbitrarily far apart.
/// - **log-space**: every cell through log-sum-exp (`C²` exponentials per step), used when that
///   spread exceeds ``scaledSpreadLimit`` (for example transitions of −10⁴ that forbid a tag
///   pair), where `exp(−2·spread)` would leave the range of `Double`. Marginals are softmaxes
///   of `α + β` at each step, so they sum to one even where scores are huge.
struct ForwardBackward: @unchecked Sendable {
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
  /// For the scaled evaluation, `exp(score − max)` of the transitions, start and end scores,
  /// laid out `[C·C | C | C]`; `nil` selects the log-space evaluation.
  let exponentials: UnsafePointer<Double>?
  /// The maxima subtracted in ``exponentials``.
  let shifts: (transitions: Double, start: Double, end: Double)

  /// The largest range of transition, start or end scores the scaled evaluation takes:
  /// `exp(−2·300) ≈ 1e−261` is still a normal `Double`, far from the `1e−308` floor.
  static let scaledSpreadLimit = 300.0

  /// Sequences per parallel chunk: about 32k tag-cell steps (≳ 50 µs of work), so small
  /// batches stay on one thread. Depends only on the shape, so results do not depend on the
  /// number of cores.
  static func sequenceGrain(steps: Int, classes: Int) -> Int {
    max(1, 32_768 / max(1, steps * classes * (classes + 4)))
  }

  /// The `Double`s of scratch ``run(sequence:length:scratch:pairs:)`` needs.
  var scratchCount: Int { 2 * steps * classes + 3 * classes + classes * classes }

  /// Calls `body` with a kernel over `emissions` for `crf`.
  ///
  /// - Parameter logSpace: Forces the log-space evaluation (tests compare the two).
  static func withKernel<R>(
    _ crf: LinearChainCRF, emissions: UnsafePointer<Float>, steps: Int, logSpace: Bool = false,
    _ body: (ForwardBackward) -> R
  ) -> R {
    let classes = crf.classes
    func spread(_ scores: [Double]) -> Double { scores.max()! - scores.min()! }
    let scaled =
      !logSpace
      && max(spread(crf.transitions), spread(crf.start), spread(crf.end))
        <= scaledSpreadLimit
    let shifts = (crf.transitions.max()!, crf.start.max()!, crf.end.max()!)
    return crf.transitions.withUnsafeBufferPointer { transitions in
      crf.start.withUnsafeBufferPointer { start in
        crf.end.withUnsafeBufferPointer { end in
          withUnsafeTemporaryAllocation(
            of: Double.self, capacity: scaled ? classes * classes + 2 * classes : 0
          ) { table in
            if scaled {
              let base = table.baseAddress!
              for k in 0..<(classes * classes) { base[k] = exp(transitions[k] - shifts.0) }
              for k in 0..<classes {
                base[classes * classes + k] = exp(start[k] - shifts.1)
                base[classes * classes + classes + k] = exp(end[k] - shifts.2)
              }
            }
            return body(
              ForwardBackward(
                classes: classes, steps: steps, emissions: emissions,
                transitions: transitions.baseAddress!, start: start.baseAddress!,
                end: end.baseAddress!,
                exponentials: scaled ? UnsafePointer(table.baseAddress!) : nil,
                shifts: shifts))
          }
        }
      }
    }
  }

  /// Runs forward-backward over the first `length ≥ 1` steps of sequence `sequence`.
  ///
  /// - Parameters:
  ///   - scratch: ``scratchCount`` `Double`s; on return its first `length·C` hold the
  ///     marginals `p_t(j)` row by row.
  ///   - pairs: When given, `Σ_t ξ_t(i, j)` is added into it (`C·C`, row `i` = previous tag).
  /// - Returns: log Z.
  func run(
    sequence: Int, length: Int, scratch: UnsafeMutablePointer<Double>,
    pairs: UnsafeMutablePointer<Double>?
  ) -> Double {
    let scores = emissions + sequence * steps * classes
    if let exponentials {
      return scaled(scores, length: length, exponentials, scratch, pairs: pairs)
    }
    return logSpace(scores, length: length, scratch, pairs: pairs)
  }

  private func scaled(
    _ scores: UnsafePointer<Float>, length: Int, _ table: UnsafePointer<Double>,
    _ scratch: UnsafeMutablePointer<Double>, pairs: UnsafeMutablePointer<Double>?
  ) -> Double {
    let c = classes
    let expStart = table + c * c
    let expEnd = expStart + c
    let forward = scratch  // normalised forward vectors, overwritten by the marginals
    let emitted = scratch + length * c  // exp(E_t − max E_t)
    let backward = emitted + length * c
    let weighted = backward + c
    let propagated = weighted + c

    var top = Self.exponentials(of: scores, count: c, into: emitted)
    var total = 0.0
    for j in 0..<c {
      forward[j] = expStart[j] * emitted[j]
      total += forward[j]
    }
    Self.scale(forward, count: c, by: 1 / total)
    var logZ = shifts.start + top + log(total)
    for t in 1..<length {
      let previous = forward + (t - 1) * c
      let current = previous + c
      current.update(repeating: 0, count: c)
      for i in 0..<c {
        let a = previous[i]
        let row = table + i * c
        for j in 0..<c { current[j] += a * row[j] }
      }
      let emission = emitted + t * c
      top = Self.exponentials(of: scores + t * c, count: c, into: emission)
      total = 0
      for j in 0..<c {
        current[j] *= emission[j]
        total += current[j]
      }
      Self.scale(current, count: c, by: 1 / total)
      logZ += shifts.transitions + top + log(total)
    }
    let last = forward + (length - 1) * c
    total = 0
    for j in 0..<c { total += last[j] * expEnd[j] }
    logZ += shifts.end + log(total)

    backward.update(from: expEnd, count: c)
    for t in stride(from: length - 1, to: 0, by: -1) {
      let current = forward + t * c
      let previous = current - c
      let emission = emitted + t * c
      for j in 0..<c { weighted[j] = emission[j] * backward[j] }
      Self.normaliseProducts(current, backward, count: c)
      var norm = 0.0
      var largest = 0.0
      for i in 0..<c {
        let row = table + i * c
        var sum = 0.0
        for j in 0..<c { sum += row[j] * weighted[j] }
        propagated[i] = sum
        norm += previous[i] * sum
        largest = max(largest, sum)
      }
      if let pairs {
        let inverse = 1 / norm
        for i in 0..<c where previous[i] != 0 {
          let a = previous[i] * inverse
          let row = table + i * c
          let out = pairs + i * c
          for j in 0..<c { out[j] += a * row[j] * weighted[j] }
        }
      }
      let inverse = 1 / largest
      for i in 0..<c { backward[i] = propagated[i] * inverse }
    }
    Self.normaliseProducts(forward, backward, count: c)
    return logZ
  }

  private func logSpace(
    _ scores: UnsafePointer<Float>, length: Int, _ scratch: UnsafeMutablePointer<Double>,
    pairs: UnsafeMutablePointer<Double>?
  ) -> Double {
    let c = classes
    let alpha = scratch  // log forward vectors, overwritten by the marginals
    let beta = scratch + length * c
    let next = beta + c
    let cell = next + c
    for j in 0..<c { alpha[j] = start[j] + Double(scores[j]) }
    for t in 1..<length {
      let previous = alpha + (t - 1) * c
      for j in 0..<c {
        for i in 0..<c { cell[i] = previous[i] + transitions[i * c + j] }
        alpha[t * c + j] = Double(scores[t * c + j]) + Self.logSumExp(cell, count: c)
      }
    }
    let last = alpha + (length - 1) * c
    for j in 0..<c { cell[j] = last[j] + end[j] }
    let logZ = Self.logSumExp(cell, count: c)

    beta.update(from: end, count: c)
    for t in stride(from: length - 1, to: 0, by: -1) {
      let current = alpha + t * c
      let previous = current - c
      Self.softmaxOfSums(current, beta, count: c)
      for j in 0..<c { next[j] = Double(scores[t * c + j]) + beta[j] }
      if let pairs {
        var largest = -Double.infinity
        for i in 0..<c {
          for j in 0..<c {
            let x = previous[i] + transitions[i * c + j] + next[j]
            cell[i * c + j] = x
            largest = max(largest, x)
          }
        }
        var total = 0.0
        for k in 0..<(c * c) {
          cell[k] = exp(cell[k] - largest)
          total += cell[k]
        }
        let inverse = 1 / total
        for k in 0..<(c * c) { pairs[k] += cell[k] * inverse }
      }
      for i in 0..<c {
        for j in 0..<c { cell[j] = transitions[i * c + j] + next[j] }
        beta[i] = Self.logSumExp(cell, count: c)
      }
    }
    Self.softmaxOfSums(alpha, beta, count: c)
    return logZ
  }

  /// `out[j] = exp(x[j] − max x)`; returns `max x`.
  private static func exponentials(
    of x: UnsafePointer<Float>, count: Int, into out: UnsafeMutablePointer<Double>
  ) -> Double {
    var top = -Double.infinity
    for j in 0..<count { top = max(top, Double(x[j])) }
    for j in 0..<count { out[j] = exp(Double(x[j]) - top) }
    return top
  }

  private static func scale(_ x: UnsafeMutablePointer<Double>, count: Int, by factor: Double) {
    for j in 0..<count { x[j] *= factor }
  }

  /// `x ← x ⊙ y / Σ(x ⊙ y)`.
  private static func normaliseProducts(
    _ x: UnsafeMutablePointer<Double>, _ y: UnsafePointer<Double>, count: Int
  ) {
    var total = 0.0
    for j in 0..<count {
      x[j] *= y[j]
      total += x[j]
    }
    scale(x, count: count, by: 1 / total)
  }

  /// `x ← softmax(x + y)`.
  private static func softmaxOfSums(
    _ x: UnsafeMutablePointer<Double>, _ y: UnsafePointer<Double>, count: Int
  ) {
    var top = -Double.infinity
    for j in 0..<count {
      x[j] += y[j]
      top = max(top, x[j])
    }
    var total = 0.0
    for j in 0..<count {
      x[j] = exp(x[j] - top)
      total += x[j]
    }
    scale(x, count: count, by: 1 / total)
  }

  private static func logSumExp(_ x: UnsafePointer<Double>, count: Int) -> Double {
    var top = -Double.infinity
    for j in 0..<count { top = max(top, x[j]) }
    var total = 0.0
    for j in 0..<count { total += exp(x[j] - top) }
    return top + log(total)
  }
}
