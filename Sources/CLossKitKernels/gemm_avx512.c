// The AVX-512 register tile of Matrix (LossKitKernels/Matrix/RegisterTile.swift): the
// AVX2 tile's arithmetic on 8 rows and 32 columns. Each element of C sums its products in
// the same order, from zero, with fused multiply-adds, and is added to C with one fused
// multiply-add by alpha, as lk_gemm_tile_avx2 does, so both tiles give the same bits.
#if defined(__x86_64__)
#include <immintrin.h>

#include "losskit_kernels.h"

#define LK_AVX512 __attribute__((target("avx512f,avx2,fma"), always_inline)) static inline

/// c[0..<columns] += alpha * (left, right), with columns <= 32 (masked past the edge).
LK_AVX512 void emit_row_avx512(float *c, __m512 left, __m512 right, __m512 alpha, int columns) {
  __mmask16 first = columns >= 16 ? 0xFFFF : (__mmask16)((1u << columns) - 1);
  int rest = columns > 16 ? columns - 16 : 0;
  __mmask16 second = rest >= 16 ? 0xFFFF : (__mmask16)((1u << rest) - 1);
  _mm512_mask_storeu_ps(
      c, first, _mm512_fmadd_ps(left, alpha, _mm512_maskz_loadu_ps(first, c)));
  if (second) {
    _mm512_mask_storeu_ps(
        c + 16, second, _mm512_fmadd_ps(right, alpha, _mm512_maskz_loadu_ps(second, c + 16)));
  }
}

#define LK_TILE_ROW(r)                                 \
  s = _mm512_set1_ps(a##r[offset]);                    \
  c##r##0 = _mm512_fmadd_ps(s, b0, c##r##0);           \
  c##r##1 = _mm512_fmadd_ps(s, b1, c##r##1);

__attribute__((target("avx512f,avx2,fma"))) void lk_gemm_tile_avx512(
    ptrdiff_t depth, const float *a, ptrdiff_t row_step, ptrdiff_t depth_step, const float *b,
    ptrdiff_t ldb, float *c, ptrdiff_t ldc, int rows, int columns, float alpha) {
  __m512 c00 = _mm512_setzero_ps(), c01 = _mm512_setzero_ps();
  __m512 c10 = _mm512_setzero_ps(), c11 = _mm512_setzero_ps();
  __m512 c20 = _mm512_setzero_ps(), c21 = _mm512_setzero_ps();
  __m512 c30 = _mm512_setzero_ps(), c31 = _mm512_setzero_ps();
  __m512 c40 = _mm512_setzero_ps(), c41 = _mm512_setzero_ps();
  __m512 c50 = _mm512_setzero_ps(), c51 = _mm512_setzero_ps();
  __m512 c60 = _mm512_setzero_ps(), c61 = _mm512_setzero_ps();
  __m512 c70 = _mm512_setzero_ps(), c71 = _mm512_setzero_ps();
  // Rows past `rows` read the last row again; their sums are not stored.
  const float *a0 = a;
  const float *a1 = a + (rows > 1 ? 1 : rows - 1) * row_step;
  const float *a2 = a + (rows > 2 ? 2 : rows - 1) * row_step;
  const float *a3 = a + (rows > 3 ? 3 : rows - 1) * row_step;
  const float *a4 = a + (rows > 4 ? 4 : rows - 1) * row_step;
  const float *a5 = a + (rows > 5 ? 5 : rows - 1) * row_step;
  const float *a6 = a + (rows > 6 ? 6 : rows - 1) * row_step;
  const float *a7 = a + (rows > 7 ? 7 : rows - 1) * row_step;
  ptrdiff_t offset = 0;
  for (ptrdiff_t p = 0; p < depth; p++) {
    // B panels are 32 columns wide (packed ones zero-padded), so whole rows are read.
    __m512 b0 = _mm512_loadu_ps(b), b1 = _mm512_loadu_ps(b + 16);
    __m512 s;
    LK_TILE_ROW(0)
    LK_TILE_ROW(1)
    LK_TILE_ROW(2)
    LK_TILE_ROW(3)
    LK_TILE_ROW(4)
    LK_TILE_ROW(5)
    LK_TILE_ROW(6)
    LK_TILE_ROW(7)
    offset += depth_step;
    b += ldb;
  }
  const __m512 scale = _mm512_set1_ps(alpha);
  emit_row_avx512(c, c00, c01, scale, columns);
  if (rows > 1) emit_row_avx512(c + ldc, c10, c11, scale, columns);
  if (rows > 2) emit_row_avx512(c + 2 * ldc, c20, c21, scale, columns);
  if (rows > 3) emit_row_avx512(c + 3 * ldc, c30, c31, scale, columns);
  if (rows > 4) emit_row_avx512(c + 4 * ldc, c40, c41, scale, columns);
  if (rows > 5) emit_row_avx512(c + 5 * ldc, c50, c51, scale, columns);
  if (rows > 6) emit_row_avx512(c + 6 * ldc, c60, c61, scale, columns);
  if (rows > 7) emit_row_avx512(c + 7 * ldc, c70, c71, scale, columns);
}

#undef LK_TILE_ROW
#endif
