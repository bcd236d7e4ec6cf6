// The AVX2 twin of SoftmaxFocalKernel's HardRows (LossKitKernels/Rows/SoftmaxFocalKernel.swift):
// softmax focal loss and weighted cross-entropy with class-index targets, 8 rows at a time.
// Up to 31 classes the rows go through class-major tiles as in Swift; wider rows are read
// along their classes (hard_block_wide), where the transposes cost more than they save.
#if defined(__x86_64__)
#include "avx2_math.h"
#include "losskit_kernels.h"

/// Moves 8 rows x 4 classes (at rows, row stride `classes`) into 4 class vectors of 8 rows.
LK_AVX2 void load_quad(const float *rows, ptrdiff_t classes, __m256 out[4]) {
  __m128 a0 = _mm_loadu_ps(rows), a1 = _mm_loadu_ps(rows + classes);
  __m128 a2 = _mm_loadu_ps(rows + 2 * classes), a3 = _mm_loadu_ps(rows + 3 * classes);
  __m128 b0 = _mm_loadu_ps(rows + 4 * classes), b1 = _mm_loadu_ps(rows + 5 * classes);
  __m128 b2 = _mm_loadu_ps(rows + 6 * classes), b3 = _mm_loadu_ps(rows + 7 * classes);
  _MM_TRANSPOSE4_PS(a0, a1, a2, a3);
  _MM_TRANSPOSE4_PS(b0, b1, b2, b3);
  out[0] = _mm256_set_m128(b0, a0);
  out[1] = _mm256_set_m128(b1, a1);
  out[2] = _mm256_set_m128(b2, a2);
  out[3] = _mm256_set_m128(b3, a3);
}

/// The inverse of load_quad, adding to what is there when `accumulate`.
LK_AVX2 void store_quad(float *rows, ptrdiff_t classes, const __m256 in[4], int accumulate) {
  __m128 a0 = _mm256_castps256_ps128(in[0]), a1 = _mm256_castps256_ps128(in[1]);
  __m128 a2 = _mm256_castps256_ps128(in[2]), a3 = _mm256_castps256_ps128(in[3]);
  __m128 b0 = _mm256_extractf128_ps(in[0], 1), b1 = _mm256_extractf128_ps(in[1], 1);
  __m128 b2 = _mm256_extractf128_ps(in[2], 1), b3 = _mm256_extractf128_ps(in[3], 1);
  _MM_TRANSPOSE4_PS(a0, a1, a2, a3);
  _MM_TRANSPOSE4_PS(b0, b1, b2, b3);
  __m128 quads[8] = {a0, a1, a2, a3, b0, b1, b2, b3};
  for (int r = 0; r < 8; r++) {
    float *target = rows + r * classes;
    __m128 value = quads[r];
    if (accumulate) value = _mm_add_ps(value, _mm_loadu_ps(target));
    _mm_storeu_ps(target, value);
  }
}

/// The start of the 4-class block after `c`: every fourth class, the last one ending at the
/// last class (overlapping its neighbour when `classes` is not a multiple of 4), then
/// `classes` to stop.
static inline ptrdiff_t next_quad(ptrdiff_t c, ptrdiff_t classes) {
  if (c + 4 >= classes) return classes;
  return c + 8 <= classes ? c + 4 : classes - 4;
}

/// Loads 8 rows transposed into `tile` (class c at tile[8c ...]); returns their maxima and
/// updates the running minimum.
LK_AVX2 __m256 load_rows(
    const float *rows, ptrdiff_t classes, float *tile, __m256 *minimum) {
  __m256 largest = lk_splat(-__builtin_inff());
  __m256 smallest = *minimum;
  if (classes >= 4) {
    for (ptrdiff_t c = 0; c < classes; c = next_quad(c, classes)) {
      __m256 columns[4];
      load_quad(rows + c, classes, columns);
      for (int j = 0; j < 4; j++) {
        _mm256_storeu_ps(tile + 8 * (c + j), columns[j]);
        // max(x, m) keeps m for a NaN x: NaN then shows in the row's exponential sum.
        largest = _mm256_max_ps(columns[j], largest);
        smallest = _mm256_min_ps(columns[j], smallest);
      }
    }
  } else {
    for (ptrdiff_t c = 0; c < classes; c++) {
      __m256 column = _mm256_setr_ps(
          rows[c], rows[classes + c], rows[2 * classes + c], rows[3 * classes + c],
          rows[4 * classes + c], rows[5 * classes + c], rows[6 * classes + c],
          rows[7 * classes + c]);
      _mm256_storeu_ps(tile + 8 * c, column);
      largest = _mm256_max_ps(column, largest);
      smallest = _mm256_min_ps(column, smallest);
    }
  }
  *minimum = smallest;
  return largest;
}

