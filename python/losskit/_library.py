"""Loads libLossKitC and declares the C API of include/losskit.h for ctypes."""

import ctypes
import os
import sys
from pathlib import Path

_NAME = "libLossKitC.dylib" if sys.platform == "darwin" else "libLossKitC.so"

_model_p = ctypes.c_void_p
_error_p = ctypes.POINTER(ctypes.c_void_p)


def path() -> Path:
    """The library to load: $LOSSKIT_LIBRARY, else the one installed inside the package."""
    given = os.environ.get("LOSSKIT_LIBRARY")
    return Path(given) if given else Path(__file__).resolve().parent / _NAME


def _load() -> ctypes.CDLL:
    library_path = path()
    if not library_path.is_file():
        raise ImportError(
            f"the LossKit C library is not at {library_path}: reinstall the package "
            "(pip install ./python, which builds it with the Swift toolchain) or set "
            "LOSSKIT_LIBRARY to a libLossKitC built by "
            "`swift build -c release --product LossKitC`")
    library = ctypes.CDLL(str(library_path))
    declarations = {
        "losskit_version": (ctypes.c_char_p, []),
        "losskit_model_open": (_model_p, [ctypes.c_char_p, ctypes.c_char_p, _error_p]),
        "losskit_model_open_bytes": (_model_p, [ctypes.c_char_p, ctypes.c_size_t, _error_p]),
        "losskit_model_free": (None, [_model_p]),
        "losskit_model_head_count": (ctypes.c_size_t, [_model_p]),
        "losskit_model_head_name": (ctypes.c_char_p, [_model_p, ctypes.c_size_t]),
        "losskit_model_class_count": (ctypes.c_size_t, [_model_p, ctypes.c_size_t]),
        "losskit_model_class_name": (
            ctypes.c_char_p, [_model_p, ctypes.c_size_t, ctypes.c_size_t]),
        "losskit_model_probability_width": (ctypes.c_size_t, [_model_p]),
        "losskit_model_predict": (
            ctypes.c_int,
            [_model_p, ctypes.POINTER(ctypes.c_char_p), ctypes.POINTER(ctypes.c_size_t),
             ctypes.c_size_t, ctypes.POINTER(ctypes.c_int32), ctypes.POINTER(ctypes.c_float),
             _error_p]),
        "losskit_string_free": (None, [ctypes.c_void_p]),
    }
    for name, (result, arguments) in declarations.items():
        function = getattr(library, name)
        function.restype = result
        function.argtypes = arguments
    return library


library = _load()


def take_error(error: ctypes.c_void_p) -> str:
    """The message the library stored in `error`, freed."""
    if not error.value:
        return "the LossKit C library failed without a message"
    try:
        return ctypes.string_at(error.value).decode("utf-8", errors="replace")
    finally:
        library.losskit_string_free(error)
