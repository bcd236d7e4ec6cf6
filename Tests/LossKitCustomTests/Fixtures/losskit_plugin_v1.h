/*
 * LossKit native loss plugins: the C ABI.
 *
 * A plugin is a shared library exporting two functions:
 *
 *   int32_t losskit_plugin_abi_version(void);          // return LOSSKIT_PLUGIN_ABI_VERSION
 *   int     losskit_plugin_register(const losskit_host *host);
 *
 * losskit_plugin_register calls host->register_loss(host->context, &definition) once per
 * loss and returns 0 on success. LossKit copies the strings of each definition; the function
 * pointers and definition->context must stay valid while the library is loaded (LossKit
 * never unloads plugins). Every callback receives the definition's context pointer first.
 *
 * Losses read the model output "logits" ([rows, classes], row-major float32) and the targets
 * "labels" (class indices, or dense float targets). Parameters reach the plugin as the text
 * of a JSON object; losskit_parameter() below reads a number from it.
 *
 * See docs/plugins.md and Examples/NativePlugin.
 */
#ifndef LOSSKIT_PLUGIN_H
#define LOSSKIT_PLUGIN_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Raised whenever a struct below changes incompatibly. */
#define LOSSKIT_PLUGIN_ABI_VERSION 1

/* One batch. */
typedef struct losskit_batch {
  const float *logits;   /* [rows, classes], row-major */
  int64_t rows;
  int64_t classes;
  const int32_t *labels; /* one class index per row, or NULL when targets is set */
  const float *targets;  /* dense targets [rows, classes], or NULL when labels is set */
  int32_t ignore_index;  /* rows whose label equals this contribute nothing */
} losskit_batch;

/* One loss a plugin provides. */
typedef struct losskit_loss_definition {
  const char *name;               /* registry name: letters, digits, '-', '_', '.' */
  int32_t version;                /* version of the parameters */
  const char *summary;            /* one line for `losskit losses` */
  const char *default_parameters; /* JSON object text, e.g. "{\"scale\": 1}" */
  /* Returns 0 if `parameters` (JSON object text) are valid, else writes a message into
     `error` (at most error_size bytes, NUL-terminated) and returns non-zero. */
  int (*validate)(void *context, const char *parameters, char *error, size_t error_size);
  /* Computes the reduced loss into *value and d(value)/d(logits) into `gradient`
     ([rows, classes], to be overwritten). Returns 0 on success, else writes `error`. */
  int (*evaluate)(void *context, const char *parameters, const losskit_batch *batch,
                  double *value, float *gradient, char *error, size_t error_size);
  void *context; /* passed back to validate and evaluate */
} losskit_loss_definition;

/* What LossKit passes to losskit_plugin_register. */
typedef struct losskit_host {
  int32_t abi_version; /* LOSSKIT_PLUGIN_ABI_VERSION of the host */
  void *context;       /* pass back as the first argument of register_loss */
  /* Returns 0 on success; non-zero if the definition is invalid or the name is taken. */
  int (*register_loss)(void *context, const losskit_loss_definition *definition);
} losskit_host;

/* Reads the number stored under "key" in a flat JSON object, or `fallback`. */
static inline double losskit_parameter(const char *json, const char *key, double fallback) {
  char quoted[128];
  size_t length = strlen(key);
  if (json == NULL || length + 3 > sizeof quoted) return fallback;
  quoted[0] = '"';
  memcpy(quoted + 1, key, length);
  quoted[length + 1] = '"';
  quoted[length + 2] = '\0';
  const char *found = strstr(json, quoted);
  if (found == NULL) return fallback;
  found = strchr(found + length + 2, ':');
  if (found == NULL) return fallback;
  char *end = NULL;
  double value = strtod(found + 1, &end);
  return end == found + 1 ? fallback : value;
}

#ifdef __cplusplus
}
#endif
#endif /* LOSSKIT_PLUGIN_H */
