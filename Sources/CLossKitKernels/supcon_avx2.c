// The AVX2 twins of SupConKernel's row passes (Plugins/ContrastiveLoss).
#if defined(__x86_64__)
#include "avx2_math.h"
#include "losskit_kernels.h"

__attribute__((target("avx2,fma"))) float lk_supcon_anchor_avx2(
    float *row, const int32_t *labels, ptrdiff_t count, ptrdiff_t anchor,
    float inverse_temperature, float *shift, float *positive_sum) {
  const __m256 minus_infinity = lk_splat(-__builtin_inff());
  const __m256i anchor_label = _mm256_set1_epi32(labels[anchor]);
  const ptrdiff_t whole = count / 8 * 8;
  const __m256i tail = lk_tail_mask(count - whole);
  row[anchor] = -__builtin_inff();
  __m256 largest = minus_infinity;
  __m256 positives = _mm256_setzero_ps();
  for (ptrdiff_t j = 0; j < count; j += 8) {
    __m256 similarity;
    __m256i label;
    if (j < whole) {
      similarity = _mm256_loadu_ps(row + j);
      label = _mm256_loadu_si256((const __m256i *)(labels + j));
    } else {
      // Lanes past the end: -inf similarity, never a positive.
      similarity = _mm256_blendv_ps(
          minus_infinity, _mm256_maskload_ps(row + j, tail), _mm256_castsi256_ps(tail));
      label = _mm256_maskload_epi32(labels + j, tail);
    }
    largest = _mm256_max_ps(largest, similarity);
    __m256 positive = _mm256_and_ps(
        _mm256_castsi256_ps(_mm256_cmpeq_epi32(label, anchor_label)),
        _mm256_cmp_ps(similarity, minus_infinity, _CMP_NEQ_OQ));
    positives = _mm256_add_ps(positives, _mm256_and_ps(positive, similarity));
  }
  const __m256 scale = lk_splat(inverse_temperature);
  *shift = lk_lane_max(largest) * inverse_temperature;
  const __m256 minus_shift = lk_splat(-*shift);
  __m256 total = _mm256_setzero_ps();
  for (ptrdiff_t j = 0; j < whole; j += 8) {
    __m256 x = _mm256_fmadd_ps(_mm256_loadu_ps(row + j), scale, minus_shift);
    total = _mm256_add_ps(total, lk_exp_of_non_positive(x));
  }
  if (whole < count) {
    __m256 x = _mm256_fmadd_ps(_mm256_maskload_ps(row + whole, tail), scale, minus_shift);
    total = _mm256_add_ps(
        total, _mm256_and_ps(lk_exp_of_non_positive(x), _mm256_castsi256_ps(tail)));
  }
  *positive_sum = lk_lane_sum(positives);
  return lk_lane_sum(total);
}

/// One vector of lk_supcon_gradient_row_avx2: (G + G^T)_ij from the row's similarities and
/// the other anchors' weights, shares, log-sums and labels.
LK_AVX2 __m256 lk_supcon_gradient(
    __m256 similarity, __m256 weight, __m256 share, __m256 log_sum, __m256i label,
    __m256 scale, __m256 anchor_weight, __m256 anchor_share, __m256 anchor_log_sum,
    __m256i anchor_label) {
  __m256 logit = _mm256_mul_ps(similarity, scale);
  __m256 from_anchor = _mm256_mul_ps(
      anchor_weight, lk_exp_of_non_positive(_mm256_sub_ps(logit, anchor_log_sum)));
  __m256 gradient = _mm256_fmadd_ps(
      weight, lk_exp_of_non_positive(_mm256_sub_ps(logit, log_sum)), from_anchor);
  __m256 positive = _mm256_castsi256_ps(_mm256_cmpeq_epi32(label, anchor_label));
  return _mm256_sub_ps(gradient, _mm256_and_ps(positive, _mm256_add_ps(anchor_share, share)));
}

__attribute__((target("avx2,fma"))) void lk_supcon_gradient_row_avx2(
    float *row, const int32_t *labels, const float *weights, const float *shares,
    const float *log_sums, ptrdiff_t count, ptrdiff_t anchor, float inverse_temperature) {
  const __m256 scale = lk_splat(inverse_temperature);
  const __m256i anchor_label = _mm256_set1_epi32(labels[anchor]);
  const __m256 anchor_weight = lk_splat(weights[anchor]);
  const __m256 anchor_share = lk_splat(shares[anchor]);
  const __m256 anchor_log_sum = lk_splat(log_sums[anchor]);
  const ptrdiff_t whole = count / 8 * 8;
  for (ptrdiff_t j = 0; j < whole; j += 8) {
    _mm256_storeu_ps(row + j, lk_supcon_gradient(
        _mm256_loadu_ps(row + j), _mm256_loadu_ps(weights + j), _mm256_loadu_ps(shares + j),
        _mm256_loadu_ps(log_sums + j), _mm256_loadu_si256((const __m256i *)(labels + j)),
        scale, anchor_weight, anchor_share, anchor_log_sum, anchor_label));
  }
  if (whole < count) {
    const __m256i tail = lk_tail_mask(count - whole);
    _mm256_maskstore_ps(row + whole, tail, lk_supcon_gradient(
        _mm256_maskload_ps(row + whole, tail), _mm256_maskload_ps(weights + whole, tail),
        _mm256_maskload_ps(shares + whole, tail), _mm256_maskload_ps(log_sums + whole, tail),
        _mm256_maskload_epi32(labels + whole, tail), scale, anchor_weight, anchor_share,
        anchor_log_sum, anchor_label));
  }
  row[anchor] = 0;
}

#endif
