// The AVX2 twin of SoftF1Kernel's two passes (Plugins/FocalF1Loss/SoftF1Kernel.swift), 8 rows
// at a time in class-major tiles. Three-class rows (the common case) move in and out of the
// tiles with in-register permutes; other widths gather their columns and store class by class.
// Pass 2 recomputes the softmax instead of reading probabilities kept by pass 1: the logits
// are read twice and nothing else is stored, less memory traffic than keeping them.
#if defined(__x86_64__)
#include "avx2_math.h"
#include "losskit_kernels.h"

/// Element 3r + k of 24 consecutive floats (8 rows of 3 classes): its position within its
/// vector, for lanes r = 0 ..< 8 of column k (rows 0 ..< 3 of the table), and for the
/// inverse, lanes j of output vector v hold row (8v + j) / 3 (rows 3 ..< 6).
static const int32_t three_class_lanes[6][8] = {
    {0, 3, 6, 1, 4, 7, 2, 5}, {1, 4, 7, 2, 5, 0, 3, 6}, {2, 5, 0, 3, 6, 1, 4, 7},
    {0, 0, 0, 1, 1, 1, 2, 2}, {2, 3, 3, 3, 4, 4, 4, 5}, {5, 5, 6, 6, 6, 7, 7, 7}};

/// Loads 8 rows (row stride `classes`) into `tile` (class c at tile[8c ...]); returns their
/// maxima and updates the running minimum.
LK_AVX2 __m256 soft_f1_load(const float *rows, ptrdiff_t classes, float *tile, __m256 *minimum) {
  __m256 largest = lk_splat(-__builtin_inff());
  __m256 smallest = *minimum;
  const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  for (ptrdiff_t c = 0; c < classes; c++) {
    __m256 column;
    if (classes == 3) {
      // Lane r takes element 3r + c of the vectors at rows, rows + 8, rows + 16.
      __m256i at = _mm256_loadu_si256((const __m256i *)three_class_lanes[c]);
      __m256i element = _mm256_add_epi32(_mm256_mullo_epi32(lane, _mm256_set1_epi32(3)),
                                         _mm256_set1_epi32((int)c));
      __m256 second = _mm256_castsi256_ps(_mm256_cmpgt_epi32(element, _mm256_set1_epi32(7)));
      __m256 third = _mm256_castsi256_ps(_mm256_cmpgt_epi32(element, _mm256_set1_epi32(15)));
      column = _mm256_permutevar8x32_ps(_mm256_loadu_ps(rows), at);
      column = _mm256_blendv_ps(column, _mm256_permutevar8x32_ps(_mm256_loadu_ps(rows + 8), at),
                                second);
      column = _mm256_blendv_ps(
          column, _mm256_permutevar8x32_ps(_mm256_loadu_ps(rows + 16), at), third);
    } else {
      column = _mm256_i32gather_ps(
          rows + c, _mm256_mullo_epi32(lane, _mm256_set1_epi32((int)classes)), 4);
    }
    _mm256_storeu_ps(tile + 8 * c, column);
    // max(x, m) keeps m for a NaN x: NaN then shows in the row's exponential sum.
    largest = _mm256_max_ps(column, largest);
    smallest = _mm256_min_ps(column, smallest);
  }
  *minimum = smallest;
  return largest;
}

/// Writes the class vectors of `tile` back as 8 rows, adding to what is there when
/// `accumulate`.
LK_AVX2 void soft_f1_store(float *rows, ptrdiff_t classes, const float *tile, int accumulate) {
  if (classes == 3) {
    __m256 columns[3] = {
        _mm256_loadu_ps(tile), _mm256_loadu_ps(tile + 8), _mm256_loadu_ps(tile + 16)};
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    for (int v = 0; v < 3; v++) {
      // Lane j of vector v is element 8v + j: row (8v + j) / 3, class (8v + j) % 3.
      __m256i row = _mm256_loadu_si256((const __m256i *)three_class_lanes[3 + v]);
      __m256i element = _mm256_add_epi32(lane, _mm256_set1_epi32(8 * v));
      __m256i class = _mm256_sub_epi32(element, _mm256_mullo_epi32(row, _mm256_set1_epi32(3)));
      __m256 out = _mm256_permutevar8x32_ps(columns[0], row);
      for (int c = 1; c < 3; c++) {
        __m256 here = _mm256_castsi256_ps(_mm256_cmpeq_epi32(class, _mm256_set1_epi32(c)));
        out = _mm256_blendv_ps(out, _mm256_permutevar8x32_ps(columns[c], row), here);
      }
      if (accumulate) out = _mm256_add_ps(out, _mm256_loadu_ps(rows + 8 * v));
      _mm256_storeu_ps(rows + 8 * v, out);
    }
    return;
  }
  for (ptrdiff_t c = 0; c < classes; c++) {
    for (int r = 0; r < 8; r++) {
      float value = tile[8 * c + r];
      rows[r * classes + c] = accumulate ? rows[r * classes + c] + value : value;
    }
  }
}

