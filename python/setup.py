"""Builds the LossKit C library with the Swift toolchain and puts it inside the package.

`pip install ./python` runs `swift build -c release --product LossKitC` in the LossKit
checkout this folder belongs to (or in $LOSSKIT_SWIFT_PACKAGE) and copies libLossKitC into
`losskit/`. At run time $LOSSKIT_LIBRARY overrides the library's path.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

from setuptools import Distribution, setup
from setuptools.command.build_py import build_py

LIBRARY = "libLossKitC.dylib" if sys.platform == "darwin" else "libLossKitC.so"


def swift_package() -> Path:
    """The LossKit checkout to build: $LOSSKIT_SWIFT_PACKAGE, else this folder's parent."""
    given = os.environ.get("LOSSKIT_SWIFT_PACKAGE")
    root = Path(given) if given else Path(__file__).resolve().parent.parent
    if not (root / "Package.swift").is_file():
        raise SystemExit(
            f"{root} has no Package.swift: install from a LossKit checkout "
            "(pip install ./python) or set LOSSKIT_SWIFT_PACKAGE to one")
    return root


def build_library() -> Path:
    """Builds libLossKitC in release mode and returns its path."""
    swift = shutil.which("swift")
    if swift is None:
        raise SystemExit(
            "the Swift toolchain (swift) is not on PATH; install Swift 6 from swift.org, or "
            "build the library elsewhere and point LOSSKIT_LIBRARY at it")
    root = swift_package()
    command = [swift, "build", "-c", "release", "--product", "LossKitC", "--package-path", str(root)]
    print(" ".join(command), flush=True)
    subprocess.run(command, check=True)
    bin_path = subprocess.run(
        command + ["--show-bin-path"],
        check=True, capture_output=True, text=True).stdout.strip()
    library = Path(bin_path) / LIBRARY
    if not library.is_file():
        raise SystemExit(f"swift build finished but {library} is missing")
    return library


class BuildPyWithSwift(build_py):
    """Copies the freshly built library into the package beside its Python files."""

    def run(self):
        super().run()
        target = Path(self.build_lib) / "losskit"
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy2(build_library(), target / LIBRARY)


class BinaryDistribution(Distribution):
    """A platform wheel: the package carries a native library."""

    def has_ext_modules(self):
        return True


setup(cmdclass={"build_py": BuildPyWithSwift}, distclass=BinaryDistribution)
