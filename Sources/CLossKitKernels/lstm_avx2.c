// The AVX2 twins of LSTMStep (LossKitKernels/Recurrent/LSTMStep.swift). Forward uses
// avx2_math.h's exp (fused multiply-adds); backward is plain arithmetic with separate multiplies
// and adds, bit-identical to the Swift path.
#if defined(__x86_64__)
#pragma STDC FP_CONTRACT OFF
#include "avx2_math.h"
#include "losskit_kernels.h"

__attribute__((target("avx2,fma"))) void lk_lstm_forward_avx2(
    float *gates, float *cell, float *hidden, float *output, float *cell_tanh, float mask,
    ptrdiff_t width, ptrdiff_t count) {
  const __m256 m = lk_splat(mask);
  for (ptrdiff_t j = 0; j + 8 <= count; j += 8) {
    __m256 i = lk_sigmoid(_mm256_loadu_ps(gates + j));
    __m256 f = lk_sigmoid(_mm256_loadu_ps(gates + width + j));
    __m256 g = lk_tanh(_mm256_loadu_ps(gates + 2 * width + j));
    __m256 o = lk_sigmoid(_mm256_loadu_ps(gates + 3 * width + j));
    _mm256_storeu_ps(gates + j, i);
    _mm256_storeu_ps(gates + width + j, f);
    _mm256_storeu_ps(gates + 2 * width + j, g);
    _mm256_storeu_ps(gates + 3 * width + j, o);
    __m256 c = _mm256_add_ps(_mm256_mul_ps(f, _mm256_loadu_ps(cell + j)), _mm256_mul_ps(i, g));
    __m256 t = lk_tanh(c);
    __m256 h = _mm256_mul_ps(_mm256_mul_ps(m, o), t);
    _mm256_storeu_ps(cell_tanh + j, t);
    _mm256_storeu_ps(output + j, h);
    _mm256_storeu_ps(hidden + j, h);
    _mm256_storeu_ps(cell + j, _mm256_mul_ps(m, c));
  }
}

__attribute__((target("avx2,fma"))) void lk_lstm_backward_avx2(
    const float *gates, const float *cell_tanh, const float *cell_before, const float *d_output,
    const float *d_hidden, float *d_cell, float *d_gates, float mask, ptrdiff_t width,
    ptrdiff_t count) {
  const __m256 one = lk_splat(1.0f);
  const __m256 m = lk_splat(mask);
  for (ptrdiff_t j = 0; j + 8 <= count; j += 8) {
    __m256 i = _mm256_loadu_ps(gates + j);
    __m256 f = _mm256_loadu_ps(gates + width + j);
    __m256 g = _mm256_loadu_ps(gates + 2 * width + j);
    __m256 o = _mm256_loadu_ps(gates + 3 * width + j);
    __m256 t = _mm256_loadu_ps(cell_tanh + j);
    __m256 dh = _mm256_mul_ps(
        _mm256_add_ps(_mm256_loadu_ps(d_output + j), _mm256_loadu_ps(d_hidden + j)), m);
    __m256 dc = _mm256_add_ps(
        _mm256_mul_ps(_mm256_loadu_ps(d_cell + j), m),
        _mm256_mul_ps(_mm256_mul_ps(dh, o), _mm256_sub_ps(one, _mm256_mul_ps(t, t))));
    __m256 di = _mm256_mul_ps(_mm256_mul_ps(_mm256_mul_ps(dc, g), i), _mm256_sub_ps(one, i));
    __m256 df = _mm256_mul_ps(
        _mm256_mul_ps(_mm256_mul_ps(dc, _mm256_loadu_ps(cell_before + j)), f),
        _mm256_sub_ps(one, f));
    __m256 dg = _mm256_mul_ps(_mm256_mul_ps(dc, i), _mm256_sub_ps(one, _mm256_mul_ps(g, g)));
    __m256 d_o = _mm256_mul_ps(_mm256_mul_ps(_mm256_mul_ps(dh, t), o), _mm256_sub_ps(one, o));
    _mm256_storeu_ps(d_gates + j, di);
    _mm256_storeu_ps(d_gates + width + j, df);
    _mm256_storeu_ps(d_gates + 2 * width + j, dg);
    _mm256_storeu_ps(d_gates + 3 * width + j, d_o);
    _mm256_storeu_ps(d_cell + j, _mm256_mul_ps(dc, f));
  }
}

#endif
