/* libffi for LossKitCustom's foreign-function losses (found through pkg-config `libffi`). */
#ifndef LOSSKIT_CLIBFFI_SHIM_H
#define LOSSKIT_CLIBFFI_SHIM_H

#if __has_include(<ffi.h>)
#include <ffi.h>
#else
#include <ffi/ffi.h>
#endif

/* libffi's type descriptors are mutable C globals; Swift 6 reads them through these
   functions instead of touching shared mutable state. */
static inline ffi_type *losskit_ffi_type_float(void) { return &ffi_type_float; }
static inline ffi_type *losskit_ffi_type_double(void) { return &ffi_type_double; }
static inline ffi_type *losskit_ffi_type_sint32(void) { return &ffi_type_sint32; }
static inline ffi_type *losskit_ffi_type_sint64(void) { return &ffi_type_sint64; }
static inline ffi_abi losskit_ffi_default_abi(void) { return FFI_DEFAULT_ABI; }

#endif /* LOSSKIT_CLIBFFI_SHIM_H */
