/*
 * LossKit native loss plugins: the C ABI.
 *
 * A plugin is a shared library exporting two functions:
 *
 *   int32_t losskit_plugin_abi_version(void);          // return LOSSKIT_PLUGIN_ABI_VERSION
 *   int     losskit_plugin_register(const losskit_host *host);
 *
 * LossKit calls losskit_plugin_abi_version first and speaks that version to the plugin:
 * host->abi_version is the plugin's own version (1 or 2). losskit_plugin_register then calls
 *
 *   host->register_loss_v2(host->context, &definition)   (ABI 2: losskit_loss_definition_v2)
 *   host->register_loss(host->context, &definition)      (ABI 1: losskit_loss_definition)
 *
 * once per loss and returns 0 on success. LossKit copies the strings of each definition; the
 * function pointers must stay valid while the library is loaded (LossKit never unloads a
 * plugin). Every callback receives the definition's context pointer first. Parameters reach
 * the plugin as the text of a JSON object; losskit_parameter() below reads a number from it.
 *
 * ABI 2 adds, over ABI 1: any named model output (several per loss, e.g. "embeddings"),
 * sample weights, the mask and the sample shape of sequences, the oldest parameter version a
 * loss still reads, and a release hook for the context. ABI 1 plugins keep loading
 * unchanged: their losses read "logits" and "labels" and never see weights or masks.
 *
 * LossKit checks everything it passes (shapes, label range, finite outputs, weights and mask
 * finite and >= 0) and everything it gets back (a finite value, a finite gradient) before any
 * of it reaches training.
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

/* The newest ABI version; raised whenever a struct below changes incompatibly. */
#define LOSSKIT_PLUGIN_ABI_VERSION 2
/* The oldest ABI version LossKit still loads. */
#define LOSSKIT_PLUGIN_ABI_OLDEST_VERSION 1

/* ---- ABI 2 ------------------------------------------------------------------------------ */

/* One model output a loss reads, and where its gradient goes. */
typedef struct losskit_output {
  const char *name;      /* as listed in the definition's `outputs` */
  const float *values;   /* `count` floats, row-major */
  const int64_t *shape;  /* `rank` extents, outermost first */
  int32_t rank;
  int64_t count;         /* the product of `shape` */
  float *gradient;       /* `count` floats, zeroed: write d(value)/d(values) here */
} losskit_output;

/* One batch. A *sample* is one row of the first output with every dimension but the last
   flattened: logits [N, C] have N samples, sequence logits [N, T, C] have N·T. */
typedef struct losskit_batch_v2 {
  const losskit_output *outputs; /* `output_count` entries, in the definition's order */
  int32_t output_count;
  int64_t samples;               /* the number of samples */
  const int64_t *sample_shape;   /* the first output's shape without its last dimension */
  int32_t sample_rank;           /* ([N] or [N, T]) */
  /* Targets: exactly one of `labels` and `targets` is non-NULL. */
  const int32_t *labels;         /* one class index per sample, or NULL */
  const float *targets;          /* dense targets shaped like the first output, or NULL */
  int32_t ignore_index;          /* samples whose label equals this contribute nothing */
  /* When the first output's name starts with "logits", every label is ignore_index or in
     0 ..< its last dimension; otherwise every label is ignore_index or >= 0. */
  const float *sample_weights;   /* one weight per sample (finite, >= 0), or NULL */
  const float *mask;             /* one entry per sample, 0 for a padded step, or NULL */
} losskit_batch_v2;

/* One loss an ABI 2 plugin provides. */
typedef struct losskit_loss_definition_v2 {
  const char *name;               /* registry name: letters, digits, '-', '_', '.' */
  int32_t version;                /* version of the parameters */
  int32_t minimum_version;        /* oldest saved parameter version still read (0: `version`) */
  const char *summary;            /* one line for `losskit losses` */
  const char *default_parameters; /* JSON object text, e.g. "{\"scale\": 1}" */
  const char *const *outputs;     /* names of the model outputs read, e.g. {"logits"} */
  int32_t output_count;           /* entries in `outputs`; 0 (with outputs NULL) means logits */
  const char *targets;            /* name of the target set read; NULL means "labels" */
  /* Returns 0 if `parameters` (JSON object text) are valid, else writes a message into
     `error` (at most error_size bytes, NUL-terminated) and returns non-zero. May be NULL. */
  int (*validate)(void *context, const char *parameters, char *error, size_t error_size);
  /* Computes the reduced loss into *value and, for every output, d(value)/d(output) into its
     `gradient`. Returns 0 on success, else writes `error` and returns non-zero. */
  int (*evaluate)(void *context, const char *parameters, const losskit_batch_v2 *batch,
                  double *value, char *error, size_t error_size);
  /* Called once, with `context`, when LossKit holds no loss value or registry entry of this
     definition any more (or registration failed). Free the context here. May be NULL. */
  void (*release)(void *context);
  void *context; /* passed back to validate, evaluate and release */
} losskit_loss_definition_v2;

/* ---- ABI 1 (still loaded) --------------------------------------------------------------- */

/* One batch: logits [rows, classes] and class indices or dense targets. */
typedef struct losskit_batch {
  const float *logits;   /* [rows, classes], row-major */
  int64_t rows;
  int64_t classes;
  const int32_t *labels; /* one class index per row, or NULL when targets is set */
  const float *targets;  /* dense targets [rows, classes], or NULL when labels is set */
  int32_t ignore_index;  /* rows whose label equals this contribute nothing */
} losskit_batch;

/* One loss an ABI 1 plugin provides; it reads "logits" and "labels". */
typedef struct losskit_loss_definition {
  const char *name;               /* registry name: letters, digits, '-', '_', '.' */
  int32_t version;                /* version of the parameters */
  const char *summary;            /* one line for `losskit losses` */
  const char *default_parameters; /* JSON object text, e.g. "{\"scale\": 1}" */
  int (*validate)(void *context, const char *parameters, char *error, size_t error_size);
  /* Computes the reduced loss into *value and d(value)/d(logits) into `gradient`
     ([rows, classes], to be overwritten). Returns 0 on success, else writes `error`. */
  int (*evaluate)(void *context, const char *parameters, const losskit_batch *batch,
                  double *value, float *gradient, char *error, size_t error_size);
  void *context; /* passed back to validate and evaluate */
} losskit_loss_definition;

/* ---- Both ------------------------------------------------------------------------------- */

/* What LossKit passes to losskit_plugin_register. ABI 1 plugins see the first three fields. */
typedef struct losskit_host {
  int32_t abi_version; /* the version LossKit speaks to this plugin: the plugin's own */
  void *context;       /* pass back as the first argument of register_loss(_v2) */
  /* Registers an ABI 1 definition. Returns 0, or non-zero if it is invalid. */
  int (*register_loss)(void *context, const losskit_loss_definition *definition);
  /* Registers an ABI 2 definition (NULL when abi_version is 1). Returns 0, or non-zero. */
  int (*register_loss_v2)(void *context, const losskit_loss_definition_v2 *definition);
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
