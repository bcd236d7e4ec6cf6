extension LaneMath {
  /// The logistic function `σ(x) = 1 / (1 + e⁻ˣ)`.
  ///
  /// Computed from `e = e^−|x|`, which cannot overflow: `1 / (1 + e)` for `x ≥ 0` and
  /// `e / (1 + e)` below, so neither tail loses its relative precision.
  @_transparent
  public static func sigmoid(_ x: Lanes) -> Lanes {
    let e = expOfNonPositive(-magnitude(x))
    let s = splat(1) / (splat(1) + e)
    return s.replacing(with: e * s, where: Lanes.lanes(x, lessThan: splat(0)))
  }

  /// The hyperbolic tangent, `sign(x)·(1 − e) / (1 + e)` with `e = e^−2|x|`: no overflow,
  /// and no cancellation for large `|x|`.
  @_transparent
  public static func tanh(_ x: Lanes) -> Lanes {
    let e = expOfNonPositive(splat(-2) * magnitude(x))
    let t = (splat(1) - e) / (splat(1) + e)
    return t.replacing(with: -t, where: Lanes.lanes(x, lessThan: splat(0)))
  }
}
