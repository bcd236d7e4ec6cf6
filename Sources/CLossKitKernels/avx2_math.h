// The elementary functions of LossKitKernels' LaneMath (Swift) on eight AVX2 lanes, with the
// same algorithms and coefficients, the multiply-adds fused. Internal to CLossKitKernels.
#ifndef LOSSKIT_AVX2_MATH_H
#define LOSSKIT_AVX2_MATH_H

#include <immintrin.h>
#include <stddef.h>

#define LK_AVX2 __attribute__((target("avx2,fma"), always_inline)) static inline

LK_AVX2 __m256 lk_splat(float value) { return _mm256_set1_ps(value); }

/// |x|, by clearing the sign bits.
LK_AVX2 __m256 lk_magnitude(__m256 x) {
  return _mm256_castsi256_ps(
      _mm256_and_si256(_mm256_castps_si256(x), _mm256_set1_epi32(0x7FFFFFFF)));
}

/// -|x|, by setting the sign bits.
LK_AVX2 __m256 lk_negative_magnitude(__m256 x) { return _mm256_or_ps(x, lk_splat(-0.0f)); }

/// x with its sign flipped in the lanes of mask (all bits set or clear).
LK_AVX2 __m256 lk_negate_where(__m256 x, __m256 mask) {
  return _mm256_xor_ps(x, _mm256_and_ps(mask, lk_splat(-0.0f)));
}

/// The sum of the eight lanes of v.
LK_AVX2 float lk_lane_sum(__m256 v) {
  __m128 half = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  half = _mm_add_ps(half, _mm_movehl_ps(half, half));
  return _mm_cvtss_f32(_mm_add_ss(half, _mm_movehdup_ps(half)));
}

/// The largest of the eight lanes of v.
LK_AVX2 float lk_lane_max(__m256 v) {
  __m128 half = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  half = _mm_max_ps(half, _mm_movehl_ps(half, half));
  return _mm_cvtss_f32(_mm_max_ss(half, _mm_movehdup_ps(half)));
}

/// A mask of the lanes below `rest` (0 to 8), for the masked loads and stores of a row's last
/// rest % 8 elements.
LK_AVX2 __m256i lk_tail_mask(ptrdiff_t rest) {
  return _mm256_cmpgt_epi32(
      _mm256_set1_epi32((int)rest), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

/// LaneMath.expOfNonPositive: e^x for x <= 88, about 2 ulp down to -87.3; NaN stays NaN.
LK_AVX2 __m256 lk_exp_of_non_positive(__m256 x) {
  // max(c, x) returns x when x is NaN, as the Swift select does.
  __m256 clamped = _mm256_max_ps(lk_splat(-87.3f), x);
  __m256 shifted = _mm256_fmadd_ps(clamped, lk_splat(1.44269504f), lk_splat(12582912.0f));
  __m256 n = _mm256_sub_ps(shifted, lk_splat(12582912.0f));
  __m256 r = _mm256_fmadd_ps(n, lk_splat(-0.693359375f), clamped);
  r = _mm256_fmadd_ps(n, lk_splat(2.1219444e-4f), r);
  __m256 p = _mm256_fmadd_ps(lk_splat(1.3754255e-3f), r, lk_splat(8.366405e-3f));
  p = _mm256_fmadd_ps(p, r, lk_splat(4.1669216e-2f));
  p = _mm256_fmadd_ps(p, r, lk_splat(1.666654e-1f));
  p = _mm256_fmadd_ps(p, r, lk_splat(4.9999999e-1f));
  __m256 mantissa =
      _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), _mm256_add_ps(r, lk_splat(1.0f)));
  __m256i exponent =
      _mm256_sub_epi32(_mm256_castps_si256(shifted), _mm256_set1_epi32(0x4B400000));
  __m256 scale = _mm256_castsi256_ps(
      _mm256_slli_epi32(_mm256_add_epi32(exponent, _mm256_set1_epi32(127)), 23));
  return _mm256_mul_ps(mantissa, scale);
}

