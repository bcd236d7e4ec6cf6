// The AVX2 twin of SigmoidFocalKernel's hardVectors and softVectors (Plugins/FocalLoss).
#if defined(__x86_64__)
#include "avx2_math.h"
#include "losskit_kernels.h"

// `power` and `weighted` are constants in each caller, so every loop is compiled with them
// fixed; `losses` may be NULL. Sums into *sum and returns how many elements it did: all, or up
// to the first vector with a target other than 0 or 1.
LK_AVX2 ptrdiff_t hard(
    int power, int weighted, const float *logits, const float *targets, const float *weights,
    float *losses, float *gradient, ptrdiff_t count, const lk_sigmoid_focal_settings *settings,
    float *bad, float *sum) {
  const __m256 gamma = lk_splat(settings->gamma);
  const __m256 positive_weight = lk_splat(settings->positive_weight);
  const __m256 negative_weight = lk_splat(settings->negative_weight);
  // The gradient's weights carry the scale and, for targets 1 (u = -x), the sign of du/dx.
  const __m256 positive_slope = lk_splat(-settings->positive_weight * settings->gradient_scale);
  const __m256 negative_slope = lk_splat(settings->negative_weight * settings->gradient_scale);
  const __m256 one = lk_splat(1.0f);
  const __m256 zero = _mm256_setzero_ps();
  const int accumulate = settings->accumulate;
  __m256 flag = _mm256_loadu_ps(bad);
  __m256 total = zero;
  ptrdiff_t i = 0;
  for (; i < count; i += 8) {
    __m256 target = _mm256_loadu_ps(targets + i);
    __m256 positive = _mm256_cmp_ps(target, one, _CMP_EQ_OQ);
    __m256 binary = _mm256_or_ps(positive, _mm256_cmp_ps(target, zero, _CMP_EQ_OQ));
    if (_mm256_movemask_ps(binary) != 0xFF) break;
    __m256 logit = _mm256_loadu_ps(logits + i);
    flag = _mm256_fmadd_ps(logit, zero, flag);
    __m256 u = lk_negate_where(logit, positive);
    __m256 e = lk_exp_of_non_positive(lk_negative_magnitude(u));
    __m256 s = _mm256_div_ps(one, _mm256_add_ps(one, e));
    __m256 es = _mm256_mul_ps(e, s);
    __m256 u_positive = _mm256_cmp_ps(u, zero, _CMP_GE_OQ);
    __m256 sigmoid_u = _mm256_blendv_ps(es, s, u_positive);
    // softplus(u) = max(u, 0) + ln(1 + e^-|u|)
    __m256 softplus = _mm256_add_ps(_mm256_and_ps(u, u_positive), lk_log_one_plus_of_unit(e));
    __m256 factor = lk_power(power, sigmoid_u, gamma);
    __m256 weight = _mm256_blendv_ps(negative_weight, positive_weight, positive);
    __m256 slope_weight = _mm256_blendv_ps(negative_slope, positive_slope, positive);
    if (weighted) {
      __m256 sample = _mm256_loadu_ps(weights + i);
      weight = _mm256_mul_ps(weight, sample);
      slope_weight = _mm256_mul_ps(slope_weight, sample);
    }
    __m256 loss = _mm256_mul_ps(_mm256_mul_ps(weight, softplus), factor);
    if (losses) _mm256_storeu_ps(losses + i, loss);
    total = _mm256_add_ps(total, loss);
    __m256 slope_u = sigmoid_u;
    if (power != 0) {
      __m256 sigmoid_neg_u = _mm256_blendv_ps(s, es, u_positive);
      slope_u = _mm256_fmadd_ps(_mm256_mul_ps(gamma, softplus), sigmoid_neg_u, sigmoid_u);
    }
    __m256 g = _mm256_mul_ps(_mm256_mul_ps(slope_weight, factor), slope_u);
    if (accumulate) g = _mm256_add_ps(g, _mm256_loadu_ps(gradient + i));
    _mm256_storeu_ps(gradient + i, g);
  }
  _mm256_storeu_ps(bad, flag);
  *sum = lk_lane_sum(total);
  return i;
}

