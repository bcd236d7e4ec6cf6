"""Reads a LossKit weights.safetensors with numpy (and the safetensors package when
installed) and compares every tensor with `losskit inspect --weights`.

usage: check_safetensors.py WEIGHTS.safetensors INSPECT_OUTPUT.txt
"""
import json
import struct
import sys

import numpy as np

path, listing = sys.argv[1], sys.argv[2]
raw = open(path, "rb").read()
n = struct.unpack("<Q", raw[:8])[0]
assert (8 + n) % 8 == 0, "header not padded to 8 bytes"
header = json.loads(raw[8:8 + n])
tensors = {}
for name, entry in header.items():
    if name == "__metadata__":
        continue
    assert entry["dtype"] == "F32"
    begin, end = entry["data_offsets"]
    tensors[name] = np.frombuffer(raw[8 + n + begin:8 + n + end], dtype="<f4").reshape(entry["shape"])

try:
    from safetensors.numpy import load_file
    official = load_file(path)
    assert official.keys() == tensors.keys()
    for name, value in official.items():
        assert np.array_equal(value, tensors[name]), name
    print("safetensors package agrees with the numpy reader")
except ImportError:
    print("safetensors package not installed; numpy reader only")

expected = [line.split("\t") for line in open(listing).read().splitlines()]
assert len(expected) == len(tensors), f"{len(expected)} tensors listed, {len(tensors)} read"
for name, shape, first, last, total in expected:
    value = tensors[name]
    assert "x".join(map(str, value.shape)) == shape, (name, value.shape, shape)
    flat = value.reshape(-1)
    assert flat[0] == np.float32(first) and flat[-1] == np.float32(last), name
    numpy_sum = float(np.sum(flat.astype(np.float64)))
    assert abs(numpy_sum - float(total)) <= 1e-9 * max(1.0, abs(float(total))) + 1e-9, (name, numpy_sum, total)
print(f"numpy read {len(tensors)} tensors; every shape, value and sum matches LossKit")
