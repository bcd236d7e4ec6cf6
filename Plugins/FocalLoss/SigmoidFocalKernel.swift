import LossKitCore

/// The fused value-and-gradient kernel of sigmoid (binary / multi-label) focal loss.
///
/// Per element with logit `x`, target `y ∈ [0, 1]` and `σ` the logistic function:
///
/// ```
/// ce = max(x, 0) − x·y + log(1 + e^−|x|)          (BCE with logits)
/// m  = y·σ(−x) + (1 − y)·σ(x)                      (1 − p_t, without cancellation)
/// loss = α_t · ce · m^γ,   α_t = α·y + (1 − α)(1 − y)
/// ∂loss/∂x = α_t · m^γ · [(σ(x) − y) + γ · ce · (1 − 2y) · σ(x)σ(−x) / m]
/// ```
///
/// `σ(x)σ(−x)/m` is evaluated in a form that stays finite when `m` underflows, so the
/// gradient is finite for every finite logit and every γ ≥ 0 (torchvision's is NaN for γ < 1
/// at saturated logits). One `exp`, one `log` and three divisions per element, sixteen lanes
/// at a time, chunks on every core.
struct SigmoidFocalKernel: @unchecked Sendable {
  var logits: UnsafePointer<Float>
  var targets: UnsafePointer<Float>
  var count: Int
  /// Elements per sample (the last dimension), for ``rowWeights``.
  var rowLength: Int
  var rowWeights: UnsafePointer<Float>?
  var gamma: Float
  var alpha: Float?
  var labelSmoothing: Float = 0
  var gradient: UnsafeMutablePointer<Float>?
  var gradientScale: Float = 1
  var accumulate = false
  var perElement: UnsafeMutablePointer<Float>?

  /// Returns the sum of the element losses and whether an input was non-finite.
  func run() -> KernelSum {
    switch gamma {
    case 0: return run(FocalPowerZero.self)
    case 1: return run(FocalPowerOne.self)
    case 2: return run(FocalPowerTwo.self)
    default: return run(FocalPowerGeneral.self)
    }
  }

  private func run<Power: FocalPower>(_ power: Power.Type) -> KernelSum {
    let kernel = self
    if rowWeights == nil {
      return Parallel.sum(count: count, grain: 1 << 16) { range in
        var flag = NonFiniteFlag()
        let sum = kernel.span(range, weight: 1, Power.self, &flag)
        return KernelSum(sum: sum, sawNonFinite: flag.isSet)
      }
    }
    let rows = count / rowLength
    return Parallel.sum(count: rows, grain: max(1, (1 << 16) / rowLength)) { rowRange in
      var flag = NonFiniteFlag()
      var sum = 0.0
      for row in rowRange {
        let start = row * kernel.rowLength
        sum += kernel.span(
          start..<(start + kernel.rowLength), weight: kernel.rowWeights![row], Power.self, &flag)
      }
      return KernelSum(sum: sum, sawNonFinite: flag.isSet)
    }
  }

  /// Processes the elements in `range`, all with the same sample weight.
  private func span<Power: FocalPower>(
    _ range: Range<Int>, weight: Float, _ power: Power.Type, _ flag: inout NonFiniteFlag
  ) -> Double {
    var total = 0.0
    var partial = FloatVector(repeating: 0)
    var index = range.lowerBound
    var vectors = 0
    let scale = gradientScale * weight
    while index + 16 <= range.upperBound {
      let x = UnsafeRawPointer(logits + index).loadUnaligned(as: FloatVector.self)
      let y = UnsafeRawPointer(targets + index).loadUnaligned(as: FloatVector.self)
      flag.record(x)
      flag.record(y)
      let (loss, slope) = Self.element(
        x: x, y: y, gamma: gamma, alpha: alpha, smoothing: labelSmoothing, Power.self)
      partial += loss
      store(loss * weight, slope * scale, at: index, lanes: 16)
      index += 16
      vectors += 1
      if vectors == 64 {
        total += Double(partial.sum())
        partial = FloatVector(repeating: 0)
        vectors = 0
      }
    }
    if index < range.upperBound {
      // Fewer than 16 left: pad with zeros and keep only the valid lanes.
      let lanes = range.upperBound - index
      var x = FloatVector(repeating: 0)
      var y = FloatVector(repeating: 0)
      for lane in 0..<lanes {
        x[lane] = logits[index + lane]
        y[lane] = targets[index + lane]
      }
      flag.record(x)
      flag.record(y)
      var (loss, slope) = Self.element(
        x: x, y: y, gamma: gamma, alpha: alpha, smoothing: labelSmoothing, Power.self)
      for lane in lanes..<16 { loss[lane] = 0 }
      slope *= scale
      partial += loss
      store(loss * weight, slope, at: index, lanes: lanes)
    }
    return (total + Double(partial.sum())) * Double(weight)
  }

  @inline(__always)
  private func store(_ loss: FloatVector, _ slope: FloatVector, at index: Int, lanes: Int) {
    if let gradient {
      if lanes == 16 {
        let pointer = UnsafeMutableRawPointer(gradient + index)
        let old = accumulate ? pointer.loadUnaligned(as: FloatVector.self) : .zero
        pointer.storeBytes(of: old + slope, as: FloatVector.self)
      } else {
        for lane in 0..<lanes {
          gradient[index + lane] = (accumulate ? gradient[index + lane] : 0) + slope[lane]
        }
      }
    }
    if let perElement {
      for lane in 0..<lanes { perElement[index + lane] = loss[lane] }
    }
  }

  /// The loss and its derivative for sixteen elements.
  @inline(__always)
  static func element<Power: FocalPower>(
    x: FloatVector, y rawTarget: FloatVector, gamma: Float, alpha: Float?, smoothing: Float,
    _ power: Power.Type
  ) -> (loss: FloatVector, slope: FloatVector) {
    let y: FloatVector = smoothing == 0 ? rawTarget : rawTarget * (1 - smoothing) + smoothing / 2
    let positive = x .>= 0
    let e = VectorMath.exp(-VectorMath.magnitude(x))
    let s: FloatVector = 1 / (1 + e)
    let es: FloatVector = e * s
    let sigmoid = es.replacing(with: s, where: positive)
    let sigmoidOfNegative = s.replacing(with: es, where: positive)
    let relu = x.replacing(with: 0, where: .!positive)
    let crossEntropy: FloatVector = relu - x * y + VectorMath.logOnePlus(e)
    let oneMinusY: FloatVector = 1 - y
    let m: FloatVector = y * sigmoidOfNegative + oneMinusY * sigmoid
    let factor = Power.power(m, gamma: gamma)
    var weight = FloatVector(repeating: 1)
    if let alpha { weight = y * alpha + oneMinusY * (1 - alpha) }
    let loss: FloatVector = weight * crossEntropy * factor
    var slope: FloatVector = (sigmoid - y) * factor
    if !Power.isZero {
      // σ(x)σ(−x)/m = e·s/(a·e + 1 − a) with a the target mass on the side e scales; at a = 1
      // it is exactly s, which also covers e underflowing to 0.
      let a = oneMinusY.replacing(with: y, where: positive)
      let denominator: FloatVector = a * e + (1 - a)
      let ratio = (es / denominator).replacing(with: s, where: a .== 1)
      let focusing: FloatVector = crossEntropy * factor * (1 - 2 * y) * ratio
      slope += focusing * gamma
    }
    return (loss, slope * weight)
  }
}
