#!/usr/bin/env python3
"""One training epoch of the seed's BiLSTM line tagger in PyTorch, for comparison with
`losskit-bench --training` (docs/benchmarks.md, "Training speed").

The same model and data as LossKit's benchmark: hashed word 1-2 and character 2-4 grams (plus
word shapes, as LossKit's featurizer adds them) into 131072 buckets, each group's counts
weighted 1 + ln n and L2-normalised; an EmbeddingBag (sum, per-sample weights) of width 128
with tanh; dropout 0.3; a 2-layer bidirectional LSTM of 128 (dropout 0.3 between layers);
dropout 0.3; a linear head per line over Nomenclature / Description / Misc. Windows of 15
consecutive lines tile each document from a random offset (padding slots ignored by the
loss), batches of 32 windows, cross-entropy, Adam with learning rate 1e-3, gradient norm
clipped at 5, two threads.

Hashing uses CRC-32 and a polynomial hash rather than LossKit's FNV-1a: the buckets differ,
the number of features per line is the same, and speed is what is compared. Reading and
featurizing the pages are not timed.

By default the embedding table is sparse (`sparse=True`, updated by `SparseAdam`, the lazy
Adam LossKit also uses on embedding rows) and the rest of the model uses `Adam`;
`--dense-adam` trains the table with dense gradients and one dense `Adam`, as a plain PyTorch
model would.

    python3 -m venv /tmp/torchenv && /tmp/torchenv/bin/pip install torch
    /tmp/torchenv/bin/python Benchmarks/pytorch_training.py            # SKOL training split
    /tmp/torchenv/bin/python Benchmarks/pytorch_training.py --data DIR --epochs 1
"""

import argparse
import glob
import json
import math
import os
import re
import sys
import time
import zlib

import numpy as np
import torch
from torch import nn

BUCKETS = 131072
WINDOW = 15
BATCH = 32
CLASSES = ["Nomenclature", "Description", "Misc"]


def parse_ann(path):
    """The non-blank lines of an .ann file with their collapsed labels, in reading order."""
    text = open(path, encoding="utf-8", errors="replace").read()
    lines, labels = [], []
    for match in re.finditer(r"\[@(.*?)#([^#*\]]*)\*\]", text, flags=re.S):
        label = match.group(2)
        label = label if label in ("Nomenclature", "Description") else "Misc"
        for line in match.group(1).split("\n"):
            line = line.rstrip("\r")
            if line.startswith("[@"):
                line = line[2:]
            if line.strip():
                lines.append(line)
                labels.append(CLASSES.index(label))
    return lines, labels


def skol_training_files(root):
    patterns = ["Mycotaxon/Vol05*", "Mycotaxon/Vol117", "Mycotaxon/Vol118", "Mycologia"]
    files = []
    for pattern in patterns:
        for folder in sorted(glob.glob(os.path.join(root, pattern))):
            files += sorted(glob.glob(os.path.join(folder, "**", "*.ann"), recursive=True))
    return files


WORD = re.compile(rb"[A-Za-z0-9\x80-\xff]+")


def shape(byte):
    if 0x41 <= byte <= 0x5A or byte >= 0x80:
        return 0x58  # X
    if 0x61 <= byte <= 0x7A:
        return 0x78  # x
    if 0x30 <= byte <= 0x39:
        return 0x64  # d
    return byte


