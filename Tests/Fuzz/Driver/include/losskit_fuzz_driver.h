// Entry into libFuzzer's driver for harnesses written as ordinary Swift executables.
#ifndef LOSSKIT_FUZZ_DRIVER_H
#define LOSSKIT_FUZZ_DRIVER_H

#include <stddef.h>
#include <stdint.h>

/// Runs libFuzzer with the process's arguments, calling `test` once per input.
int losskit_fuzz_run(int argc, char **argv, int (*test)(const uint8_t *data, size_t size));

#endif
