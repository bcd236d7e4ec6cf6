"""The Model class: a saved LossKit model opened through the C API."""

import ctypes
import hashlib
import threading

import numpy as np

from . import _library
from ._library import library


class LossKitError(Exception):
    """An error from LossKit: its message names the problem and the fix."""


class Model:
    """A saved LossKit model, opened for prediction.

    Safe to share between threads (predictions on one model run one at a time; open the
    model once per thread to predict in parallel). Pickles as its source, so Spark ships
    `Model.load("redis://…/NAME")` to executors cheaply; a model opened from bytes pickles
    as its bytes.
    """

    def __init__(self, handle, source=None, redis_prefix=None, data=None):
        """Use `Model.load` or `Model.from_bytes`."""
        self._handle = handle
        # Calls in flight, so close() waits for them instead of freeing the model under them.
        self._calls = 0
        self._idle = threading.Condition()
        self.source = source
        self.redis_prefix = redis_prefix
        self._data = data
        heads = library.losskit_model_head_count(handle)
        self.heads = [library.losskit_model_head_name(handle, h).decode() for h in range(heads)]
        self.head_labels = {
            name: [
                library.losskit_model_class_name(handle, h, c).decode()
                for c in range(library.losskit_model_class_count(handle, h))
            ]
            for h, name in enumerate(self.heads)
        }
        self._width = library.losskit_model_probability_width(handle)

    @classmethod
    def load(cls, source, redis_prefix=None):
        """Opens a saved model.

        `source` is a folder path (containing '/'), a single-file model
        (`losskit export SOURCE FILE --single-file`), `redis://[[USER]:PASSWORD@]HOST[:PORT][/DB]/NAME`,
        or a bare name in the store $LOSSKIT_MODELS names. `redis_prefix` is the key prefix
        of a Redis store (default `losskit:model:`; the seed used `skol:classifier:model:`).
        Raises LossKitError for an unknown path, a refused connection, a wrong password or a
        damaged model.
        """
        source = str(source)
        error = ctypes.c_void_p()
        handle = library.losskit_model_open(
            source.encode("utf-8"),
            None if redis_prefix is None else redis_prefix.encode("utf-8"),
            ctypes.byref(error))
        if not handle:
            raise LossKitError(_library.take_error(error))
        return cls(handle, source=source, redis_prefix=redis_prefix)

    @classmethod
    def from_bytes(cls, data):
        """Opens a single-file model from bytes (what `losskit export … --single-file` wrote)."""
        data = bytes(data)
        error = ctypes.c_void_p()
        handle = library.losskit_model_open_bytes(data, len(data), ctypes.byref(error))
        if not handle:
            raise LossKitError(_library.take_error(error))
        return cls(handle, data=data)

    @property
    def labels(self):
        """The class names of the first head (the only one of a single-head model)."""
        return self.head_labels[self.heads[0]]

    def predict_heads(self, lines):
        """Every head's predictions for the lines of one document in reading order, in one
        pass: {head: (labels as a list of str, probabilities as float32 [lines, classes])}.

        Lines are str or UTF-8 bytes, without line breaks; a sequence model reads each line
        with its neighbours, exactly as `losskit predict` on a .txt file of these lines.
        """
        encoded = [_encode(line, index) for index, line in enumerate(lines)]
        count = len(encoded)
        labels = np.empty(count * len(self.heads), dtype=np.int32)
        probabilities = np.empty(count * self._width, dtype=np.float32)
        if count:
            pointers = (ctypes.c_char_p * count)(*encoded)
            lengths = (ctypes.c_size_t * count)(*map(len, encoded))
            error = ctypes.c_void_p()
            handle = self._enter_call()
            try:
                status = library.losskit_model_predict(
                    handle, pointers, lengths, count,
                    labels.ctypes.data_as(ctypes.POINTER(ctypes.c_int32)),
                    probabilities.ctypes.data_as(ctypes.POINTER(ctypes.c_float)),
                    ctypes.byref(error))
            finally:
                self._leave_call()
            if status != 0:
                raise LossKitError(_library.take_error(error))
        result = {}
        offset = 0
        for index, head in enumerate(self.heads):
            names = self.head_labels[head]
            classes = len(names)
            head_labels = labels[index * count:(index + 1) * count]
            result[head] = (
                [names[i] for i in head_labels],
                probabilities[offset:offset + count * classes].reshape(count, classes))
            offset += count * classes
        return result

    def predict(self, lines, head=None):
        """The most probable label of each line of one document, in reading order.

        For a multi-head model `head` names the head (default: the first)."""
        return self.predict_heads(lines)[self._head(head)][0]

    def predict_proba(self, lines, head=None):
        """Calibrated class probabilities, a float32 numpy array [lines, classes] whose
        columns follow `model.labels` (or `model.head_labels[head]`)."""
        return self.predict_heads(lines)[self._head(head)][1]

    def close(self):
        """Frees the model once calls in flight return; later calls raise LossKitError."""
        with self._idle:
            while self._calls:
                self._idle.wait()
            handle, self._handle = self._handle, None
        if handle:
            library.losskit_model_free(handle)

    def __enter__(self):
        return self

    def __exit__(self, *exception):
        self.close()

    def __del__(self):
        handle, self._handle = getattr(self, "_handle", None), None
        if handle and library is not None:
            library.losskit_model_free(handle)

    def __reduce__(self):
        if self.source is not None:
            return (Model.load, (self.source, self.redis_prefix))
        return (Model.from_bytes, (self._data,))

    def __repr__(self):
        where = self.source or f"{len(self._data)} bytes"
        heads = ", ".join(f"{h}[{','.join(self.head_labels[h])}]" for h in self.heads)
        return f"losskit.Model({where!r}: {heads})"

    @property
    def cache_key(self):
        """What identifies the model's contents for caches: its source, or its bytes' hash."""
        if self.source is not None:
            return ("source", self.source, self.redis_prefix)
        return ("bytes", hashlib.sha256(self._data).hexdigest())

    def _head(self, head):
        if head is None:
            return self.heads[0]
        if head not in self.head_labels:
            raise LossKitError(
                f"the model has no head {head!r}; its heads: {', '.join(self.heads)}")
        return head

    def _enter_call(self):
        with self._idle:
            if not self._handle:
                raise LossKitError("the model was closed; load it again with losskit.Model.load")
            self._calls += 1
            return self._handle

    def _leave_call(self):
        with self._idle:
            self._calls -= 1
            self._idle.notify_all()


def _encode(line, index):
    """A line as UTF-8 bytes; str is encoded, bytes are passed on for the library to check."""
    if isinstance(line, bytes):
        return line
    if isinstance(line, str):
        try:
            return line.encode("utf-8")
        except UnicodeEncodeError as error:
            raise LossKitError(
                f"line {index + 1} cannot be encoded as UTF-8 ({error.reason} at character "
                f"{error.start}); remove lone surrogates from the text") from None
    raise LossKitError(
        f"line {index + 1} is a {type(line).__name__}, not str or bytes; pass the lines of "
        "one document as strings")