def featurize(lines):
    """CSR features (offsets, indices, values) of every line."""
    keys, group_ids = [], []
    # Word 1-2 grams and word shapes, hashed with CRC-32, per line.
    line_of, hashes, groups = [], [], []
    for number, line in enumerate(lines):
        raw = line.encode("utf-8")
        words = WORD.findall(raw.lower())
        grams = words + [a + b" " + b for a, b in zip(words, words[1:])]
        shapes = []
        for token in raw.split():
            out, last = bytearray(), None
            for byte in token:
                s = shape(byte)
                if s != last:
                    out.append(s)
                last = s
            shapes.append(b"shape:" + bytes(out))
        for gram in grams:
            hashes.append(zlib.crc32(gram))
            groups.append(0)
        for gram in shapes:
            hashes.append(zlib.crc32(gram))
            groups.append(2)
        line_of += [number] * (len(grams) + len(shapes))
    keys.append((np.array(line_of, np.int64), np.array(hashes, np.uint64) % BUCKETS))
    group_ids.append(np.array(groups, np.int64))
    # Character 2-4 grams of "^line$" with a polynomial hash, vectorised over all lines.
    framed = [b"^" + line.lstrip(" \t").encode("utf-8") + b"$" for line in lines]
    lengths = np.array([len(f) for f in framed], np.int64)
    data = np.frombuffer(b"".join(framed), np.uint8).astype(np.uint64)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    owner = np.repeat(np.arange(len(lines)), lengths)
    position = np.arange(len(data)) - np.repeat(starts, lengths)
    for n in range(2, 5):
        valid = position + n <= np.repeat(lengths, lengths)
        h = np.full(len(data), 0xCBF29CE484222325 ^ n, np.uint64)
        for k in range(n):
            shifted = np.zeros(len(data), np.uint64)
            shifted[: len(data) - k] = data[k:]
            h = (h ^ shifted) * np.uint64(0x100000001B3)
        keys.append((owner[valid], (h[valid] >> np.uint64(17)) % BUCKETS))
        group_ids.append(np.full(int(valid.sum()), 1, np.int64))
    line_ids = np.concatenate([k[0] for k in keys])
    buckets = np.concatenate([k[1] for k in keys]).astype(np.int64)
    group = np.concatenate(group_ids)
    # Counts per (line, group, bucket), weighted 1 + ln n, L2-normalised per (line, group).
    key = (line_ids * 4 + group) * BUCKETS + buckets
    unique, counts = np.unique(key, return_counts=True)
    weight = 1 + np.log(counts)
    line_group = unique // BUCKETS
    norms = np.sqrt(np.bincount(line_group, weight * weight))
    weight = weight / norms[line_group]
    # Sum the groups' values per (line, bucket).
    merged_key = (line_group // 4) * BUCKETS + unique % BUCKETS
    merged, inverse = np.unique(merged_key, return_inverse=True)
    values = np.bincount(inverse, weight).astype(np.float32)
    rows = merged // BUCKETS
    offsets = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=len(lines)))])
    return offsets.astype(np.int64), (merged % BUCKETS).astype(np.int64), values


class Tagger(nn.Module):
    def __init__(self, sparse):
        super().__init__()
        self.bag = nn.EmbeddingBag(BUCKETS, 128, mode="sum", sparse=sparse)
        nn.init.uniform_(self.bag.weight, -0.05, 0.05)
        self.lstm = nn.LSTM(128, 128, num_layers=2, bidirectional=True, batch_first=True,
                            dropout=0.3)
        self.dropout = nn.Dropout(0.3)
        self.head = nn.Linear(256, len(CLASSES))

    def forward(self, indices, offsets, weights, windows):
        x = torch.tanh(self.bag(indices, offsets, per_sample_weights=weights))
        x = self.dropout(x.view(windows, WINDOW, 128))
        y, _ = self.lstm(x)
        return self.head(self.dropout(y))


def windows_for_epoch(documents, rng):
    """(rows per window) tiling every document from a random offset, shuffled; -1 is padding."""
    units = []
    for start, count in documents:
        shift = int(rng.integers(WINDOW))
        first = -shift
        while first < count:
            if first + WINDOW > 0:
                slots = np.arange(first, first + WINDOW)
                units.append(np.where((slots >= 0) & (slots < count), start + slots, -1))
            first += WINDOW
    order = rng.permutation(len(units))
    return np.stack([units[i] for i in order])


