// AVX2 + FMA kernels for LossKit, chosen at run time by LossKitKernels' InstructionSet.
//
// Each function here is compiled with __attribute__((target("avx2,fma"))) and must only be
// called when lk_cpu_supports_avx2_fma() returned 1 (lk_gemm_tile_avx512 also needs
// lk_cpu_supports_avx512f()); the rest of the library stays baseline x86-64, so one binary
// runs on any x86-64 CPU. Every kernel has a Swift twin (the portable path and the
// reference) that the tests compare it with; the AVX-512 tile is also compared with the
// AVX2 one.
#ifndef LOSSKIT_KERNELS_H
#define LOSSKIT_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#if defined(__x86_64__)

#ifdef __cplusplus
extern "C" {
#endif

/// 1 when the CPU executes AVX2 and FMA instructions (and the OS saves their registers), else 0.
int lk_cpu_supports_avx2_fma(void);
/// 1 when the CPU also executes AVX-512 Foundation instructions (and the OS saves the
/// 512-bit registers), else 0. Only lk_gemm_tile_avx512 needs it.
int lk_cpu_supports_avx512f(void);

/// How a focal kernel raises q to the power gamma.
typedef enum lk_focal_power {
  lk_focal_power_zero = 0,
  lk_focal_power_one = 1,
  lk_focal_power_two = 2,
  lk_focal_power_general = 3,
} lk_focal_power;

/// The settings of one sigmoid focal pass (see SigmoidFocalKernel.swift).
typedef struct lk_sigmoid_focal_settings {
  lk_focal_power power;
  float gamma;
  /// Hard targets: the weight of positive (target 1) and negative (target 0) elements.
  float positive_weight;
  float negative_weight;
  /// Soft targets: alpha (0.5 without one), its scale (2 without one), the label smoothing.
  float alpha;
  float alpha_scale;
  float label_smoothing;
  float gradient_scale;
  int accumulate;
  /// Whether to try the hard-label form (no label smoothing).
  int hard;
} lk_sigmoid_focal_settings;

/// Sigmoid focal loss over `count` elements (a multiple of 8): writes each element's loss into
/// `losses` (unless NULL) and its gradient into `gradient` (adding when `accumulate`), returns
/// the losses' sum, and adds logit·0 into the 8 floats of `bad` (NaN there flags a non-finite
/// logit, or a target that is NaN or outside [0, 1]). `weights` holds a weight per element, or
/// is NULL for 1. With `hard` set, vectors whose targets are all exactly 0 or 1 take the
/// hard-label form, up to the first that is not; the rest take the general form.
float lk_sigmoid_focal_avx2(
    const float *logits, const float *targets, const float *weights, float *losses,
    float *gradient, ptrdiff_t count, const lk_sigmoid_focal_settings *settings, float *bad);

/// SupCon's anchor pass over one row of the similarity matrix S (see SupConKernel.swift): sets
/// row[anchor] to -inf, stores the row's largest similarity times `inverse_temperature` in
/// *shift and the sum of the similarities to the anchor's positives (other samples with its
/// label) in *positive_sum, and returns the sum over the row of exp(S_ij/tau - shift).
float lk_supcon_anchor_avx2(
    float *row, const int32_t *labels, ptrdiff_t count, ptrdiff_t anchor,
    float inverse_temperature, float *shift, float *positive_sum);

/// SupCon's gradient pass over one row: overwrites S_ij with (G + G^T)_ij =
/// w_i e^(S_ij/tau - L_i) + w_j e^(S_ij/tau - L_j) - [same label](share_i + share_j), i the
/// anchor, w the weights, L the log-sums; 0 on the diagonal.
void lk_supcon_gradient_row_avx2(
    float *row, const int32_t *labels, const float *weights, const float *shares,
    const float *log_sums, ptrdiff_t count, ptrdiff_t anchor, float inverse_temperature);

/// The settings of one softmax focal pass (see SoftmaxFocalKernel.swift).
typedef struct lk_softmax_focal_settings {
  ptrdiff_t classes;
  lk_focal_power power;
  float gamma;
  float gradient_scale;
  int ignore_index;
  int accumulate;
  /// alpha per class, or NULL for 1.
  const float *class_weights;
  /// A weight per row (indexed from row 0 of the logits), or NULL for 1.
  const float *row_weights;
} lk_softmax_focal_settings;

/// Softmax focal loss (cross-entropy at gamma 0) of rows first ..< first + count of the
/// row-major logits [rows, classes], with validated class indices (a class, or the ignore
/// index) and no label smoothing, 8 rows at a time (the last rows padded to 8). Writes the
/// gradient (unless NULL, adding when `accumulate`) and each row's loss into per_sample (unless
/// NULL), returns the sum of the row losses, and sets *flag to 1 when a logit is NaN or
/// infinite. `scratch` holds 32 * classes floats.
double lk_softmax_focal_hard_avx2(
    const float *logits, const int *labels, float *gradient, float *per_sample, ptrdiff_t first,
    ptrdiff_t count, const lk_softmax_focal_settings *settings, float *scratch, int *flag);

/// The settings of the two soft F1 passes (see SoftF1Kernel.swift).
typedef struct lk_soft_f1_settings {
  ptrdiff_t classes;
  /// The focal class indices, focal_count of them.
  const int32_t *focal_classes;
  ptrdiff_t focal_count;
  int ignore_index;
  /// A weight per row (indexed from row 0 of the logits), or NULL for 1.
  const float *row_weights;
  /// Pass 2: per focal class, dL/dp_k for rows of class k and for other rows.
  const float *positive_slopes;
  const float *negative_slopes;
  float gradient_scale;
  int accumulate;
} lk_soft_f1_settings;

/// Soft F1's pass 1 over rows first ..< first + count of the row-major logits [rows, classes]
/// with validated class indices, 8 rows at a time (the last rows padded to 8): adds, per focal
/// class k, sum w*y*p, sum w*p and sum w*y into out[3k], out[3k + 1], out[3k + 2] (w the row
/// weight, 0 for ignored rows), and sets *flag to 1 when a logit is NaN or infinite. `scratch`
/// holds 32 * classes + 24 * focal_count floats.
void lk_soft_f1_counts_avx2(
    const float *logits, const int *labels, ptrdiff_t first, ptrdiff_t count,
    const lk_soft_f1_settings *settings, float *scratch, double *out, int *flag);

/// Soft F1's pass 2 over the same rows: writes (adds when `accumulate`) gradient_scale * w *
/// p_j * (h_j - sum_c p_c h_c), h_c the slope of focal class c for the row's label (0 for
/// other classes). `scratch` as for lk_soft_f1_counts_avx2.
void lk_soft_f1_gradient_avx2(
    const float *logits, const int *labels, float *gradient, ptrdiff_t first, ptrdiff_t count,
    const lk_soft_f1_settings *settings, float *scratch);

/// The 6 x 16 register tile of the blocked matrix product (Matrix in Swift):
/// C[r][j] += alpha * sum_p a[r*row_step + p*depth_step] * b[ldb*p + j] for r < rows,
/// j < columns, over `depth` steps of an A panel of 6 rows read in place (rows past `rows`
/// read row rows - 1 again, unstored) and a B panel 16 columns wide whose rows are ldb apart
/// (16 when packed); C has row stride ldc.
void lk_gemm_tile_avx2(
    ptrdiff_t depth, const float *a, ptrdiff_t row_step, ptrdiff_t depth_step, const float *b,
    ptrdiff_t ldb, float *c, ptrdiff_t ldc, int rows, int columns, float alpha);

/// lk_gemm_tile_avx2 on an A panel of 8 rows and a B panel 32 columns wide (32 when packed),
/// compiled for AVX-512F: the same sums in the same order, so the same bits. Call it only
/// when lk_cpu_supports_avx512f() returned 1.
void lk_gemm_tile_avx512(
    ptrdiff_t depth, const float *a, ptrdiff_t row_step, ptrdiff_t depth_step, const float *b,
    ptrdiff_t ldb, float *c, ptrdiff_t ldc, int rows, int columns, float alpha);

/// The constants of one Adam step (AdamKernel.Settings in Swift).
typedef struct lk_adam_settings {
  float beta1, one_minus_beta1, beta2, one_minus_beta2;
  float correction1, correction2, learning_rate, epsilon, l2, shrink;
} lk_adam_settings;

/// One Adam update of the first count elements (a multiple of 8) of theta, m and v:
/// g = gradient + l2 * theta; m = beta1 * m + (1 - beta1) * g; v = beta2 * v + (1 - beta2) * g * g;
/// theta = theta * shrink - learning_rate * ((m / correction1) / (sqrt(v) / correction2 + epsilon)),
/// with no fused multiply-adds, so results are bit-identical to AdamKernel's Swift paths.
void lk_adam_avx2(
    float *theta, const float *gradient, float *m, float *v, ptrdiff_t count,
    const lk_adam_settings *settings);

/// One LSTM step forward for one sequence (LSTMStep.forward in Swift), for the first `count`
/// (a multiple of 8) of the state's `width` elements: gates (4 * width preactivations) are
/// replaced by sigmoid/tanh activations; c = f * cell + i * g; cell_tanh = tanh(c);
/// hidden = output = (mask * o) * tanh(c); cell = mask * c.
void lk_lstm_forward_avx2(
    float *gates, float *cell, float *hidden, float *output, float *cell_tanh, float mask,
    ptrdiff_t width, ptrdiff_t count);

/// One LSTM step backward for one sequence (LSTMStep.backward in Swift), for the first `count`
/// (a multiple of 8) elements: writes d_gates (4 * width) and replaces d_cell with the cell
/// gradient for the step before.
void lk_lstm_backward_avx2(
    const float *gates, const float *cell_tanh, const float *cell_before, const float *d_output,
    const float *d_hidden, float *d_cell, float *d_gates, float mask, ptrdiff_t width,
    ptrdiff_t count);

/// Adam (as lk_adam_avx2) over whole rows of width (a multiple of 8) elements, the rows listed
/// in rows, prefetching the rows ahead.
void lk_adam_rows_avx2(
    float *theta, const float *gradient, float *m, float *v, const ptrdiff_t *rows,
    ptrdiff_t row_count, ptrdiff_t width, const lk_adam_settings *settings);

/// The embedding bag's forward over rows first_row ..< first_row + row_count of a sparse batch
/// (CSR offsets, indices, values): output[row] += values[e] * table[indices[e]] for each entry in
/// order; width a multiple of 8. Prefetches the table rows of the entries ahead.
void lk_embedding_bag_avx2(
    const float *table, ptrdiff_t width, const ptrdiff_t *offsets, const int32_t *indices,
    const float *values, ptrdiff_t first_row, ptrdiff_t row_count, float *output);

/// The embedding bag's backward for the buckets low ..< high: for every entry of rows
/// 0 ..< row_count in order whose bucket is in range, gradient[bucket] += values[e] * slopes[row];
/// width a multiple of 8.
void lk_embedding_bag_backward_avx2(
    float *gradient, ptrdiff_t width, const ptrdiff_t *offsets, const int32_t *indices,
    const float *values, ptrdiff_t row_count, const float *slopes, int32_t low, int32_t high);

#ifdef __cplusplus
}
#endif

#endif

#endif
