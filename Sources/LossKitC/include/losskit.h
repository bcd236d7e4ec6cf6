/*
 * losskit.h — the C API of LossKit: open a saved model, predict the lines of a document.
 *
 * Link with -lLossKitC (libLossKitC.so, built by `swift build -c release --product LossKitC`).
 * Every function is safe to call from any thread; one model may be shared by several
 * threads (its predictions are serialised on the model: open it once per thread to predict in
 * parallel). No function aborts on bad input: failures return NULL or -1 and, when `error` is
 * not NULL, set *error to a message (UTF-8, naming the problem and the fix) that the caller
 * frees with losskit_string_free. On success *error is left unchanged.
 *
 *   char *error = NULL;
 *   losskit_model *model = losskit_model_open("redis://127.0.0.1:6379/0/skol", NULL, &error);
 *   if (!model) { fprintf(stderr, "%s\n", error); losskit_string_free(error); return 1; }
 *   const char *lines[] = {"Boletus edulis Bull.", "Pileus 8-25 cm broad, convex."};
 *   size_t width = losskit_model_probability_width(model);
 *   int32_t labels[2]; float *probabilities = malloc(2 * width * sizeof(float));
 *   if (losskit_model_predict(model, lines, NULL, 2, labels, probabilities, &error) == 0)
 *     printf("%s\n", losskit_model_class_name(model, 0, labels[0]));
 *   losskit_model_free(model);
 */
#ifndef LOSSKIT_H
#define LOSSKIT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A saved model, opened for prediction. */
typedef struct losskit_model losskit_model;

/* The version of this API ("1"): a static string, not to be freed. */
const char *losskit_version(void);

/*
 * Opens a saved model for prediction. `source` is, as for `losskit predict --model`:
 *   - a folder path containing '/' ("models/skol", "/srv/models/skol");
 *   - a single-file model (an existing file: `losskit export SOURCE FILE --single-file`);
 *   - redis://[[USER]:PASSWORD@]HOST[:PORT][/DB]/NAME, the model NAME in a Redis store;
 *   - a bare NAME in the store $LOSSKIT_MODELS names (a directory or a redis:// URL), else
 *     ~/.losskit/models.
 * `redis_prefix` is the key prefix of a Redis store, NULL for "losskit:model:".
 * Returns NULL on failure (unknown path, connection refused, wrong password, damaged model).
 */
losskit_model *losskit_model_open(const char *source, const char *redis_prefix, char **error);

/*
 * Opens a model from a buffer holding a single-file model: a safetensors file whose
 * __metadata__ key "losskit.manifest" holds the manifest (`losskit export … --single-file`).
 * The bytes are copied; the caller may free them on return. Returns NULL on failure.
 */
losskit_model *losskit_model_open_bytes(const void *bytes, size_t length, char **error);

/* Frees a model (NULL is ignored). No other call on it may be running or follow. */
void losskit_model_free(losskit_model *model);

/* The number of heads (target sets); 1 for a single-head model, 0 for NULL. */
size_t losskit_model_head_count(const losskit_model *model);

/* The name of head `head` ("labels", "kind", …), or NULL when out of range. The string
   belongs to the model and lives as long as it. */
const char *losskit_model_head_name(const losskit_model *model, size_t head);

/* The number of classes of head `head`, or 0 when out of range. */
size_t losskit_model_class_count(const losskit_model *model, size_t head);

/* The name of class `class_index` of head `head`, or NULL when out of range; owned by the
   model. */
const char *losskit_model_class_name(
    const losskit_model *model, size_t head, size_t class_index);

/* The sum of every head's class count: the probabilities of one line. */
size_t losskit_model_probability_width(const losskit_model *model);

/*
 * Predicts the lines of one document, in reading order, exactly as `losskit predict` does for
 * a .txt file of these lines (a sequence model reads each line with its neighbours in the
 * saved windows and stride). Each line is UTF-8 without a line break; `lengths[i]` is the
 * byte length of lines[i], or `lengths` is NULL for NUL-terminated lines. Blank lines are
 * lines too (a .txt file's blank lines are skipped by `losskit predict`).
 *
 * On success returns 0 and fills, for each head h (in head order):
 *   labels[h * line_count + i]          the most probable class of line i;
 *   probabilities[offset(h) + i * classes(h) + c]   its calibrated probabilities, where
 *   offset(h) = line_count * (the class counts of the heads before h).
 * `labels` holds line_count * head_count values and `probabilities` line_count *
 * losskit_model_probability_width(model). An empty document (line_count 0) succeeds with
 * nothing written. Returns -1 on failure (non-UTF-8 text, a line break inside a line, a NULL
 * argument) with nothing written.
 */
int losskit_model_predict(
    losskit_model *model, const char *const *lines, const size_t *lengths, size_t line_count,
    int32_t *labels, float *probabilities, char **error);

/* Frees an error message (NULL is ignored). */
void losskit_string_free(char *string);

#ifdef __cplusplus
}
#endif

#endif /* LOSSKIT_H */