def batch_inputs(rows, offsets, indices, values):
    """EmbeddingBag inputs for the rows of a batch (padding rows are empty bags)."""
    real = rows >= 0
    begin = np.where(real, offsets[np.maximum(rows, 0)], 0)
    length = np.where(real, offsets[np.maximum(rows, 0) + 1] - begin, 0)
    bag_offsets = np.concatenate([[0], np.cumsum(length)[:-1]])
    total = int(length.sum())
    gather = np.repeat(begin - bag_offsets, length) + np.arange(total)
    return (torch.from_numpy(indices[gather]), torch.from_numpy(bag_offsets),
            torch.from_numpy(values[gather]))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", action="append", default=[],
                        help="a folder or .ann file (repeatable); default: the SKOL train split")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--dense-adam", action="store_true",
                        help="dense embedding gradients and one dense Adam")
    parser.add_argument("--max-lines", type=int, default=None)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    if args.data:
        files = []
        for item in args.data:
            files += sorted(glob.glob(os.path.join(item, "**", "*.ann"), recursive=True)) \
                if os.path.isdir(item) else [item]
    else:
        root = os.environ.get("SKOL_DATA", "../shared/data/skol")
        if not os.path.isdir(root):
            print(f"skipped: the SKOL pages are not at {root}; set SKOL_DATA or pass --data")
            return
        files = skol_training_files(root)
    started = time.perf_counter()
    documents, lines, labels = [], [], []
    for path in files:
        text, tags = parse_ann(path)
        if args.max_lines is not None:
            room = args.max_lines - len(lines)
            text, tags = text[:room], tags[:room]
        if text:
            documents.append((len(lines), len(text)))
            lines += text
            labels += tags
    read_seconds = time.perf_counter() - started
    started = time.perf_counter()
    offsets, indices, values = featurize(lines)
    featurize_seconds = time.perf_counter() - started
    label_array = np.array(labels + [-100], np.int64)  # row -1 reads the ignore index

    model = Tagger(sparse=not args.dense_adam)
    if args.dense_adam:
        optimizers = [torch.optim.Adam(model.parameters(), lr=1e-3)]
    else:
        dense = [p for name, p in model.named_parameters() if not name.startswith("bag.")]
        optimizers = [torch.optim.SparseAdam([model.bag.weight], lr=1e-3),
                      torch.optim.Adam(dense, lr=1e-3)]
    loss_function = nn.CrossEntropyLoss(ignore_index=-100)
    rng = np.random.default_rng(0)
    model.train()
    losses = []
    started = time.perf_counter()
    for _ in range(args.epochs):
        units = windows_for_epoch(documents, rng)
        total, batches = 0.0, 0
        for first in range(0, len(units), BATCH):
            rows = units[first:first + BATCH]
            bag_indices, bag_offsets, bag_values = batch_inputs(rows.reshape(-1), offsets,
                                                                indices, values)
            targets = torch.from_numpy(label_array[rows.reshape(-1)])
            for optimizer in optimizers:
                optimizer.zero_grad()
            logits = model(bag_indices, bag_offsets, bag_values, len(rows))
            loss = loss_function(logits.reshape(-1, len(CLASSES)), targets)
            loss.backward()
            clip(model, 5.0)
            for optimizer in optimizers:
                optimizer.step()
            total += loss.item()
            batches += 1
        losses.append(total / max(batches, 1))
    train_seconds = time.perf_counter() - started
    rate = len(lines) * args.epochs / train_seconds
    if args.json:
        print(json.dumps({
            "id": "training_bilstm_pytorch", "lines": len(lines), "epochs": args.epochs,
            "train_seconds": train_seconds, "lines_per_s": rate,
            "featurize_seconds": featurize_seconds, "read_seconds": read_seconds,
            "losses": losses, "torch": torch.__version__, "threads": args.threads,
            "sparse": not args.dense_adam}, sort_keys=True))
        return
    print(f"PyTorch {torch.__version__}, {args.threads} threads, "
          f"{'dense Adam' if args.dense_adam else 'SparseAdam on the table'}; "
          f"{len(lines)} lines, {args.epochs} epoch(s)")
    print(f"read {read_seconds:.2f} s, featurize {featurize_seconds:.2f} s (not timed below)")
    print(f"train {train_seconds:.2f} s: {rate:.0f} lines/s; loss per epoch: "
          + ", ".join(f"{x:.6f}" for x in losses))


def clip(model, max_norm):
    """clip_grad_norm_ over dense and sparse gradients (the sparse ones by their values)."""
    grads = [p.grad for p in model.parameters() if p.grad is not None]
    squares = []
    for grad in grads:
        if grad.is_sparse:
            grad = grad.coalesce()
            squares.append(grad._values().pow(2).sum())
        else:
            squares.append(grad.pow(2).sum())
    norm = math.sqrt(float(torch.stack(squares).sum()))
    if norm > max_norm:
        scale = max_norm / norm
        for grad in grads:
            grad.mul_(scale)


if __name__ == "__main__":
    sys.exit(main())
