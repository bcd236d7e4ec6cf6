"""losskit.spark.predict in PySpark local[2]: every line's label is what `losskit predict`
prints for the same lines; the model is loaded once per Python worker."""

import os
import random
import sys

import pytest

import losskit
import pages
from conftest import cli_labels

if os.environ.get("LOSSKIT_SPARK_REQUIRED") == "1":
    import pyspark  # noqa: F401  (CI installs it: a missing pyspark is a failure there)
else:
    pytest.importorskip("pyspark", reason="pyspark is not installed: pip install 'pyspark' 'pandas<3' pyarrow")

from losskit import spark as losskit_spark  # noqa: E402


@pytest.fixture(scope="module")
def spark():
    from pyspark.sql import SparkSession

    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
    session = (SparkSession.builder.master("local[2]").appName("losskit-test")
               .config("spark.sql.shuffle.partitions", "4")
               .config("spark.sql.adaptive.coalescePartitions.enabled", "false")
               .config("spark.ui.enabled", "false").getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def lines_frame(spark, documents):
    """One row per line, shuffled, so predict must group and order them itself."""
    rows = [(name, index, text) for name, lines in documents for index, text in enumerate(lines)]
    random.Random(5).shuffle(rows)
    return spark.createDataFrame(rows, "doc string, line int, text string")


def worker_caches(spark):
    """Each Python worker's model cache, asked through the same kind of job (grouped pandas
    over Arrow) that predicted, so the same workers answer: {pid: cache info}."""
    import pandas as pd

    def ask(frame):
        info = losskit_spark.worker_cache_info()
        return pd.DataFrame({"pid": [os.getpid()], "loads": [info["loads"]],
                             "documents": [info["documents"]]})

    keys = spark.createDataFrame([(i,) for i in range(16)], "key int")
    rows = keys.groupBy("key").applyInPandas(ask, "pid long, loads long, documents long")
    return {row["pid"]: {"loads": row["loads"], "documents": row["documents"]}
            for row in rows.collect()}


def check_labels(result, expected):
    seen = 0
    for row in result.collect():
        assert row["label"] == expected[row["doc"]][row["line"]], (row["doc"], row["line"])
        assert len(row["probabilities"]) == 3 and abs(sum(row["probabilities"]) - 1) < 1e-5
        seen += 1
    assert seen == sum(len(labels) for labels in expected.values())


def test_every_line_gets_the_label_losskit_predict_prints(spark, cli, model_folder, tmp_path):
    documents = pages.documents()
    expected = cli_labels(cli, model_folder, tmp_path, documents)
    result = losskit_spark.predict(lines_frame(spark, documents), model_folder)
    assert result.columns == ["doc", "line", "text", "label", "probabilities"]
    check_labels(result, expected)
    workers = worker_caches(spark)
    assert all(info["loads"] <= 1 for info in workers.values()), workers
    assert sum(info["documents"] for info in workers.values()) >= len(documents) / 2, workers


def test_a_model_in_redis_predicts_the_same(spark, cli, model_folder, redis_url, tmp_path):
    from conftest import run

    run(cli, "export", model_folder, "spark-model", "--store", redis_url)
    documents = pages.documents(limit=8)
    expected = cli_labels(cli, model_folder, tmp_path, documents)
    model = losskit.Model.load(f"{redis_url}/spark-model")
    check_labels(losskit_spark.predict(lines_frame(spark, documents), model), expected)


def test_missing_columns_and_null_text_raise(spark, model_folder):
    frame = spark.createDataFrame([("a", 0, "text")], "page string, line int, text string")
    with pytest.raises(losskit.LossKitError, match="no column 'doc'"):
        losskit_spark.predict(frame, model_folder)
    nulls = spark.createDataFrame([("a", 0, None)], "doc string, line int, text string")
    with pytest.raises(Exception, match="has no text"):
        losskit_spark.predict(nulls, model_folder).collect()


def test_the_documented_example_reads_pages_predicts_and_writes_labels(
        spark, cli, model_folder, tmp_path):
    from pyspark.sql import functions as F

    documents = pages.documents(limit=6)
    expected = cli_labels(cli, model_folder, tmp_path / "pages", documents)
    # docs/deployment.md, "A Spark job": one page per file, one row per non-blank line.
    files = spark.read.text(str(tmp_path / "pages" / "*.txt"), wholetext=True)
    files = files.withColumn("doc", F.input_file_name())
    lines = (files.select("doc", F.posexplode(F.split("value", "\n")).alias("line", "text"))
             .where(F.trim("text") != ""))
    labelled = losskit_spark.predict(lines, model_folder)
    labelled.select("doc", "line", "text", "label").write.parquet(str(tmp_path / "labels"))
    written = spark.read.parquet(str(tmp_path / "labels")).collect()
    assert len(written) == sum(len(lines) for _, lines in documents)
    by_document = {}
    for row in written:
        name = row["doc"].rsplit("/", 1)[-1][: -len(".txt")]
        by_document.setdefault(name, []).append((row["line"], row["label"]))
    for name, rows in by_document.items():
        assert [label for _, label in sorted(rows)] == expected[name]
