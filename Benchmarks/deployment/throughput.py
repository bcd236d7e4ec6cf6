"""Lines per second for `losskit predict`, the Python API and Spark local[2] on the same lines.

    python Benchmarks/deployment/throughput.py --model MODEL --pages ../shared/data/skol/Mycotaxon/Vol119

Needs the Python package installed (pip install ./python) and, for Spark, pyspark with
pandas<3 and pyarrow. Prints one line per way of predicting; docs/deployment.md quotes them.
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import losskit

BLOCK = re.compile(r"\[@(.*?)#([^*\]]*)\*\]", re.DOTALL)


def documents(folder):
    """(name, non-blank lines) of every .ann page in the folder, in name order."""
    result = []
    for path in sorted(Path(folder).glob("*.ann")):
        lines = [line.rstrip("\r") for block, _ in BLOCK.findall(path.read_text(encoding="utf-8"))
                 for line in block.split("\n")]
        result.append((path.name.split(".")[0], [line for line in lines if line.strip()]))
    return result


def best(seconds, repeats=3):
    return min(seconds() for _ in range(repeats))


def timed(function):
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", required=True)
    parser.add_argument("--pages", required=True)
    parser.add_argument("--cli", default=str(Path(__file__).resolve().parents[2] / ".build/release/losskit"))
    parser.add_argument("--no-spark", action="store_true")
    parser.add_argument("--spark-only", action="store_true")
    arguments = parser.parse_args()
    pages = documents(arguments.pages)
    total = sum(len(lines) for _, lines in pages)
    print(f"{len(pages)} documents, {total} lines; model {arguments.model}")

    if not arguments.spark_only:
        local(arguments, pages, total)
    if not arguments.no_spark:
        spark(arguments, pages, total)


def local(arguments, pages, total):
    """`losskit predict` and the Python API."""
    with tempfile.TemporaryDirectory() as folder:
        for name, lines in pages:
            Path(folder, f"{name}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
        command = [arguments.cli, "predict", "--model", arguments.model, "--data", folder]
        seconds = best(lambda: timed(lambda: subprocess.run(command, check=True,
                                                             stdout=subprocess.DEVNULL)))
        print(f"losskit predict (one process, model load included): {total / seconds:,.0f} lines/s")

    model = losskit.Model.load(arguments.model)
    seconds = best(lambda: timed(lambda: [model.predict(lines) for _, lines in pages]))
    print(f"Python API, one thread: {total / seconds:,.0f} lines/s")

    def two_threads(models):
        halves = [pages[0::2], pages[1::2]]
        threads = [threading.Thread(target=lambda m=m, h=h: [m.predict(l) for _, l in h])
                   for m, h in zip(models, halves)]
        return timed(lambda: ([t.start() for t in threads], [t.join() for t in threads]))

    seconds = best(lambda: two_threads([model, model]))
    print(f"Python API, two threads on one model: {total / seconds:,.0f} lines/s")
    other = losskit.Model.load(arguments.model)
    seconds = best(lambda: two_threads([model, other]))
    print(f"Python API, two threads, a model each: {total / seconds:,.0f} lines/s")



def spark(arguments, pages, total):
    """Spark local[2] through losskit.spark.predict."""
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    from pyspark.sql import SparkSession

    from losskit import spark as losskit_spark

    start = time.perf_counter()
    session = (SparkSession.builder.master("local[2]").appName("losskit-throughput")
             .config("spark.sql.shuffle.partitions", "4")
             # Without this, adaptive execution merges 61 small pages into one task: one core.
             .config("spark.sql.adaptive.coalescePartitions.enabled", "false")
             .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
             .getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    rows = [(name, index, text) for name, lines in pages for index, text in enumerate(lines)]
    frame = session.createDataFrame(rows, "doc string, line int, text string").cache()
    frame.count()
    print(f"Spark start-up and caching the lines: {time.perf_counter() - start:.1f} s")
    job = lambda: losskit_spark.predict(frame, arguments.model).select("label").collect()
    first = timed(job)
    seconds = best(lambda: timed(job))
    print(f"Spark local[2], first job (workers load the model): {total / first:,.0f} lines/s")
    print(f"Spark local[2], later jobs (models cached): {total / seconds:,.0f} lines/s")
    session.stop()


if __name__ == "__main__":
    main()
