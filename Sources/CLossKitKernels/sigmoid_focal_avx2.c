// The AVX2 twin of SigmoidFocalKernel's hardVectors and softVectors (Plugins/FocalLoss).
#if defined(__x86_64__)
#include "avx2_math.h"
#include "losskit_kernels.h"

/// Adds the eight lanes of v.
LK_AVX2 float lk_lane_sum(__m256 v) {
  __m128 half = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  half = _mm_add_ps(half, _mm_movehl_ps(half, half));
  half = _mm_add_ss(half, _mm_movehdup_ps(half));
  return _mm_cvtss_f32(half);
}

LK_AVX2 float hard(
    int power, const float *logits, const float *targets, const float *weights, float *losses,
    float *gradient, ptrdiff_t count, const lk_sigmoid_focal_settings *settings, float *bad) {
  const __m256 gamma = lk_splat(settings->gamma);
  const __m256 positive_weight = lk_splat(settings->positive_weight);
  const __m256 negative_weight = lk_splat(settings->negative_weight);
  const __m256 scale = lk_splat(settings->gradient_scale);
  const __m256 one = lk_splat(1.0f);
  const int accumulate = settings->accumulate;
  __m256 flag = _mm256_loadu_ps(bad);
  __m256 sum = _mm256_setzero_ps();
  for (ptrdiff_t i = 0; i < count; i += 8) {
    __m256 logit = _mm256_loadu_ps(logits + i);
    __m256 positive = _mm256_cmp_ps(_mm256_loadu_ps(targets + i), one, _CMP_EQ_OQ);
    flag = _mm256_fmadd_ps(logit, _mm256_setzero_ps(), flag);
    __m256 u = lk_negate_where(logit, positive);
    __m256 e = lk_exp_of_non_positive(lk_negative_magnitude(u));
    __m256 one_plus = _mm256_add_ps(one, e);
    __m256 s = _mm256_div_ps(one, one_plus);
    __m256 es = _mm256_mul_ps(e, s);
    __m256 u_positive = _mm256_cmp_ps(u, _mm256_setzero_ps(), _CMP_GE_OQ);
    __m256 sigmoid_u = _mm256_blendv_ps(es, s, u_positive);
    __m256 sigmoid_neg_u = _mm256_blendv_ps(s, es, u_positive);
    // softplus(u) = max(u, 0) + ln(1 + e), the last term corrected for the rounding of 1 + e.
    __m256 softplus = _mm256_add_ps(
        _mm256_add_ps(_mm256_and_ps(u, u_positive), lk_log_of_normal(one_plus)),
        _mm256_mul_ps(_mm256_sub_ps(e, _mm256_sub_ps(one_plus, one)), s));
    __m256 factor = lk_power(power, sigmoid_u, gamma);
    __m256 weight = _mm256_mul_ps(
        _mm256_blendv_ps(negative_weight, positive_weight, positive), _mm256_loadu_ps(weights + i));
    __m256 loss = _mm256_mul_ps(_mm256_mul_ps(weight, softplus), factor);
    _mm256_storeu_ps(losses + i, loss);
    sum = _mm256_add_ps(sum, loss);
    __m256 slope_u = sigmoid_u;
    if (power != 0) {
      slope_u = _mm256_fmadd_ps(_mm256_mul_ps(gamma, softplus), sigmoid_neg_u, sigmoid_u);
    }
    __m256 slope =
        _mm256_mul_ps(_mm256_mul_ps(_mm256_mul_ps(weight, factor), slope_u), scale);
    __m256 g = lk_negate_where(slope, positive);
    if (accumulate) g = _mm256_add_ps(g, _mm256_loadu_ps(gradient + i));
    _mm256_storeu_ps(gradient + i, g);
  }
  _mm256_storeu_ps(bad, flag);
  return lk_lane_sum(sum);
}

LK_AVX2 float soft(
    int power, const float *logits, const float *targets, const float *weights, float *losses,
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
    __m256 y = _mm256_fmadd_ps(
        target, _mm256_sub_ps(one, smoothing), _mm256_mul_ps(smoothing, lk_splat(0.5f)));
    __m256 positive = _mm256_cmp_ps(logit, zero, _CMP_GE_OQ);
    __m256 e = lk_exp_of_non_positive(lk_negative_magnitude(logit));
    __m256 one_plus = _mm256_add_ps(one, e);
    __m256 s = _mm256_div_ps(one, one_plus);
    __m256 es = _mm256_mul_ps(e, s);
    __m256 sigmoid = _mm256_blendv_ps(es, s, positive);
    __m256 sigmoid_of_negative = _mm256_blendv_ps(s, es, positive);
    __m256 cross_entropy = _mm256_add_ps(
        _mm256_add_ps(
            _mm256_sub_ps(_mm256_and_ps(logit, positive), _mm256_mul_ps(logit, y)),
            lk_log_of_normal(one_plus)),
        _mm256_mul_ps(_mm256_sub_ps(e, _mm256_sub_ps(one_plus, one)), s));
    __m256 one_minus_y = _mm256_sub_ps(one, y);
    __m256 m = _mm256_fmadd_ps(y, sigmoid_of_negative, _mm256_mul_ps(one_minus_y, sigmoid));
    __m256 factor = lk_power(power, m, gamma);
    __m256 weight = _mm256_mul_ps(
        _mm256_mul_ps(
            _mm256_loadu_ps(weights + i),
            _mm256_fmadd_ps(y, alpha, _mm256_mul_ps(one_minus_y, _mm256_sub_ps(one, alpha)))),
        alpha_scale);
    __m256 loss = _mm256_mul_ps(_mm256_mul_ps(weight, cross_entropy), factor);
    _mm256_storeu_ps(losses + i, loss);
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

// One call per power, so each loop is compiled with its power fixed.
#define LK_DISPATCH_POWER(body, ...)                                                           \
  switch (settings->power) {                                                                  \
  case lk_focal_power_zero: return body(0, __VA_ARGS__);                                      \
  case lk_focal_power_one: return body(1, __VA_ARGS__);                                       \
  case lk_focal_power_two: return body(2, __VA_ARGS__);                                       \
  default: return body(3, __VA_ARGS__);                                                       \
  }

__attribute__((target("avx2,fma"))) float lk_sigmoid_focal_hard_avx2(
    const float *logits, const float *targets, const float *weights, float *losses,
    float *gradient, ptrdiff_t count, const lk_sigmoid_focal_settings *settings, float *bad) {
  LK_DISPATCH_POWER(hard, logits, targets, weights, losses, gradient, count, settings, bad)
}

__attribute__((target("avx2,fma"))) float lk_sigmoid_focal_soft_avx2(
    const float *logits, const float *targets, const float *weights, float *losses,
    float *gradient, ptrdiff_t count, const lk_sigmoid_focal_settings *settings, float *bad) {
  LK_DISPATCH_POWER(soft, logits, targets, weights, losses, gradient, count, settings, bad)
}

#endif
