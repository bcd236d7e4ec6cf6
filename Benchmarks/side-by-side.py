#!/usr/bin/env python3
"""Print LossKit's and the peers' throughput side by side as a Markdown table.

usage: side-by-side.py [--best] PEERS LOSSKIT [MORE_LOSSKIT ...]

PEERS is what ../shared/peers/bench.py --json writes; each LOSSKIT is the output of
`losskit-bench --json` (for example one default build and one LOSSKIT_TARGET_CPU build).
Each argument may list several files separated by commas, one per interleaved round: the
table then shows each case's median time over the rounds, and the ratio of those medians;
with --best, each side's best (shortest) time over the rounds, and the ratio of those.
The ratio columns are LossKit's throughput over the peer's (for SupCon, the peer's time over
LossKit's, which is the same thing).
"""
import json
import statistics
import sys


def key(result):
    return result["id"], tuple(result["shape"])


def rounds(argument, peers):
    """The results of each comma-separated file, keyed by (id, shape)."""
    loaded = []
    for path in argument.split(","):
        data = json.load(open(path))
        results = data["results"] if peers else data
        loaded.append({key(r): r for r in results if "id" in r})
    return loaded


def summary_ms(rounds_, case, best):
    """The case's median time over the rounds, or its shortest with `best`."""
    times = [r[case]["ms"] for r in rounds_ if case in r]
    if not times:
        return None
    return min(times) if best else statistics.median(times)


def main(argv):
    best = "--best" in argv
    argv = [a for a in argv if a != "--best"]
    if len(argv) < 3:
        sys.exit(__doc__.strip())
    peers = rounds(argv[1], peers=True)
    builds = [(argument, rounds(argument, peers=False)) for argument in argv[2:]]
    header = "| case | shape | peer | peer Melem/s | peer ms |"
    rule = "|---|---|---|---:|---:|"
    for argument, _ in builds:
        label = argument.split(",")[0] + ("…" if "," in argument else "")
        header += f" {label} ms | × |"
        rule += "---:|---:|"
    print(header)
    print(rule)
    for case, first in peers[0].items():
        peer_ms = summary_ms(peers, case, best)
        elements = first["melem_per_s"] * first["ms"] / 1e3
        line = (f"| {case[0]} | {'×'.join(map(str, case[1]))} | {first['case']} "
                f"| {elements / peer_ms * 1e3:.1f} | {peer_ms:.2f} |")
        for _, results in builds:
            ours = summary_ms(results, case, best)
            line += " – | – |" if ours is None else f" {ours:.2f} | {peer_ms / ours:.1f} |"
        print(line)


if __name__ == "__main__":
    main(sys.argv)
