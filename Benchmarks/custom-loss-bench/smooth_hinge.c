/*
 * The smooth hinge for losskit-custom-bench, twice: as plain C functions (the foreign-function
 * route calls them through libffi) and as an ABI 2 plugin whose evaluate loops over the batch.
 *
 *   l(x, y) = 0 for z ≥ m, (m − z)²/2 for m − 1 < z < m, m − 1/2 − z for z ≤ m − 1,
 *   z = (2y − 1)·x, mean over elements.
 */
#include "losskit_plugin.h"

double smooth_hinge(double prediction, double target, double margin) {
  double z = (2 * target - 1) * prediction;
  if (z >= margin) return 0;
  if (z <= margin - 1) return margin - 0.5 - z;
  return 0.5 * (margin - z) * (margin - z);
}

double smooth_hinge_grad(double prediction, double target, double margin) {
  double sign = 2 * target - 1;
  double z = sign * prediction;
  if (z >= margin) return 0;
  if (z <= margin - 1) return -sign;
  return -sign * (margin - z);
}

static int evaluate(void *context, const char *parameters, const losskit_batch_v2 *batch,
                    double *value, char *error, size_t error_size) {
  (void)context;
  (void)error;
  (void)error_size;
  const double margin = losskit_parameter(parameters, "margin", 1);
  const losskit_output *x = &batch->outputs[0];
  const double scale = x->count > 0 ? 1.0 / (double)x->count : 0;
  double total = 0;
  for (int64_t i = 0; i < x->count; i++) {
    double y = batch->targets[i];
    total += smooth_hinge(x->values[i], y, margin);
    x->gradient[i] = (float)(scale * smooth_hinge_grad(x->values[i], y, margin));
  }
  *value = total * scale;
  return 0;
}

static const losskit_loss_definition_v2 definition = {
  .name = "smooth_hinge_plugin",
  .version = 1,
  .summary = "smooth hinge (benchmark plugin)",
  .default_parameters = "{\"margin\": 1}",
  .evaluate = evaluate,
};

int32_t losskit_plugin_abi_version(void) { return LOSSKIT_PLUGIN_ABI_VERSION; }

int losskit_plugin_register(const losskit_host *host) {
  return host->register_loss_v2(host->context, &definition);
}
