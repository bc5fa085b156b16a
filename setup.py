"""Build step that ships the protocols with the package.

``original_protocol/`` (one .toml per experiment, ``published.toml``, ``LEDGER.md``) stays the one
source at the repository root.  Building the package (``pip install .``, a wheel, an sdist-built
wheel) copies it into ``replication/original_protocol/`` of the built package, where
``replication.catalog`` finds it.  Editable installs copy nothing: they read the repository folder.
All other metadata is in setup.cfg.
"""
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "original_protocol"
PATTERNS = ("*.toml", "LEDGER.md")


def protocol_files():
    files = sorted({p for pattern in PATTERNS for p in SOURCE.glob(pattern)})
    if not any(p.name == "published.toml" for p in files):
        raise RuntimeError(f"{SOURCE}: published.toml not found; the package needs its protocol files")
    return files


class BuildPyWithProtocols(build_py):
    """build_py, then copy original_protocol/ into the built package as package data."""

    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return                     # editable installs read the repository folder itself
        target = Path(self.build_lib) / "replication" / "original_protocol"
        target.mkdir(parents=True, exist_ok=True)
        for path in protocol_files():
            shutil.copyfile(path, target / path.name)

    def get_outputs(self, include_bytecode=True):
        outputs = super().get_outputs(include_bytecode)
        if getattr(self, "editable_mode", False):
            return outputs
        target = Path(self.build_lib) / "replication" / "original_protocol"
        return outputs + [str(target / p.name) for p in protocol_files()]


setup(cmdclass={"build_py": BuildPyWithProtocols})