/// Writes the class vectors of `tile` back as 8 rows.
LK_AVX2 void store_rows(float *rows, ptrdiff_t classes, const float *tile, int accumulate) {
  if (classes >= 4) {
    ptrdiff_t whole = accumulate ? classes / 4 * 4 : classes;
    for (ptrdiff_t c = 0; c < whole; c = next_quad(c, whole)) {
      __m256 columns[4] = {
          _mm256_loadu_ps(tile + 8 * c), _mm256_loadu_ps(tile + 8 * (c + 1)),
          _mm256_loadu_ps(tile + 8 * (c + 2)), _mm256_loadu_ps(tile + 8 * (c + 3))};
      store_quad(rows + c, classes, columns, accumulate);
    }
    // Adding cannot overlap blocks: the last classes go one by one.
    for (ptrdiff_t c = whole; c < classes; c++) {
      for (int r = 0; r < 8; r++) rows[r * classes + c] += tile[8 * c + r];
    }
  } else {
    for (ptrdiff_t c = 0; c < classes; c++) {
      for (int r = 0; r < 8; r++) {
        float value = tile[8 * c + r];
        rows[r * classes + c] = accumulate ? rows[r * classes + c] + value : value;
      }
    }
  }
}

/// Where one block of 8 rows reads and writes; `labels` and `weights` hold 8 values.
typedef struct block_pointers {
  const float *logits;
  const int *labels;
  const float *weights;
  float *gradient;
  float *per_sample;
} block_pointers;

/// What a pass has seen so far.
typedef struct pass_state {
  __m256 minimum;
  __m256 bad;
  __m256d total;
} pass_state;

/// The focal term of a block's 8 rows from their exponentials' `sum` and row `maximum`: marks
/// a NaN sum in `bad`, adds the rows' losses to the pass total (and stores them per row when
/// asked), and returns each row's scaled gradient coefficient in its target class (meaningless
/// when no gradient is asked for). `index` addresses the target logit in `logits` and its
/// exponential in `exponentials` (laid out alike); `safe` is the label with ignored rows at 0.
LK_AVX2 __m256 target_term(
    int power, block_pointers at, const lk_softmax_focal_settings *settings, pass_state *state,
    const float *logits, const float *exponentials, __m256i index, __m256i safe,
    __m256i ignored, __m256 maximum, __m256 sum) {
  const __m256 gamma = lk_splat(settings->gamma);
  state->bad = _mm256_fmadd_ps(sum, _mm256_setzero_ps(), state->bad);
  // The sum is at least 1 (the maximum's own term) unless it is NaN, which `bad` reports.
  __m256 log_sum = lk_log_of_normal(sum);
  __m256 target_logit = _mm256_i32gather_ps(logits, index, 4);
  __m256 weight = at.weights ? _mm256_loadu_ps(at.weights) : lk_splat(1.0f);
  if (settings->class_weights) {
    weight = _mm256_mul_ps(weight, _mm256_i32gather_ps(settings->class_weights, safe, 4));
  }
  weight = _mm256_andnot_ps(_mm256_castsi256_ps(ignored), weight);
  __m256 log_p = _mm256_sub_ps(_mm256_sub_ps(target_logit, maximum), log_sum);
  __m256 q = _mm256_sub_ps(_mm256_setzero_ps(), lk_exp_minus_one_of_non_positive(log_p));
  __m256 factor = lk_power(power, q, gamma);
  __m256 loss =
      _mm256_mul_ps(_mm256_mul_ps(weight, factor), _mm256_sub_ps(_mm256_setzero_ps(), log_p));
  if (at.per_sample) _mm256_storeu_ps(at.per_sample, loss);
  state->total = _mm256_add_pd(state->total, _mm256_cvtps_pd(_mm256_castps256_ps128(loss)));
  state->total = _mm256_add_pd(state->total, _mm256_cvtps_pd(_mm256_extractf128_ps(loss, 1)));
  if (!at.gradient) return _mm256_setzero_ps();
  __m256 coefficient;
  if (power == 0) {
    coefficient = _mm256_sub_ps(_mm256_setzero_ps(), weight);
  } else {
    __m256 p = _mm256_div_ps(_mm256_i32gather_ps(exponentials, index, 4), sum);
    __m256 ratio = _mm256_blendv_ps(
        _mm256_div_ps(log_p, q), lk_splat(-1.0f),
        _mm256_cmp_ps(q, _mm256_setzero_ps(), _CMP_EQ_OQ));
    coefficient = _mm256_mul_ps(
        _mm256_mul_ps(weight, factor),
        _mm256_fmadd_ps(_mm256_mul_ps(p, ratio), gamma, lk_splat(-1.0f)));
  }
  return _mm256_mul_ps(coefficient, lk_splat(settings->gradient_scale));
}

