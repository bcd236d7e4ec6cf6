"""LossKit predictions inside Spark executors.

    from losskit import spark as losskit_spark
    labelled = losskit_spark.predict(lines_df, "redis://10.0.0.5:6379/0/skol")

`predict` groups the lines by document, orders each document by its line column (window
models need the neighbours of every line), and predicts each document with `applyInPandas`,
so rows travel through Arrow. The model is loaded once per Python worker process and kept
for every later batch and job (the seed's pandas UDF rebuilt it on every call); executors
need the same model source: a `redis://` URL, or a path every executor can read.
"""

import threading

from ._model import LossKitError, Model

_models = {}
_lock = threading.Lock()
_loads = 0
_documents = 0


def _model(spec):
    """The model of a spec, loaded on first use in this process and cached."""
    global _loads, _documents
    with _lock:
        _documents += 1
        model = _models.get(spec["key"])
        if model is None:
            if spec["data"] is not None:
                model = Model.from_bytes(spec["data"])
            else:
                model = Model.load(spec["source"], spec["redis_prefix"])
            _models[spec["key"]] = model
            _loads += 1
        return model


def worker_cache_info():
    """This process's cache: how many models it loaded and how many documents it predicted
    (like functools' cache_info; on an executor, run it in a task to see that worker's)."""
    with _lock:
        return {"loads": _loads, "documents": _documents, "models": len(_models)}


def predict(df, model, text_col="text", doc_col="doc", order_col="line", head=None,
            label_col="label", probabilities_col="probabilities"):
    """The DataFrame with `label` (string) and `probabilities` (array<float>) added.

    `df` has one row per line: its document (`doc_col`), its position in the document
    (`order_col`, any sortable type) and its text (`text_col`, string). `model` is a source
    for `losskit.Model.load` (a `redis://…/NAME` URL, or a path every executor can read) or a
    `losskit.Model` (shipped as its source, or as its bytes when opened from bytes). For a
    multi-head model `head` names the head (default: the first). Each line's label and
    probabilities are what `losskit predict` gives for that document's lines in order.
    """
    from pyspark.sql.types import ArrayType, FloatType, StringType, StructField, StructType

    spec = _spec(model)
    for column in (text_col, doc_col, order_col):
        if column not in df.columns:
            raise LossKitError(
                f"the DataFrame has no column {column!r} (columns: {', '.join(df.columns)}); "
                "name the text, document and line-order columns with text_col, doc_col and "
                "order_col")
    for column in (label_col, probabilities_col):
        if column in df.columns:
            raise LossKitError(
                f"the DataFrame already has a column {column!r}; drop it or choose another "
                "name with label_col / probabilities_col")
    schema = StructType(
        list(df.schema.fields)
        + [StructField(label_col, StringType()),
           StructField(probabilities_col, ArrayType(FloatType()))])

    def per_document(frame):
        loaded = _model(spec)
        chosen = head if head is not None else loaded.heads[0]
        frame = frame.sort_values(order_col, kind="stable").reset_index(drop=True)
        texts = frame[text_col].tolist()
        missing = [i for i, text in enumerate(texts) if text is None]
        if missing:
            raise LossKitError(
                f"document {frame[doc_col].iloc[0]!r}: line at position {missing[0] + 1} has no "
                f"text (null in {text_col!r}); fill or drop null lines first")
        labels, probabilities = loaded.predict_heads(texts)[loaded._head(chosen)]
        frame[label_col] = labels
        frame[probabilities_col] = list(probabilities)
        return frame

    return df.groupBy(doc_col).applyInPandas(per_document, schema)


def _spec(model):
    """What a task needs to load the model: a source, or bytes; and the cache key."""
    if isinstance(model, Model):
        if model.source is not None:
            return {"key": model.cache_key, "source": model.source,
                    "redis_prefix": model.redis_prefix, "data": None}
        return {"key": model.cache_key, "source": None, "redis_prefix": None,
                "data": model._data}
    if isinstance(model, str):
        return {"key": ("source", model, None), "source": model, "redis_prefix": None,
                "data": None}
    raise LossKitError(
        f"model is a {type(model).__name__}; pass a source such as 'redis://HOST:PORT/0/NAME' "
        "or a losskit.Model")
