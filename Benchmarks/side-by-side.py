#!/usr/bin/env python3
"""Print LossKit's and the peers' throughput side by side as a Markdown table.

usage: side-by-side.py PEERS.json LOSSKIT.json [MORE_LOSSKIT.json ...]

PEERS.json is what ../shared/peers/bench.py --json writes; each LOSSKIT.json is the output
of `losskit-bench --json` (for example one default build and one LOSSKIT_TARGET_CPU build).
Rows pair cases by id and shape; the ratio columns are LossKit's throughput over the peer's
(for SupCon, the peer's time over LossKit's, which is the same thing).
"""
import json
import sys


def key(result):
    return result["id"], tuple(result["shape"])


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__.strip())
    peers = {key(r): r for r in json.load(open(argv[1]))["results"] if "id" in r}
    builds = [(path, {key(r): r for r in json.load(open(path))}) for path in argv[2:]]
    header = "| case | shape | peer | peer Melem/s | peer ms |"
    rule = "|---|---|---|---:|---:|"
    for path, _ in builds:
        header += f" {path} ms | × |"
        rule += "---:|---:|"
    print(header)
    print(rule)
    for (case_id, shape), peer in peers.items():
        line = (f"| {case_id} | {'×'.join(map(str, shape))} | {peer['case']} "
                f"| {peer['melem_per_s']:.1f} | {peer['ms']:.2f} |")
        for _, results in builds:
            ours = results.get((case_id, shape))
            if ours is None:
                line += " – | – |"
            else:
                line += f" {ours['ms']:.2f} | {peer['ms'] / ours['ms']:.1f} |"
        print(line)


if __name__ == "__main__":
    main(sys.argv)
