"""Fixtures: the losskit command line, a trained model in every form, a redis-server."""

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import pages  # noqa: E402


def _required(variable):
    return os.environ.get(variable) == "1"


@pytest.fixture(scope="session")
def cli():
    """The `losskit` executable: $LOSSKIT_CLI, else the checkout's release build."""
    path = Path(os.environ.get("LOSSKIT_CLI") or pages.REPOSITORY / ".build/release/losskit")
    if not path.is_file():
        if os.environ.get("LOSSKIT_CLI"):
            pytest.fail(f"LOSSKIT_CLI={path} does not exist")
        pytest.skip(f"no losskit at {path}: run `swift build -c release` or set LOSSKIT_CLI")
    return str(path)


def run(cli, *arguments):
    """Runs the command line and returns its standard output; fails the test on an error."""
    result = subprocess.run([cli, *arguments], capture_output=True, text=True)
    assert result.returncode == 0, f"losskit {' '.join(arguments)}:\n{result.stderr}"
    return result.stdout


def cli_labels(cli, model, folder, documents):
    """What `losskit predict` prints for each document's lines: {name: [label, …]}."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, lines in documents:
        (folder / f"{name}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    output = run(cli, "predict", "--model", model, "--data", str(folder)).splitlines()
    labels = {}
    position = 0
    for name, lines in sorted(documents, key=lambda document: str(folder / f"{document[0]}.txt")):
        labels[name] = [row.split("\t")[0] for row in output[position:position + len(lines)]]
        position += len(lines)
    assert position == len(output)
    return labels


@pytest.fixture(scope="session")
def workspace(tmp_path_factory):
    return tmp_path_factory.mktemp("losskit")


@pytest.fixture(scope="session")
def model_folder(cli, workspace):
    """A small BiLSTM (windows of 8 lines, stride 4) trained for one epoch, in a folder."""
    folder = workspace / "bilstm"
    run(cli, "train", "--data", pages.training_data(workspace / "train"), "--model", "bilstm",
        "--hidden-size", "16", "--embedding-size", "16", "--num-layers", "1", "--window-size",
        "8", "--epochs", "1", "--buckets", "16384", "--seed", "3", "--quiet", "--save",
        str(folder))
    return str(folder)


@pytest.fixture(scope="session")
def single_file(cli, model_folder, workspace):
    """The model exported for inference as one file."""
    path = workspace / "bilstm.safetensors"
    run(cli, "export", model_folder, str(path), "--single-file")
    return str(path)


@pytest.fixture(scope="session")
def redis_url(workspace):
    """A redis-server of the tests' own on a free loopback port: redis://127.0.0.1:PORT/0."""
    server = os.environ.get("LOSSKIT_REDIS_SERVER") or shutil.which("redis-server")
    if server is None:
        message = "redis-server not found: install it (Debian: apt-get install redis-server)"
        if _required("LOSSKIT_REDIS_REQUIRED"):
            pytest.fail(message)
        pytest.skip(message)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(workspace)], stdout=subprocess.DEVNULL)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            break
        except OSError:
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    process.kill()
    process.wait()