/// Rows of at least this many classes skip the tiles (hard_block_wide).
enum { wide_classes = 32 };

/// hard_block for rows of at least wide_classes classes: each row is read along its classes,
/// 8 at a time (the last ones masked), so nothing is transposed; only the per-row values
/// (maximum, sum, target) are computed across the 8 rows. `scratch` keeps the exponentials.
LK_AVX2 void hard_block_wide(
    int power, block_pointers at, const lk_softmax_focal_settings *settings, float *scratch,
    pass_state *state) {
  const ptrdiff_t classes = settings->classes;
  const ptrdiff_t whole = classes / 8 * 8;
  const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  const __m256i tail = lk_tail_mask(classes - whole);
  const __m256 tail_lanes = _mm256_castsi256_ps(tail);
  const __m256 minus_infinity = lk_splat(-__builtin_inff());
  float *exponentials = scratch;
  float maxima[8], sums[8];
  __m256 smallest = state->minimum;
  for (int r = 0; r < 8; r++) {
    const float *row = at.logits + r * classes;
    float *row_exponentials = exponentials + r * classes;
    // max(x, m) keeps m for a NaN x: NaN then shows in the row's exponential sum.
    __m256 largest = minus_infinity;
    for (ptrdiff_t c = 0; c < whole; c += 8) {
      __m256 z = _mm256_loadu_ps(row + c);
      largest = _mm256_max_ps(z, largest);
      smallest = _mm256_min_ps(z, smallest);
    }
    __m256 last = _mm256_maskload_ps(row + whole, tail);
    if (whole < classes) {
      largest = _mm256_max_ps(_mm256_blendv_ps(minus_infinity, last, tail_lanes), largest);
      smallest = _mm256_min_ps(
          _mm256_blendv_ps(lk_splat(__builtin_inff()), last, tail_lanes), smallest);
    }
    maxima[r] = lk_lane_max(largest);
    __m256 maximum = lk_splat(maxima[r]);
    __m256 sum = _mm256_setzero_ps();
    for (ptrdiff_t c = 0; c < whole; c += 8) {
      __m256 e = lk_exp_of_non_positive(_mm256_sub_ps(_mm256_loadu_ps(row + c), maximum));
      _mm256_storeu_ps(row_exponentials + c, e);
      sum = _mm256_add_ps(sum, e);
    }
    if (whole < classes) {
      __m256 e =
          _mm256_and_ps(lk_exp_of_non_positive(_mm256_sub_ps(last, maximum)), tail_lanes);
      _mm256_maskstore_ps(row_exponentials + whole, tail, e);
      sum = _mm256_add_ps(sum, e);
    }
    sums[r] = lk_lane_sum(sum);
  }
  state->minimum = smallest;
  __m256 maximum = _mm256_loadu_ps(maxima);
  __m256 sum = _mm256_loadu_ps(sums);
  __m256i label = _mm256_loadu_si256((const __m256i *)at.labels);
  __m256i ignored = _mm256_cmpeq_epi32(label, _mm256_set1_epi32(settings->ignore_index));
  __m256i safe = _mm256_andnot_si256(ignored, label);
  __m256i index =
      _mm256_add_epi32(_mm256_mullo_epi32(lane, _mm256_set1_epi32((int)classes)), safe);
  __m256 coefficient = target_term(
      power, at, settings, state, at.logits, exponentials, index, safe, ignored, maximum, sum);
  if (!at.gradient) return;
  float per_units[8], coefficients[8];
  int targets[8];
  _mm256_storeu_ps(per_units, _mm256_sub_ps(_mm256_setzero_ps(), _mm256_div_ps(coefficient, sum)));
  _mm256_storeu_ps(coefficients, coefficient);
  // -1 for ignored rows, which have no target term.
  _mm256_storeu_si256((__m256i *)targets, _mm256_or_si256(label, ignored));
  const int accumulate = settings->accumulate;
  for (int r = 0; r < 8; r++) {
    const float *row_exponentials = exponentials + r * classes;
    float *row_gradient = at.gradient + r * classes;
    __m256 per_unit = lk_splat(per_units[r]);
    // dL/dz_c = per_unit * e_c, plus the coefficient in the target's class.
    for (ptrdiff_t c = 0; c < whole; c += 8) {
      __m256 g = _mm256_mul_ps(_mm256_loadu_ps(row_exponentials + c), per_unit);
      if (accumulate) g = _mm256_add_ps(g, _mm256_loadu_ps(row_gradient + c));
      _mm256_storeu_ps(row_gradient + c, g);
    }
    if (whole < classes) {
      __m256 g = _mm256_mul_ps(_mm256_maskload_ps(row_exponentials + whole, tail), per_unit);
      if (accumulate) g = _mm256_add_ps(g, _mm256_maskload_ps(row_gradient + whole, tail));
      _mm256_maskstore_ps(row_gradient + whole, tail, g);
    }
    if (targets[r] >= 0) row_gradient[targets[r]] += coefficients[r];
  }
}

