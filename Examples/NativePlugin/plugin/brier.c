/*
 * A LossKit native plugin (ABI 2): the multi-class Brier score of softmax probabilities,
 *
 *   loss = scale · Σ_s w_s Σ_c (p_sc − y_sc)² / Σ_s w_s,   p = softmax(logits),
 *
 * a proper scoring rule (it rewards calibrated probabilities, unlike focal loss). w_s is the
 * sample's weight times its mask entry, 0 for an ignored label. Sequence logits [N, T, C]
 * arrive as N·T samples.
 *
 * Build:  cc -shared -fPIC -O2 -I Sources/CLossKitPlugin/include \
 *            -o libbrier.so Examples/NativePlugin/plugin/brier.c -lm
 * Use:    losskit train --plugin ./libbrier.so --loss '0.5*focal+0.5*brier' …
 */
#include "losskit_plugin.h"

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

static double sample_weight(const losskit_batch_v2 *batch, int64_t sample) {
  if (batch->labels != NULL && batch->labels[sample] == batch->ignore_index) return 0;
  double weight = batch->sample_weights != NULL ? batch->sample_weights[sample] : 1;
  return batch->mask != NULL ? weight * batch->mask[sample] : weight;
}

static int evaluate(void *context, const char *parameters, const losskit_batch_v2 *batch,
                    double *value, char *error, size_t error_size) {
  (void)context;
  const double scale = losskit_parameter(parameters, "scale", 1.0);
  const losskit_output *logits = &batch->outputs[0];
  const int64_t classes = logits->rank > 0 ? logits->shape[logits->rank - 1] : 1;
  if (classes < 1) {
    snprintf(error, error_size, "logits need at least one class");
    return 1;
  }
  double weights = 0;
  for (int64_t s = 0; s < batch->samples; s++) weights += sample_weight(batch, s);
  double total = 0;
  double p[classes], slope[classes];
  for (int64_t s = 0; s < batch->samples; s++) {
    const double w = sample_weight(batch, s);
    if (w == 0) continue; /* the gradient arrives zeroed */
    const float *z = logits->values + s * classes;
    float *g = logits->gradient + s * classes;
    double top = z[0], sum = 0;
    for (int64_t c = 1; c < classes; c++) top = z[c] > top ? z[c] : top;
    for (int64_t c = 0; c < classes; c++) sum += (p[c] = exp((double)z[c] - top));
    double mixed = 0;
    for (int64_t c = 0; c < classes; c++) {
      p[c] /= sum;
      double y = batch->labels != NULL ? (batch->labels[s] == c ? 1.0 : 0.0)
                                       : (double)batch->targets[s * classes + c];
      total += w * (p[c] - y) * (p[c] - y);
      slope[c] = 2 * (p[c] - y);
      mixed += slope[c] * p[c];
    }
    /* d/dz_j Σ_c (p_c − y_c)² = p_j · (slope_j − Σ_c slope_c · p_c) */
    for (int64_t c = 0; c < classes; c++) {
      g[c] = (float)(scale * w * p[c] * (slope[c] - mixed) / weights);
    }
  }
  *value = weights > 0 ? scale * total / weights : 0;
  return 0;
}

static const char *const outputs[] = {"logits"};

static const losskit_loss_definition_v2 brier = {
  .name = "brier",
  .version = 1,
  .minimum_version = 1,
  .summary = "multi-class Brier score of softmax probabilities (native plugin, C)",
  .default_parameters = "{\"scale\": 1}",
  .outputs = outputs,
  .output_count = 1,
  .targets = "labels",
  .validate = validate,
  .evaluate = evaluate,
  .release = NULL,
  .context = NULL,
};

int32_t losskit_plugin_abi_version(void) { return LOSSKIT_PLUGIN_ABI_VERSION; }

int losskit_plugin_register(const losskit_host *host) {
  if (host->abi_version != LOSSKIT_PLUGIN_ABI_VERSION) return 1;
  return host->register_loss_v2(host->context, &brier);
}
