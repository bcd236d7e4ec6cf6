// AVX2 twins of the kernels that visit scattered rows of a large table: the embedding bag's
// forward and backward (LossKitNN's SparseEmbedding) and Adam over the touched rows
// (AdamKernel). The rows are random and the table is far larger than the caches, so each visit
// waits on memory: these loops prefetch the rows a few entries ahead, which the Swift loops
// cannot. Separate multiplies and adds, never fused: bit-identical to the Swift paths.
#if defined(__x86_64__)
#pragma STDC FP_CONTRACT OFF
#include <immintrin.h>

#include "losskit_kernels.h"

/// How many entries (or rows) ahead the loops prefetch.
enum { lk_prefetch_distance = 6 };

__attribute__((target("avx2,fma"), always_inline)) static inline void lk_prefetch_row(
    const float *row, ptrdiff_t width) {
  for (ptrdiff_t byte = 0; byte < width * (ptrdiff_t)sizeof(float); byte += 64) {
    _mm_prefetch((const char *)row + byte, _MM_HINT_T0);
  }
}

/// target[0..<width] += value * source[0..<width], width a multiple of 8.
__attribute__((target("avx2,fma"), always_inline)) static inline void lk_add_scaled(
    const float *source, float value, float *target, ptrdiff_t width) {
  const __m256 v = _mm256_set1_ps(value);
  for (ptrdiff_t j = 0; j < width; j += 8) {
    __m256 product = _mm256_mul_ps(v, _mm256_loadu_ps(source + j));
    _mm256_storeu_ps(target + j, _mm256_add_ps(_mm256_loadu_ps(target + j), product));
  }
}

__attribute__((target("avx2,fma"))) void lk_embedding_bag_avx2(
    const float *table, ptrdiff_t width, const ptrdiff_t *offsets, const int32_t *indices,
    const float *values, ptrdiff_t first_row, ptrdiff_t row_count, float *output) {
  const ptrdiff_t end = offsets[first_row + row_count];
  for (ptrdiff_t row = first_row; row < first_row + row_count; row++) {
    float *line = output + row * width;
    for (ptrdiff_t entry = offsets[row]; entry < offsets[row + 1]; entry++) {
      if (entry + lk_prefetch_distance < end) {
        lk_prefetch_row(table + (ptrdiff_t)indices[entry + lk_prefetch_distance] * width, width);
      }
      lk_add_scaled(table + (ptrdiff_t)indices[entry] * width, values[entry], line, width);
    }
  }
}

__attribute__((target("avx2,fma"))) void lk_embedding_bag_backward_avx2(
    float *gradient, ptrdiff_t width, const ptrdiff_t *offsets, const int32_t *indices,
    const float *values, ptrdiff_t row_count, const float *slopes, int32_t low, int32_t high) {
  const ptrdiff_t end = offsets[row_count];
  for (ptrdiff_t row = 0; row < row_count; row++) {
    const float *slope = slopes + row * width;
    for (ptrdiff_t entry = offsets[row]; entry < offsets[row + 1]; entry++) {
      if (entry + lk_prefetch_distance < end) {
        int32_t ahead = indices[entry + lk_prefetch_distance];
        if (ahead >= low && ahead < high) lk_prefetch_row(gradient + (ptrdiff_t)ahead * width, width);
      }
      int32_t bucket = indices[entry];
      if (bucket < low || bucket >= high) continue;
      lk_add_scaled(slope, values[entry], gradient + (ptrdiff_t)bucket * width, width);
    }
  }
}

__attribute__((target("avx2,fma"))) void lk_adam_rows_avx2(
    float *theta, const float *gradient, float *m, float *v, const ptrdiff_t *rows,
    ptrdiff_t row_count, ptrdiff_t width, const lk_adam_settings *settings) {
  for (ptrdiff_t index = 0; index < row_count; index++) {
    if (index + 2 < row_count) {
      ptrdiff_t ahead = rows[index + 2] * width;
      lk_prefetch_row(theta + ahead, width);
      lk_prefetch_row(gradient + ahead, width);
      lk_prefetch_row(m + ahead, width);
      lk_prefetch_row(v + ahead, width);
    }
    ptrdiff_t start = rows[index] * width;
    lk_adam_avx2(theta + start, gradient + start, m + start, v + start, width, settings);
  }
}

#endif