/// LaneMath.exp: e^x, 0 below -87.3, +inf above 88.72.
LK_AVX2 __m256 lk_exp(__m256 x) {
  __m256 result = lk_exp_of_non_positive(_mm256_min_ps(lk_splat(88.0f), x));
  result = _mm256_andnot_ps(_mm256_cmp_ps(x, lk_splat(-87.3f), _CMP_LT_OQ), result);
  return _mm256_blendv_ps(
      result, lk_splat(__builtin_inff()), _mm256_cmp_ps(x, lk_splat(88.72283f), _CMP_GT_OQ));
}

/// LaneMath.logOfNormal: ln x for finite normal x > 0, about 2 ulp; `bias` is subtracted
/// from the binary exponent (23 in lanes already scaled by 2^23).
LK_AVX2 __m256 lk_log_of_normal_biased(__m256 x, __m256 bias) {
  __m256i bits = _mm256_castps_si256(x);
  __m256i exponent_bits = _mm256_or_si256(
      _mm256_and_si256(_mm256_srli_epi32(bits, 23), _mm256_set1_epi32(0xFF)),
      _mm256_set1_epi32(0x4B000000));
  __m256 e = _mm256_sub_ps(
      _mm256_sub_ps(_mm256_castsi256_ps(exponent_bits), lk_splat(8388734.0f)), bias);
  __m256 m = _mm256_castsi256_ps(_mm256_or_si256(
      _mm256_and_si256(bits, _mm256_set1_epi32(0x007FFFFF)), _mm256_set1_epi32(0x3F000000)));
  __m256 low = _mm256_cmp_ps(m, lk_splat(0.707106781f), _CMP_LT_OQ);
  e = _mm256_sub_ps(e, _mm256_and_ps(low, lk_splat(1.0f)));
  m = _mm256_sub_ps(_mm256_add_ps(m, _mm256_and_ps(low, m)), lk_splat(1.0f));
  __m256 z = _mm256_mul_ps(m, m);
  __m256 z2 = _mm256_mul_ps(z, z);
  __m256 q0 = _mm256_fmadd_ps(lk_splat(-2.4999993993e-1f), m, lk_splat(3.3333331174e-1f));
  __m256 q1 = _mm256_fmadd_ps(lk_splat(-1.6668057665e-1f), m, lk_splat(2.0000714765e-1f));
  __m256 q2 = _mm256_fmadd_ps(lk_splat(-1.2420140846e-1f), m, lk_splat(1.4249322787e-1f));
  __m256 q3 = _mm256_fmadd_ps(lk_splat(-1.1514610310e-1f), m, lk_splat(1.1676998740e-1f));
  __m256 low4 = _mm256_fmadd_ps(q1, z, q0);
  __m256 high4 = _mm256_fmadd_ps(q3, z, q2);
  __m256 polynomial = _mm256_fmadd_ps(
      _mm256_mul_ps(lk_splat(7.0376836292e-2f), z2), z2, _mm256_fmadd_ps(high4, z2, low4));
  __m256 y = _mm256_mul_ps(_mm256_mul_ps(polynomial, m), z);
  y = _mm256_fmadd_ps(e, lk_splat(-2.121944400e-4f), y);
  y = _mm256_fmadd_ps(z, lk_splat(-0.5f), y);
  return _mm256_fmadd_ps(e, lk_splat(0.693359375f), _mm256_add_ps(m, y));
}

/// LaneMath.logOfNormal without an exponent bias.
LK_AVX2 __m256 lk_log_of_normal(__m256 x) { return lk_log_of_normal_biased(x, lk_splat(0.0f)); }

/// LaneMath.logOnePlusOfUnit: ln(1 + x) for x in [0, 1], about 1.6 ulp: x + x^2 q(x), no
/// logarithm of 1 + x and so no rounding of that sum to correct.
LK_AVX2 __m256 lk_log_one_plus_of_unit(__m256 x) {
  __m256 q = _mm256_fmadd_ps(lk_splat(5.364212673e-3f), x, lk_splat(-3.006334789e-2f));
  q = _mm256_fmadd_ps(q, x, lk_splat(7.920057327e-2f));
  q = _mm256_fmadd_ps(q, x, lk_splat(-1.375346929e-1f));
  q = _mm256_fmadd_ps(q, x, lk_splat(1.915349960e-1f));
  q = _mm256_fmadd_ps(q, x, lk_splat(-2.485712469e-1f));
  q = _mm256_fmadd_ps(q, x, lk_splat(3.332131803e-1f));
  q = _mm256_fmadd_ps(q, x, lk_splat(-4.999964833e-1f));
  return _mm256_fmadd_ps(_mm256_mul_ps(x, x), q, x);
}