LK_AVX2 void hard_block(
    int power, block_pointers at, const lk_softmax_focal_settings *settings, float *scratch,
    pass_state *state) {
  const ptrdiff_t classes = settings->classes;
  float *tile = scratch;
  float *exponentials = scratch + 8 * classes;
  const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  __m256 maximum = load_rows(at.logits, classes, tile, &state->minimum);
  __m256 sum = _mm256_setzero_ps();
  for (ptrdiff_t c = 0; c < classes; c++) {
    __m256 e = lk_exp_of_non_positive(_mm256_sub_ps(_mm256_loadu_ps(tile + 8 * c), maximum));
    _mm256_storeu_ps(exponentials + 8 * c, e);
    sum = _mm256_add_ps(sum, e);
  }
  __m256i label = _mm256_loadu_si256((const __m256i *)at.labels);
  __m256i ignored = _mm256_cmpeq_epi32(label, _mm256_set1_epi32(settings->ignore_index));
  __m256i safe = _mm256_andnot_si256(ignored, label);
  __m256i index = _mm256_add_epi32(_mm256_slli_epi32(safe, 3), lane);
  __m256 coefficient = target_term(
      power, at, settings, state, tile, exponentials, index, safe, ignored, maximum, sum);
  if (!at.gradient) return;
  __m256 per_unit = _mm256_sub_ps(_mm256_setzero_ps(), _mm256_div_ps(coefficient, sum));
  // dL/dz_c = per_unit * e_c, plus the coefficient in the target's class (-1 when ignored,
  // which no class matches).
  __m256i target = _mm256_or_si256(label, ignored);
  for (ptrdiff_t c = 0; c < classes; c++) {
    __m256 is_target =
        _mm256_castsi256_ps(_mm256_cmpeq_epi32(target, _mm256_set1_epi32((int)c)));
    __m256 g = _mm256_fmadd_ps(
        _mm256_loadu_ps(exponentials + 8 * c), per_unit, _mm256_and_ps(is_target, coefficient));
    _mm256_storeu_ps(tile + 8 * c, g);
  }
  store_rows(at.gradient, classes, tile, settings->accumulate);
}

