/*
 * Predicts the lines of a text file with the LossKit C API, printing what `losskit predict`
 * prints for a single-head model: the label, then the probabilities, tab-separated.
 *
 *   cc -std=c11 -I Sources/LossKitC/include Examples/CPredict/predict.c \
 *     -L .build/release -lLossKitC -Wl,-rpath,.build/release -o predict
 *   ./predict MODEL page.txt       (MODEL: a folder, a single file or redis://HOST:PORT/DB/NAME)
 */
#define _POSIX_C_SOURCE 200809L
#include <losskit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The non-blank lines of a file, as `losskit predict` reads a .txt file. */
static char **read_lines(const char *path, size_t *count) {
  FILE *file = fopen(path, "rb");
  if (!file) return NULL;
  size_t capacity = 64;
  char **lines = malloc(capacity * sizeof(char *));
  char *line = NULL;
  size_t size = 0;
  ssize_t length;
  *count = 0;
  while ((length = getline(&line, &size, file)) >= 0) {
    if (length > 0 && line[length - 1] == '\n') line[--length] = '\0';
    if (strspn(line, " \t\r\f\v") == (size_t)length) continue;
    if (*count == capacity) lines = realloc(lines, (capacity *= 2) * sizeof(char *));
    lines[(*count)++] = strdup(line);
  }
  free(line);
  fclose(file);
  return lines;
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s MODEL FILE.txt\n", argv[0]);
    return 2;
  }
  char *error = NULL;
  losskit_model *model = losskit_model_open(argv[1], NULL, &error);
  if (!model) {
    fprintf(stderr, "%s\n", error);
    losskit_string_free(error);
    return 1;
  }
  size_t count = 0;
  char **lines = read_lines(argv[2], &count);
  if (!lines) {
    fprintf(stderr, "cannot read %s\n", argv[2]);
    return 1;
  }
  size_t classes = losskit_model_class_count(model, 0);
  size_t width = losskit_model_probability_width(model);
  int32_t *labels = malloc((count + 1) * losskit_model_head_count(model) * sizeof(int32_t));
  float *probabilities = malloc((count + 1) * width * sizeof(float));
  if (losskit_model_predict(model, (const char *const *)lines, NULL, count, labels,
                            probabilities, &error) != 0) {
    fprintf(stderr, "%s\n", error);
    losskit_string_free(error);
    return 1;
  }
  for (size_t i = 0; i < count; i++) {
    printf("%s", losskit_model_class_name(model, 0, (size_t)labels[i]));
    for (size_t c = 0; c < classes; c++) printf("\t%.6f", probabilities[i * classes + c]);
    printf("\n");
    free(lines[i]);
  }
  free(lines);
  free(labels);
  free(probabilities);
  losskit_model_free(model);
  return 0;
}
