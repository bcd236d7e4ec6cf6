// The AVX2 twin of AdamKernel (LossKitKernels/Optimizers/AdamKernel.swift). Separate multiplies
// and adds, never fused, so each element is bit-identical to the Swift paths.
#if defined(__x86_64__)
#pragma STDC FP_CONTRACT OFF
#include <immintrin.h>

#include "losskit_kernels.h"

__attribute__((target("avx2,fma"))) void lk_adam_avx2(
    float *theta, const float *gradient, float *m, float *v, ptrdiff_t count,
    const lk_adam_settings *s) {
  const __m256 beta1 = _mm256_set1_ps(s->beta1);
  const __m256 one_minus_beta1 = _mm256_set1_ps(s->one_minus_beta1);
  const __m256 beta2 = _mm256_set1_ps(s->beta2);
  const __m256 one_minus_beta2 = _mm256_set1_ps(s->one_minus_beta2);
  const __m256 correction1 = _mm256_set1_ps(s->correction1);
  const __m256 correction2 = _mm256_set1_ps(s->correction2);
  const __m256 learning_rate = _mm256_set1_ps(s->learning_rate);
  const __m256 epsilon = _mm256_set1_ps(s->epsilon);
  const __m256 l2 = _mm256_set1_ps(s->l2);
  const __m256 shrink = _mm256_set1_ps(s->shrink);
  for (ptrdiff_t i = 0; i + 8 <= count; i += 8) {
    __m256 t = _mm256_loadu_ps(theta + i);
    __m256 g = _mm256_add_ps(_mm256_loadu_ps(gradient + i), _mm256_mul_ps(l2, t));
    __m256 first = _mm256_add_ps(
        _mm256_mul_ps(beta1, _mm256_loadu_ps(m + i)), _mm256_mul_ps(one_minus_beta1, g));
    __m256 second = _mm256_add_ps(
        _mm256_mul_ps(beta2, _mm256_loadu_ps(v + i)),
        _mm256_mul_ps(_mm256_mul_ps(one_minus_beta2, g), g));
    __m256 denominator =
        _mm256_add_ps(_mm256_div_ps(_mm256_sqrt_ps(second), correction2), epsilon);
    __m256 step = _mm256_div_ps(_mm256_div_ps(first, correction1), denominator);
    __m256 updated = _mm256_sub_ps(_mm256_mul_ps(t, shrink), _mm256_mul_ps(learning_rate, step));
    _mm256_storeu_ps(m + i, first);
    _mm256_storeu_ps(v + i, second);
    _mm256_storeu_ps(theta + i, updated);
  }
}

#endif
