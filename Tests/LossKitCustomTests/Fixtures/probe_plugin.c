/*
 * An ABI 2 test plugin that reads two outputs (logits and embeddings), sample weights and
 * the mask, and records what it received so the tests can check it.
 *
 *   loss = Σ_s w_s (Σ_c logits_sc + ½ Σ_d embeddings_sd²) / Σ_s w_s,   w_s = weight · mask
 */
#include "losskit_plugin.h"

#include <stdio.h>

int32_t probe_release_count = 0;
int64_t probe_sample_shape[4] = {0, 0, 0, 0};
int32_t probe_sample_rank = 0;
int32_t probe_saw_weights = 0;
int32_t probe_saw_mask = 0;

static double weight(const losskit_batch_v2 *batch, int64_t s) {
  if (batch->labels != NULL && batch->labels[s] == batch->ignore_index) return 0;
  double w = batch->sample_weights != NULL ? batch->sample_weights[s] : 1;
  return batch->mask != NULL ? w * batch->mask[s] : w;
}

static int evaluate(void *context, const char *parameters, const losskit_batch_v2 *batch,
                    double *value, char *error, size_t error_size) {
  (void)context;
  (void)parameters;
  if (batch->output_count != 2) {
    snprintf(error, error_size, "expected 2 outputs, got %d", batch->output_count);
    return 1;
  }
  probe_sample_rank = batch->sample_rank;
  for (int32_t i = 0; i < batch->sample_rank && i < 4; i++) {
    probe_sample_shape[i] = batch->sample_shape[i];
  }
  probe_saw_weights = batch->sample_weights != NULL;
  probe_saw_mask = batch->mask != NULL;
  const losskit_output *logits = &batch->outputs[0];
  const losskit_output *embeddings = &batch->outputs[1];
  const int64_t classes = logits->count / batch->samples;
  const int64_t width = embeddings->count / batch->samples;
  double total = 0, weights = 0;
  for (int64_t s = 0; s < batch->samples; s++) weights += weight(batch, s);
  for (int64_t s = 0; s < batch->samples; s++) {
    double w = weight(batch, s);
    for (int64_t c = 0; c < classes; c++) {
      total += w * logits->values[s * classes + c];
      logits->gradient[s * classes + c] = (float)(w / weights);
    }
    for (int64_t d = 0; d < width; d++) {
      double e = embeddings->values[s * width + d];
      total += w * 0.5 * e * e;
      embeddings->gradient[s * width + d] = (float)(w * e / weights);
    }
  }
  *value = total / weights;
  return 0;
}

static void release(void *context) {
  (void)context;
  probe_release_count++;
}

static const char *const outputs[] = {"logits", "embeddings"};

static const losskit_loss_definition_v2 probe = {
  .name = "probe",
  .version = 3,
  .minimum_version = 2,
  .summary = "test probe",
  .default_parameters = "{}",
  .outputs = outputs,
  .output_count = 2,
  .targets = "labels",
  .validate = NULL,
  .evaluate = evaluate,
  .release = release,
  .context = NULL,
};

int32_t losskit_plugin_abi_version(void) { return 2; }

int losskit_plugin_register(const losskit_host *host) {
  return host->register_loss_v2(host->context, &probe);
}
