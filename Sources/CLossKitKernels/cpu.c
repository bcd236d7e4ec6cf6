// The run-time CPU check behind LossKitKernels' InstructionSet.
#if defined(__x86_64__)
#include "losskit_kernels.h"

int lk_cpu_supports_avx2_fma(void) {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

int lk_cpu_supports_avx512f(void) {
  __builtin_cpu_init();
  return lk_cpu_supports_avx2_fma() && __builtin_cpu_supports("avx512f");
}

#endif