/// One block's probabilities (in `tile`) and row weights, 0 for ignored rows.
typedef struct soft_f1_block {
  __m256i label;
  __m256 weight;
} soft_f1_block;

/// Softmax of 8 rows into `tile`, their labels and weights; flags non-finite logits through
/// `minimum` (-inf) and `bad` (NaN from +inf or NaN).
LK_AVX2 soft_f1_block soft_f1_softmax(
    const float *logits, const int *labels, const float *weights,
    const lk_soft_f1_settings *settings, float *tile, __m256 *minimum, __m256 *bad) {
  const ptrdiff_t classes = settings->classes;
  __m256 maximum = soft_f1_load(logits, classes, tile, minimum);
  __m256 sum = _mm256_setzero_ps();
  for (ptrdiff_t c = 0; c < classes; c++) {
    __m256 e = lk_exp_of_non_positive(_mm256_sub_ps(_mm256_loadu_ps(tile + 8 * c), maximum));
    _mm256_storeu_ps(tile + 8 * c, e);
    sum = _mm256_add_ps(sum, e);
  }
  *bad = _mm256_fmadd_ps(sum, _mm256_setzero_ps(), *bad);
  __m256 inverse = _mm256_div_ps(lk_splat(1.0f), sum);
  for (ptrdiff_t c = 0; c < classes; c++) {
    _mm256_storeu_ps(tile + 8 * c, _mm256_mul_ps(_mm256_loadu_ps(tile + 8 * c), inverse));
  }
  soft_f1_block block;
  block.label = _mm256_loadu_si256((const __m256i *)labels);
  __m256i ignored = _mm256_cmpeq_epi32(block.label, _mm256_set1_epi32(settings->ignore_index));
  __m256 weight = weights ? _mm256_loadu_ps(weights) : lk_splat(1.0f);
  block.weight = _mm256_andnot_ps(_mm256_castsi256_ps(ignored), weight);
  return block;
}

/// Pass 1 on one block: adds w·y·p, w·p and w·y per focal class into `sums` (8 lanes each).
LK_AVX2 void soft_f1_count_block(
    const float *logits, const int *labels, const float *weights,
    const lk_soft_f1_settings *settings, float *tile, float *sums, __m256 *minimum,
    __m256 *bad) {
  soft_f1_block block =
      soft_f1_softmax(logits, labels, weights, settings, tile, minimum, bad);
  for (ptrdiff_t k = 0; k < settings->focal_count; k++) {
    int focal = settings->focal_classes[k];
    __m256 weighted = _mm256_mul_ps(_mm256_loadu_ps(tile + 8 * focal), block.weight);
    __m256 is_class =
        _mm256_castsi256_ps(_mm256_cmpeq_epi32(block.label, _mm256_set1_epi32(focal)));
    float *at = sums + 24 * k;
    _mm256_storeu_ps(at, _mm256_add_ps(_mm256_loadu_ps(at), _mm256_and_ps(is_class, weighted)));
    _mm256_storeu_ps(at + 8, _mm256_add_ps(_mm256_loadu_ps(at + 8), weighted));
    _mm256_storeu_ps(
        at + 16, _mm256_add_ps(_mm256_loadu_ps(at + 16), _mm256_and_ps(is_class, block.weight)));
  }
}

/// Pass 2 on one block: the gradient p_j (h_j - sum_c p_c h_c) into `tile`.
LK_AVX2 void soft_f1_gradient_block(
    const float *logits, const int *labels, const float *weights,
    const lk_soft_f1_settings *settings, float *tile, float *slopes) {
  __m256 minimum = _mm256_setzero_ps(), bad = _mm256_setzero_ps();
  soft_f1_block block =
      soft_f1_softmax(logits, labels, weights, settings, tile, &minimum, &bad);
  __m256 row_weight = _mm256_mul_ps(block.weight, lk_splat(settings->gradient_scale));
  __m256 mixed = _mm256_setzero_ps();
  for (ptrdiff_t k = 0; k < settings->focal_count; k++) {
    int focal = settings->focal_classes[k];
    __m256 is_class =
        _mm256_castsi256_ps(_mm256_cmpeq_epi32(block.label, _mm256_set1_epi32(focal)));
    __m256 h = _mm256_mul_ps(
        _mm256_blendv_ps(lk_splat(settings->negative_slopes[k]),
                         lk_splat(settings->positive_slopes[k]), is_class),
        row_weight);
    _mm256_storeu_ps(slopes + 8 * focal, h);
    mixed = _mm256_fmadd_ps(_mm256_loadu_ps(tile + 8 * focal), h, mixed);
  }
  for (ptrdiff_t c = 0; c < settings->classes; c++) {
    __m256 p = _mm256_loadu_ps(tile + 8 * c);
    __m256 h = _mm256_loadu_ps(slopes + 8 * c);
    _mm256_storeu_ps(tile + 8 * c, _mm256_mul_ps(p, _mm256_sub_ps(h, mixed)));
  }
}

