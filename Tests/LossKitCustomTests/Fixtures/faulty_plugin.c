/*
 * An ABI 2 test plugin that misbehaves on request: parameter "mode" 0 returns a NaN value,
 * 1 a NaN gradient element, 2 an error, 3 a valid result (value 1, gradient all 1).
 */
#include "losskit_plugin.h"

#include <math.h>
#include <stdio.h>

static int evaluate(void *context, const char *parameters, const losskit_batch_v2 *batch,
                    double *value, char *error, size_t error_size) {
  (void)context;
  int mode = (int)losskit_parameter(parameters, "mode", 3);
  const losskit_output *logits = &batch->outputs[0];
  for (int64_t i = 0; i < logits->count; i++) logits->gradient[i] = 1;
  *value = 1;
  switch (mode) {
  case 0: *value = NAN; return 0;
  case 1: logits->gradient[logits->count - 1] = NAN; return 0;
  case 2: snprintf(error, error_size, "the batch is not what I expected"); return 1;
  default: return 0;
  }
}

static const losskit_loss_definition_v2 faulty = {
  .name = "faulty",
  .version = 1,
  .summary = "test plugin that misbehaves",
  .default_parameters = "{\"mode\": 3}",
  .evaluate = evaluate,
};

int32_t losskit_plugin_abi_version(void) { return 2; }

int losskit_plugin_register(const losskit_host *host) {
  return host->register_loss_v2(host->context, &faulty);
}
