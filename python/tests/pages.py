"""Journal pages for the tests: SKOL's real ones when ../shared is there, generated ones
otherwise, as `.ann` files (to train on) and as documents of lines (to predict)."""

import os
import random
import re
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[2]

_BLOCK = re.compile(r"\[@(.*?)#([^*\]]*)\*\]", re.DOTALL)


def skol_folder():
    """../shared/data/skol beside the checkout ($LOSSKIT_SKOL_DATA overrides), or None."""
    given = os.environ.get("LOSSKIT_SKOL_DATA")
    folder = Path(given) if given else REPOSITORY.parent / "shared" / "data" / "skol"
    return folder if (folder / "Mycotaxon" / "Vol119").is_dir() else None


def lines_of_ann(text):
    """The non-blank lines of an .ann page's blocks, in reading order."""
    lines = []
    for block, _ in _BLOCK.findall(text):
        for line in block.split("\n"):
            line = line.rstrip("\r")
            if line.strip():
                lines.append(line)
    return lines


_GENERA = ["Agaricus", "Boletus", "Cortinarius", "Russula", "Lactarius", "Amanita", "Inocybe"]
_EPITHETS = ["edulis", "rubescens", "violaceus", "emetica", "deliciosus", "muscaria", "fibrosa"]
_AUTHORS = ["Fr.", "Bull.", "Pers.", "(Fr.) Kummer", "Peck", "Singer", "Murrill"]
_WORDS = ["pileus", "convex", "broad", "margin", "stipe", "lamellae", "crowded", "spores",
          "ellipsoid", "smooth", "hyaline", "white", "brown", "context", "odor", "taste"]
_MISC = ["Figure {n}.", "Table {n}. Collections examined.", "MYCOTAXON {n}", "Literature cited",
         "Accepted for publication {n} March 1999.", "Key to the species", "Acknowledgements"]


def generated_page(seed, lines=120):
    """One page as .ann text: Nomenclature lines followed by Description, and Misc."""
    rng = random.Random(seed)
    blocks = []
    while sum(len(text.split("\n")) for text, _ in blocks) < lines:
        roll = rng.random()
        if roll < 0.1:
            name = f"{rng.choice(_GENERA)} {rng.choice(_EPITHETS)} {rng.choice(_AUTHORS)}"
            blocks.append((f"{name}, Syst. Mycol. {rng.randint(1, 40)}: {rng.randint(1, 300)}. "
                           f"{rng.randint(1800, 1990)}.", "Nomenclature"))
            description = [" ".join(rng.choice(_WORDS) for _ in range(rng.randint(5, 11)))
                           + f" {rng.randint(2, 30)}-{rng.randint(31, 90)} µm."
                           for _ in range(rng.randint(2, 6))]
            blocks.append(("\n".join(description), "Description"))
        else:
            blocks.append((rng.choice(_MISC).format(n=rng.randint(1, 120)), "Misc-exposition"))
    return "\n".join(f"[@{text}#{label}*]" for text, label in blocks) + "\n"


def training_data(folder):
    """Training pages: SKOL's Mycotaxon Vol118, else 30 generated pages written to `folder`."""
    skol = skol_folder()
    if skol is not None:
        return str(skol / "Mycotaxon" / "Vol118")
    folder.mkdir(parents=True, exist_ok=True)
    for index in range(30):
        (folder / f"train{index:03d}.ann").write_text(generated_page(index), encoding="utf-8")
    return str(folder)


def documents(limit=None):
    """Pages to predict, as (name, lines): SKOL's Mycotaxon Vol119, else 24 generated pages."""
    skol = skol_folder()
    if skol is not None:
        files = sorted((skol / "Mycotaxon" / "Vol119").glob("*.ann"))[:limit]
        return [(f.name.split(".")[0], lines_of_ann(f.read_text(encoding="utf-8")))
                for f in files]
    count = 24 if limit is None else min(limit, 24)
    return [(f"page{i:03d}", lines_of_ann(generated_page(1000 + i))) for i in range(count)]