// `wide` (rows of at least wide_classes) is a constant in each caller, like `power`: the
// narrow rows' code does not carry the wide path (sharing a function cost them 3-5 % more
// instructions).
LK_AVX2 double hard_rows(
    int power, int wide, const float *logits, const int *labels, float *gradient, float *per_sample,
    ptrdiff_t first, ptrdiff_t count, const lk_softmax_focal_settings *settings,
    float *scratch, int *flag) {
  const ptrdiff_t classes = settings->classes;
  const float *row_weights = settings->row_weights;
  pass_state state = {
      lk_splat(__builtin_inff()), _mm256_setzero_ps(), _mm256_setzero_pd()};
  ptrdiff_t end = first + count;
  ptrdiff_t whole = first + count / 8 * 8;
  for (ptrdiff_t row = first; row < whole; row += 8) {
    block_pointers at = {
        logits + row * classes, labels + row, row_weights ? row_weights + row : NULL,
        gradient ? gradient + row * classes : NULL, per_sample ? per_sample + row : NULL};
    if (wide) {
      hard_block_wide(power, at, settings, scratch, &state);
    } else {
      hard_block(power, at, settings, scratch, &state);
    }
  }
  if (whole < end) {
    // The last rows run as a whole block on padded copies: zero logits, ignored labels, zero
    // weights, so a row's result does not depend on where the batch was cut.
    ptrdiff_t rest = end - whole;
    float *padded_logits = scratch + 16 * classes;
    float *padded_gradient = scratch + 24 * classes;
    int padded_labels[8];
    float padded_weights[8], padded_losses[8];
    for (ptrdiff_t i = 0; i < 8 * classes; i++) {
      padded_logits[i] = i < rest * classes ? logits[whole * classes + i] : 0;
      padded_gradient[i] = gradient && i < rest * classes ? gradient[whole * classes + i] : 0;
    }
    for (ptrdiff_t r = 0; r < 8; r++) {
      padded_labels[r] = r < rest ? labels[whole + r] : settings->ignore_index;
      padded_weights[r] = r < rest ? (row_weights ? row_weights[whole + r] : 1) : 0;
    }
    block_pointers at = {
        padded_logits, padded_labels, padded_weights, gradient ? padded_gradient : NULL,
        padded_losses};
    if (wide) {
      hard_block_wide(power, at, settings, scratch, &state);
    } else {
      hard_block(power, at, settings, scratch, &state);
    }
    for (ptrdiff_t r = 0; r < rest; r++) {
      if (per_sample) per_sample[whole + r] = padded_losses[r];
    }
    for (ptrdiff_t i = 0; gradient && i < rest * classes; i++) {
      gradient[whole * classes + i] = padded_gradient[i];
    }
  }
  float smallest[8], flags[8];
  _mm256_storeu_ps(smallest, state.minimum);
  _mm256_storeu_ps(flags, state.bad);
  for (int r = 0; r < 8; r++) {
    if (smallest[r] == -__builtin_inff() || flags[r] != 0) *flag = 1;
  }
  __m128d half =
      _mm_add_pd(_mm256_castpd256_pd128(state.total), _mm256_extractf128_pd(state.total, 1));
  return _mm_cvtsd_f64(_mm_add_sd(half, _mm_unpackhi_pd(half, half)));
}

// One call per power and width, so each loop is compiled with them fixed.
#define LK_SOFTMAX_ROWS(power)                                                                 \
  return settings->classes >= wide_classes                                                    \
      ? hard_rows(power, 1, logits, labels, gradient, per_sample, first, count, settings,    \
            scratch, flag)                                                                    \
      : hard_rows(power, 0, logits, labels, gradient, per_sample, first, count, settings,    \
            scratch, flag)

__attribute__((target("avx2,fma"))) double lk_softmax_focal_hard_avx2(
    const float *logits, const int *labels, float *gradient, float *per_sample, ptrdiff_t first,
    ptrdiff_t count, const lk_softmax_focal_settings *settings, float *scratch, int *flag) {
  switch (settings->power) {
  case lk_focal_power_zero: LK_SOFTMAX_ROWS(0);
  case lk_focal_power_one: LK_SOFTMAX_ROWS(1);
  case lk_focal_power_two: LK_SOFTMAX_ROWS(2);
  default: LK_SOFTMAX_ROWS(3);
  }
}

#endif
