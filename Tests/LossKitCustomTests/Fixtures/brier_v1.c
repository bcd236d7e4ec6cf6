/*
 * The ABI 1 example plugin exactly as it shipped, built against the ABI 1 header beside it:
 * the tests check that such a binary still loads and trains.
 *
 * A LossKit native plugin: the multi-class Brier score of softmax probabilities,
 *
 *   loss = scale · mean over kept rows of Σ_c (p_c − y_c)²,   p = softmax(logits),
 *
 * a proper scoring rule (it rewards calibrated probabilities, unlike focal loss).
 *
 * Build:  cc -shared -fPIC -O2 -I Sources/CLossKitPlugin/include \
 *            -o libbrier.so Examples/NativePlugin/plugin/brier.c -lm
 * Use:    losskit train --plugin ./libbrier.so --loss '0.5*focal+0.5*brier' …
 */
#include "losskit_plugin_v1.h"

#include <math.h>
#include <stdio.h>

static int validate(void *context, const char *parameters, char *error, size_t error_size) {
  (void)context;
  double scale = losskit_parameter(parameters, "scale", 1.0);
  if (!(scale > 0) || !isfinite(scale)) {
    snprintf(error, error_size, "scale must be a finite number > 0, got %g", scale);
    return 1;
  }
  return 0;
}

static int evaluate(void *context, const char *parameters, const losskit_batch *batch,
                    double *value, float *gradient, char *error, size_t error_size) {
  (void)context;
  const double scale = losskit_parameter(parameters, "scale", 1.0);
  const int64_t classes = batch->classes;
  if (classes < 1) {
    snprintf(error, error_size, "logits need at least one class");
    return 1;
  }
  int64_t kept = 0;
  for (int64_t row = 0; row < batch->rows; row++) {
    if (batch->labels == NULL || batch->labels[row] != batch->ignore_index) kept++;
  }
  double total = 0;
  double p[classes], slope[classes];
  for (int64_t row = 0; row < batch->rows; row++) {
    const float *z = batch->logits + row * classes;
    float *g = gradient + row * classes;
    if (batch->labels != NULL && batch->labels[row] == batch->ignore_index) {
      for (int64_t c = 0; c < classes; c++) g[c] = 0;
      continue;
    }
    double top = z[0], sum = 0;
    for (int64_t c = 1; c < classes; c++) top = z[c] > top ? z[c] : top;
    for (int64_t c = 0; c < classes; c++) sum += (p[c] = exp((double)z[c] - top));
    double mixed = 0;
    for (int64_t c = 0; c < classes; c++) {
      p[c] /= sum;
      double y = batch->labels != NULL ? (batch->labels[row] == c ? 1.0 : 0.0)
                                       : (double)batch->targets[row * classes + c];
      total += (p[c] - y) * (p[c] - y);
      slope[c] = 2 * (p[c] - y);
      mixed += slope[c] * p[c];
    }
    /* d/dz_j Σ_c (p_c − y_c)² = p_j · (slope_j − Σ_c slope_c · p_c) */
    for (int64_t c = 0; c < classes; c++) {
      g[c] = kept > 0 ? (float)(scale * p[c] * (slope[c] - mixed) / (double)kept) : 0.0f;
    }
  }
  *value = kept > 0 ? scale * total / (double)kept : 0;
  return 0;
}

static const losskit_loss_definition brier = {
  .name = "brier",
  .version = 1,
  .summary = "multi-class Brier score of softmax probabilities (native plugin, C)",
  .default_parameters = "{\"scale\": 1}",
  .validate = validate,
  .evaluate = evaluate,
  .context = NULL,
};

int32_t losskit_plugin_abi_version(void) { return LOSSKIT_PLUGIN_ABI_VERSION; }

int losskit_plugin_register(const losskit_host *host) {
  if (host->abi_version != LOSSKIT_PLUGIN_ABI_VERSION) return 1;
  return host->register_loss(host->context, &brier);
}