/// LaneMath.log: ln x for x >= 0 including subnormals; -inf at 0, NaN below 0, +inf at +inf.
LK_AVX2 __m256 lk_log(__m256 x) {
  __m256 subnormal = _mm256_cmp_ps(x, lk_splat(1.17549435e-38f), _CMP_LT_OQ);
  __m256 scaled = _mm256_blendv_ps(x, _mm256_mul_ps(x, lk_splat(8388608.0f)), subnormal);
  __m256 result = lk_log_of_normal_biased(scaled, _mm256_and_ps(subnormal, lk_splat(23.0f)));
  result = _mm256_blendv_ps(
      result, lk_splat(__builtin_inff()), _mm256_cmp_ps(x, lk_splat(__builtin_inff()), _CMP_EQ_OQ));
  result = _mm256_blendv_ps(
      result, lk_splat(__builtin_nanf("")), _mm256_cmp_ps(x, lk_splat(0.0f), _CMP_LT_OQ));
  return _mm256_blendv_ps(
      result, lk_splat(-__builtin_inff()), _mm256_cmp_ps(x, lk_splat(0.0f), _CMP_EQ_OQ));
}

/// LaneMath.expMinusOneOfNonPositive: e^x - 1 for x <= 0 without cancellation near 0.
LK_AVX2 __m256 lk_exp_minus_one_of_non_positive(__m256 x) {
  __m256 p = _mm256_fmadd_ps(lk_splat(1.0f / 40320), x, lk_splat(1.0f / 5040));
  p = _mm256_fmadd_ps(p, x, lk_splat(1.0f / 720));
  p = _mm256_fmadd_ps(p, x, lk_splat(1.0f / 120));
  p = _mm256_fmadd_ps(p, x, lk_splat(1.0f / 24));
  p = _mm256_fmadd_ps(p, x, lk_splat(1.0f / 6));
  p = _mm256_fmadd_ps(p, x, lk_splat(0.5f));
  p = _mm256_fmadd_ps(p, x, lk_splat(1.0f));
  __m256 series = _mm256_mul_ps(p, x);
  __m256 direct = _mm256_sub_ps(lk_exp_of_non_positive(x), lk_splat(1.0f));
  return _mm256_blendv_ps(direct, series, _mm256_cmp_ps(x, lk_splat(-0.5f), _CMP_GT_OQ));
}

/// q^gamma for the focal factor (FocalPower in Swift).
LK_AVX2 __m256 lk_power(int power, __m256 q, __m256 gamma) {
  switch (power) {
  case 0: return lk_splat(1.0f);
  case 1: return q;
  case 2: return _mm256_mul_ps(q, q);
  default: return lk_exp(_mm256_mul_ps(lk_log(q), gamma));
  }
}

/// LaneMath.sigmoid: 1 / (1 + e) for x >= 0 and e / (1 + e) below, e = e^-|x|.
LK_AVX2 __m256 lk_sigmoid(__m256 x) {
  __m256 e = lk_exp_of_non_positive(lk_negative_magnitude(x));
  __m256 s = _mm256_div_ps(lk_splat(1.0f), _mm256_add_ps(lk_splat(1.0f), e));
  return _mm256_blendv_ps(s, _mm256_mul_ps(e, s), _mm256_cmp_ps(x, lk_splat(0.0f), _CMP_LT_OQ));
}

/// LaneMath.tanh: sign(x) (1 - e) / (1 + e), e = e^(-2|x|).
LK_AVX2 __m256 lk_tanh(__m256 x) {
  __m256 e = lk_exp_of_non_positive(_mm256_mul_ps(lk_splat(-2.0f), lk_magnitude(x)));
  __m256 t = _mm256_div_ps(_mm256_sub_ps(lk_splat(1.0f), e), _mm256_add_ps(lk_splat(1.0f), e));
  return lk_negate_where(t, _mm256_cmp_ps(x, lk_splat(0.0f), _CMP_LT_OQ));
}

#endif