/// The rows first ..< first + count in whole blocks of 8, the last rows on padded copies (zero
/// logits, ignored labels, zero weights), so a row's result does not depend on where the
/// batch was cut. `pass` 1 counts into `sums`, `pass` 2 writes the gradient.
LK_AVX2 void soft_f1_rows(
    int pass, const float *logits, const int *labels, float *gradient, ptrdiff_t first,
    ptrdiff_t count, const lk_soft_f1_settings *settings, float *scratch, float *sums,
    double *out, __m256 *minimum, __m256 *bad) {
  const ptrdiff_t classes = settings->classes;
  const float *row_weights = settings->row_weights;
  float *tile = scratch;
  float *slopes = scratch + 8 * classes;
  float *padded_logits = scratch + 16 * classes;
  float *padded_gradient = scratch + 24 * classes;
  if (pass == 2) {
    for (ptrdiff_t i = 0; i < 8 * classes; i++) slopes[i] = 0;
  }
  ptrdiff_t end = first + count;
  ptrdiff_t whole = first + count / 8 * 8;
  int blocks = 0;
  for (ptrdiff_t row = first; row <= whole; row += 8) {
    const float *block_logits = logits + row * classes;
    const int *block_labels = labels + row;
    const float *block_weights = row_weights ? row_weights + row : NULL;
    float *block_gradient = gradient ? gradient + row * classes : NULL;
    int padded_labels[8];
    float padded_weights[8];
    ptrdiff_t rest = end - row;
    if (row == whole) {
      if (rest == 0) break;
      for (ptrdiff_t i = 0; i < 8 * classes; i++) {
        padded_logits[i] = i < rest * classes ? block_logits[i] : 0;
        padded_gradient[i] =
            pass == 2 && settings->accumulate && i < rest * classes ? block_gradient[i] : 0;
      }
      for (ptrdiff_t r = 0; r < 8; r++) {
        padded_labels[r] = r < rest ? labels[row + r] : settings->ignore_index;
        padded_weights[r] = r < rest ? (row_weights ? row_weights[row + r] : 1) : 0;
      }
      block_logits = padded_logits;
      block_labels = padded_labels;
      block_weights = padded_weights;
      block_gradient = padded_gradient;
    }
    if (pass == 1) {
      soft_f1_count_block(
          block_logits, block_labels, block_weights, settings, tile, sums, minimum, bad);
      // Float lane sums over at most 64 blocks, then double.
      if (++blocks == 64 || row + 8 >= end) {
        for (ptrdiff_t i = 0; i < 3 * settings->focal_count; i++) {
          out[i] += lk_lane_sum(_mm256_loadu_ps(sums + 8 * i));
          _mm256_storeu_ps(sums + 8 * i, _mm256_setzero_ps());
        }
        blocks = 0;
      }
    } else {
      soft_f1_gradient_block(block_logits, block_labels, block_weights, settings, tile, slopes);
      soft_f1_store(block_gradient, classes, tile, settings->accumulate);
      if (row == whole) {
        for (ptrdiff_t i = 0; i < rest * classes; i++) {
          gradient[row * classes + i] = padded_gradient[i];
        }
      }
    }
  }
}

__attribute__((target("avx2,fma"))) void lk_soft_f1_counts_avx2(
    const float *logits, const int *labels, ptrdiff_t first, ptrdiff_t count,
    const lk_soft_f1_settings *settings, float *scratch, double *out, int *flag) {
  float *sums = scratch + 32 * settings->classes;
  for (ptrdiff_t i = 0; i < 24 * settings->focal_count; i++) sums[i] = 0;
  __m256 minimum = lk_splat(__builtin_inff()), bad = _mm256_setzero_ps();
  soft_f1_rows(1, logits, labels, NULL, first, count, settings, scratch, sums, out, &minimum,
               &bad);
  float smallest[8], flags[8];
  _mm256_storeu_ps(smallest, minimum);
  _mm256_storeu_ps(flags, bad);
  for (int r = 0; r < 8; r++) {
    if (smallest[r] == -__builtin_inff() || flags[r] != 0) *flag = 1;
  }
}

__attribute__((target("avx2,fma"))) void lk_soft_f1_gradient_avx2(
    const float *logits, const int *labels, float *gradient, ptrdiff_t first, ptrdiff_t count,
    const lk_soft_f1_settings *settings, float *scratch) {
  __m256 minimum = _mm256_setzero_ps(), bad = _mm256_setzero_ps();
  soft_f1_rows(2, logits, labels, gradient, first, count, settings, scratch, NULL, NULL,
               &minimum, &bad);
}

#endif
