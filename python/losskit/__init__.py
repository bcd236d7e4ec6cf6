"""LossKit from Python: load a saved model and predict the lines of documents.

    import losskit
    model = losskit.Model.load("redis://127.0.0.1:6379/0/skol")   # or a folder path
    model.labels                       # ['Nomenclature', 'Description', 'Misc']
    model.predict(lines)               # one label per line, in reading order
    model.predict_proba(lines)         # numpy float32 array [lines, classes]

`losskit.spark.predict` does the same inside Spark executors.
"""

from ._model import LossKitError, Model

__all__ = ["LossKitError", "Model", "version"]


def version() -> str:
    """The version of the C API the package binds ("1")."""
    from ._library import library

    return library.losskit_version().decode()
