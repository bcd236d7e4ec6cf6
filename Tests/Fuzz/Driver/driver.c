#include "losskit_fuzz_driver.h"

// Provided by libFuzzer (linked by -sanitize=fuzzer); it parses libFuzzer's options from
// argv and runs the fuzzing loop.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*test)(const uint8_t *data, size_t size));

int losskit_fuzz_run(int argc, char **argv, int (*test)(const uint8_t *data, size_t size)) {
  return LLVMFuzzerRunDriver(&argc, &argv, test);
}