// As hard, for any targets; a target outside [0, 1] sets its lane of `bad` to NaN.
LK_AVX2 float soft(
    int power, int weighted, const float *logits, const float *targets, const float *weights, float *losses,
    float *gradient, ptrdiff_t count, const lk_sigmoid_focal_settings *settings, float *bad) {
  const __m256 gamma = lk_splat(settings->gamma);
  const __m256 smoothing = lk_splat(settings->label_smoothing);
  const __m256 scale = lk_splat(settings->gradient_scale);
  const __m256 alpha = lk_splat(settings->alpha);
  const __m256 alpha_scale = lk_splat(settings->alpha_scale);
  const __m256 one = lk_splat(1.0f);
  const __m256 zero = _mm256_setzero_ps();
  const int accumulate = settings->accumulate;
  __m256 flag = _mm256_loadu_ps(bad);
  __m256 sum = zero;
  for (ptrdiff_t i = 0; i < count; i += 8) {
    __m256 logit = _mm256_loadu_ps(logits + i);
    __m256 target = _mm256_loadu_ps(targets + i);
    flag = _mm256_fmadd_ps(_mm256_add_ps(logit, target), zero, flag);
    // Not 0 <= y <= 1 (NaN included): an all-ones lane, which is a NaN.
    flag = _mm256_or_ps(flag, _mm256_or_ps(_mm256_cmp_ps(target, zero, _CMP_NGE_UQ),
        _mm256_cmp_ps(target, one, _CMP_NLE_UQ)));
    __m256 y = _mm256_fmadd_ps(
        target, _mm256_sub_ps(one, smoothing), _mm256_mul_ps(smoothing, lk_splat(0.5f)));
    __m256 positive = _mm256_cmp_ps(logit, zero, _CMP_GE_OQ);
    __m256 e = lk_exp_of_non_positive(lk_negative_magnitude(logit));
    __m256 s = _mm256_div_ps(one, _mm256_add_ps(one, e));
    __m256 es = _mm256_mul_ps(e, s);
    __m256 sigmoid = _mm256_blendv_ps(es, s, positive);
    __m256 sigmoid_of_negative = _mm256_blendv_ps(s, es, positive);
    __m256 cross_entropy = _mm256_add_ps(
        _mm256_sub_ps(_mm256_and_ps(logit, positive), _mm256_mul_ps(logit, y)),
        lk_log_one_plus_of_unit(e));
    __m256 one_minus_y = _mm256_sub_ps(one, y);
    __m256 m = _mm256_fmadd_ps(y, sigmoid_of_negative, _mm256_mul_ps(one_minus_y, sigmoid));
    __m256 factor = lk_power(power, m, gamma);
    __m256 weight = _mm256_mul_ps(
        _mm256_fmadd_ps(y, alpha, _mm256_mul_ps(one_minus_y, _mm256_sub_ps(one, alpha))),
        alpha_scale);
    if (weighted) weight = _mm256_mul_ps(weight, _mm256_loadu_ps(weights + i));
    __m256 loss = _mm256_mul_ps(_mm256_mul_ps(weight, cross_entropy), factor);
    if (losses) _mm256_storeu_ps(losses + i, loss);
    sum = _mm256_add_ps(sum, loss);
    __m256 slope = _mm256_mul_ps(_mm256_sub_ps(sigmoid, y), factor);
    if (power != 0) {
      // sigma(x)sigma(-x)/m = e*s/(a*e + 1 - a), a the target mass on the side e scales;
      // exactly s at a = 1, which also covers e underflowing to 0.
      __m256 a = _mm256_blendv_ps(one_minus_y, y, positive);
      __m256 ratio = _mm256_blendv_ps(
          _mm256_div_ps(es, _mm256_fmadd_ps(a, e, _mm256_sub_ps(one, a))), s,
          _mm256_cmp_ps(a, one, _CMP_EQ_OQ));
      __m256 term = _mm256_mul_ps(
          _mm256_mul_ps(_mm256_mul_ps(gamma, cross_entropy), factor),
          _mm256_mul_ps(_mm256_sub_ps(_mm256_sub_ps(one, y), y), ratio));
      slope = _mm256_add_ps(slope, term);
    }
    __m256 g = _mm256_mul_ps(_mm256_mul_ps(slope, weight), scale);
    if (accumulate) g = _mm256_add_ps(g, _mm256_loadu_ps(gradient + i));
    _mm256_storeu_ps(gradient + i, g);
  }
  _mm256_storeu_ps(bad, flag);
  return lk_lane_sum(sum);
}

// One body per power and weighting, so each loop is compiled with them fixed.
#define LK_SIGMOID_FOCAL_BODY(power, weighted)                                                 \
  {                                                                                           \
    ptrdiff_t done = 0;                                                                       \
    float sum = 0;                                                                            \
    if (settings->hard)                                                                       \
      done = hard(power, weighted, logits, targets, weights, losses, gradient, count,        \
          settings, bad, &sum);                                                               \
    if (done == count) return sum;                                                            \
    return sum + soft(power, weighted, logits + done, targets + done,                         \
        weighted ? weights + done : NULL, losses ? losses + done : NULL, gradient + done,     \
        count - done, settings, bad);                                                         \
  }

#define LK_SIGMOID_FOCAL_POWERS(weighted)                                                      \
  switch (settings->power) {                                                                  \
  case lk_focal_power_zero: LK_SIGMOID_FOCAL_BODY(0, weighted)                                \
  case lk_focal_power_one: LK_SIGMOID_FOCAL_BODY(1, weighted)                                 \
  case lk_focal_power_two: LK_SIGMOID_FOCAL_BODY(2, weighted)                                 \
  default: LK_SIGMOID_FOCAL_BODY(3, weighted)                                                 \
  }

__attribute__((target("avx2,fma"))) float lk_sigmoid_focal_avx2(
    const float *logits, const float *targets, const float *weights, float *losses,
    float *gradient, ptrdiff_t count, const lk_sigmoid_focal_settings *settings, float *bad) {
  if (weights) LK_SIGMOID_FOCAL_POWERS(1)
  LK_SIGMOID_FOCAL_POWERS(0)
}

#endif
