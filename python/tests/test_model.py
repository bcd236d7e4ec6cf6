"""losskit.Model: loading from every source, predictions as `losskit predict`, bad input."""

import os
import pickle
import subprocess
import sys
import threading

import numpy as np
import pytest

import losskit
import pages
from conftest import cli_labels, run


@pytest.fixture(scope="module")
def document():
    return pages.documents(limit=1)[0]


def test_labels_and_predictions_match_the_command_line(cli, model_folder, document, tmp_path):
    model = losskit.Model.load(model_folder)
    assert model.heads == ["labels"]
    assert model.labels == ["Nomenclature", "Description", "Misc"]
    name, lines = document
    expected = cli_labels(cli, model_folder, tmp_path, [document])[name]
    assert model.predict(lines) == expected
    probabilities = model.predict_proba(lines)
    assert probabilities.dtype == np.float32 and probabilities.shape == (len(lines), 3)
    assert np.allclose(probabilities.sum(axis=1), 1, atol=1e-5)
    assert [model.labels[i] for i in probabilities.argmax(axis=1)] == expected


def test_probabilities_match_the_command_line_to_six_digits(cli, model_folder, document, tmp_path):
    name, lines = document
    (tmp_path / "page.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    printed = run(cli, "predict", "--model", model_folder, "--data", str(tmp_path / "page.txt"))
    expected = np.array([[float(v) for v in row.split("\t")[1:]] for row in printed.splitlines()])
    assert np.abs(losskit.Model.load(model_folder).predict_proba(lines) - expected).max() <= 5e-7


def test_single_file_path_and_bytes_predict_as_the_folder(model_folder, single_file, document):
    _, lines = document
    expected = losskit.Model.load(model_folder).predict_proba(lines)
    assert np.array_equal(losskit.Model.load(single_file).predict_proba(lines), expected)
    with open(single_file, "rb") as file:
        from_bytes = losskit.Model.from_bytes(file.read())
    assert np.array_equal(from_bytes.predict_proba(lines), expected)
    assert np.array_equal(pickle.loads(pickle.dumps(from_bytes)).predict_proba(lines), expected)


def test_redis_url_loads_the_model_saved_there(cli, model_folder, redis_url, document):
    run(cli, "export", model_folder, "skol-small", "--store", redis_url)
    run(cli, "export", model_folder, "seed-layout", "--store", redis_url, "--prefix",
        "skol:classifier:model:")
    _, lines = document
    expected = losskit.Model.load(model_folder).predict(lines)
    assert losskit.Model.load(f"{redis_url}/skol-small").predict(lines) == expected
    seed = losskit.Model.load(f"{redis_url}/seed-layout", redis_prefix="skol:classifier:model:")
    assert seed.predict(lines) == expected
    with pytest.raises(losskit.LossKitError, match="no model named 'seed-layout'"):
        losskit.Model.load(f"{redis_url}/seed-layout")
    again = pickle.loads(pickle.dumps(losskit.Model.load(f"{redis_url}/skol-small")))
    assert again.source == f"{redis_url}/skol-small" and again.predict(lines) == expected


def test_unknown_path_refused_connection_and_corrupt_bytes_raise():
    with pytest.raises(losskit.LossKitError, match="no model named 'model' in /nonexistent"):
        losskit.Model.load("/nonexistent/model")
    with pytest.raises(losskit.LossKitError, match="connection refused"):
        losskit.Model.load("redis://127.0.0.1:1/0/skol")
    with pytest.raises(losskit.LossKitError, match="too short"):
        losskit.Model.from_bytes(b"")
    with pytest.raises(losskit.LossKitError, match="not a LossKit model"):
        losskit.Model.from_bytes(b"\xff" * 64)


def test_truncated_single_file_raises(single_file):
    with open(single_file, "rb") as file:
        data = file.read()
    with pytest.raises(losskit.LossKitError):
        losskit.Model.from_bytes(data[: len(data) // 2])


def test_empty_document_gives_empty_results(model_folder):
    model = losskit.Model.load(model_folder)
    assert model.predict([]) == []
    assert model.predict_proba([]).shape == (0, 3)


def test_bad_lines_raise_with_the_line_number(model_folder):
    model = losskit.Model.load(model_folder)
    with pytest.raises(losskit.LossKitError, match="line 2 is not valid UTF-8"):
        model.predict(["Boletus edulis Bull.", b"Pileus \xc3\x28 convex"])
    with pytest.raises(losskit.LossKitError, match="line 1 cannot be encoded as UTF-8"):
        model.predict(["lone \udc80 surrogate"])
    with pytest.raises(losskit.LossKitError, match="line break"):
        model.predict(["two\nlines"])
    with pytest.raises(losskit.LossKitError, match="line 2 is a int"):
        model.predict(["text", 7])
    with pytest.raises(losskit.LossKitError, match="no head 'kind'"):
        model.predict(["text"], head="kind")


def test_utf8_bytes_and_text_predict_alike(model_folder, document):
    model = losskit.Model.load(model_folder)
    _, lines = document
    assert model.predict([line.encode("utf-8") for line in lines]) == model.predict(lines)


def test_two_threads_on_one_model_predict_as_one(model_folder):
    model = losskit.Model.load(model_folder)
    documents = [lines for _, lines in pages.documents(limit=6)]
    expected = [model.predict_proba(lines) for lines in documents]
    results = {}

    def work(thread):
        results[thread] = [model.predict_proba(lines) for _ in range(3) for lines in documents]

    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for thread in range(2):
        assert len(results[thread]) == 3 * len(documents)
        for index, result in enumerate(results[thread]):
            assert np.array_equal(result, expected[index % len(documents)])


def test_closed_model_raises(model_folder):
    model = losskit.Model.load(model_folder)
    model.close()
    with pytest.raises(losskit.LossKitError, match="closed"):
        model.predict(["text"])


def test_multi_head_model_predicts_each_head(cli, workspace, document):
    folder = workspace / "two-heads"
    run(cli, "train", "--data", pages.training_data(workspace / "train"), "--model", "mlp",
        "--head", "kind=collapsed", "--head", "section=fine", "--hidden-size", "8", "--epochs",
        "1", "--buckets", "4096", "--quiet", "--save", str(folder))
    model = losskit.Model.load(str(folder))
    assert model.heads == ["kind", "section"] and model.labels == model.head_labels["kind"]
    _, lines = document
    heads = model.predict_heads(lines)
    assert model.predict(lines) == heads["kind"][0]
    assert model.predict(lines, head="section") == heads["section"][0]
    assert model.predict_proba(lines, head="section").shape == (
        len(lines), len(model.head_labels["section"]))


def test_library_path_override_names_the_missing_library(tmp_path):
    environment = dict(os.environ, LOSSKIT_LIBRARY=str(tmp_path / "libnothing.so"))
    result = subprocess.run([sys.executable, "-c", "import losskit"], env=environment,
                            capture_output=True, text=True)
    assert result.returncode != 0
    assert "libnothing.so" in result.stderr and "LOSSKIT_LIBRARY" in result.stderr
