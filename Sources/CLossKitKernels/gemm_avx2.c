// The AVX2 twin of Matrix.tileKernel (LossKitKernels/Matrix/MatrixMultiply.swift).
#if defined(__x86_64__)
#include "avx2_math.h"
#include "losskit_kernels.h"

/// c[r][0..<columns] += alpha * acc, for the first `columns` (< 8) lanes.
LK_AVX2 void emit_partial(float *c, __m256 acc, float alpha, int columns) {
  float lanes[8];
  _mm256_storeu_ps(lanes, acc);
  for (int j = 0; j < columns; j++) c[j] += lanes[j] * alpha;
}

LK_AVX2 void emit_row(float *c, __m256 left, __m256 right, __m256 alpha, int columns) {
  if (columns >= 16) {
    _mm256_storeu_ps(c, _mm256_fmadd_ps(left, alpha, _mm256_loadu_ps(c)));
    _mm256_storeu_ps(c + 8, _mm256_fmadd_ps(right, alpha, _mm256_loadu_ps(c + 8)));
  } else if (columns >= 8) {
    _mm256_storeu_ps(c, _mm256_fmadd_ps(left, alpha, _mm256_loadu_ps(c)));
    emit_partial(c + 8, right, _mm256_cvtss_f32(alpha), columns - 8);
  } else {
    emit_partial(c, left, _mm256_cvtss_f32(alpha), columns);
  }
}

__attribute__((target("avx2,fma"))) void lk_gemm_tile_avx2(
    ptrdiff_t depth, const float *a, ptrdiff_t row_step, ptrdiff_t depth_step, const float *b,
    ptrdiff_t ldb, float *c, ptrdiff_t ldc, int rows, int columns, float alpha) {
  __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps();
  __m256 c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps();
  __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps();
  __m256 c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps();
  __m256 c40 = _mm256_setzero_ps(), c41 = _mm256_setzero_ps();
  __m256 c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();
  // Rows past `rows` read the last row again; their sums are not stored.
  const float *a0 = a;
  const float *a1 = a + (rows > 1 ? 1 : rows - 1) * row_step;
  const float *a2 = a + (rows > 2 ? 2 : rows - 1) * row_step;
  const float *a3 = a + (rows > 3 ? 3 : rows - 1) * row_step;
  const float *a4 = a + (rows > 4 ? 4 : rows - 1) * row_step;
  const float *a5 = a + (rows > 5 ? 5 : rows - 1) * row_step;
  ptrdiff_t offset = 0;
  for (ptrdiff_t p = 0; p < depth; p++) {
    __m256 b0 = _mm256_loadu_ps(b), b1 = _mm256_loadu_ps(b + 8);
    __m256 s = _mm256_broadcast_ss(a0 + offset);
    c00 = _mm256_fmadd_ps(s, b0, c00);
    c01 = _mm256_fmadd_ps(s, b1, c01);
    s = _mm256_broadcast_ss(a1 + offset);
    c10 = _mm256_fmadd_ps(s, b0, c10);
    c11 = _mm256_fmadd_ps(s, b1, c11);
    s = _mm256_broadcast_ss(a2 + offset);
    c20 = _mm256_fmadd_ps(s, b0, c20);
    c21 = _mm256_fmadd_ps(s, b1, c21);
    s = _mm256_broadcast_ss(a3 + offset);
    c30 = _mm256_fmadd_ps(s, b0, c30);
    c31 = _mm256_fmadd_ps(s, b1, c31);
    s = _mm256_broadcast_ss(a4 + offset);
    c40 = _mm256_fmadd_ps(s, b0, c40);
    c41 = _mm256_fmadd_ps(s, b1, c41);
    s = _mm256_broadcast_ss(a5 + offset);
    c50 = _mm256_fmadd_ps(s, b0, c50);
    c51 = _mm256_fmadd_ps(s, b1, c51);
    offset += depth_step;
    b += ldb;
  }
  const __m256 scale = lk_splat(alpha);
  emit_row(c, c00, c01, scale, columns);
  if (rows > 1) emit_row(c + ldc, c10, c11, scale, columns);
  if (rows > 2) emit_row(c + 2 * ldc, c20, c21, scale, columns);
  if (rows > 3) emit_row(c + 3 * ldc, c30, c31, scale, columns);
  if (rows > 4) emit_row(c + 4 * ldc, c40, c41, scale, columns);
  if (rows > 5) emit_row(c + 5 * ldc, c50, c51, scale, columns);
}

#endif
