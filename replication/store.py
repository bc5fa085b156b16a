"""Run folders: one folder per (experiment, treatment, seed); atomic writes; resume.

A run folder holds::

    protocol.json    the resolved protocol (all parameters, after treatment and --set overrides)
    run.json         seed, treatment, overrides, protocol digest, package version
    log.csv          one row per logged generation (appended at each checkpoint)
    checkpoint.npz   the state needed to continue (population, generation, bookkeeping)
    result.json      written last: its presence means the run is finished
    network.txt      the best final network, mfinder edge list (``source target 1``, nodes from 1)

Every file is written to a temporary name and renamed, so a kill never leaves a
half-written file.  ``log.csv`` is the one file that grows; rows past the last
checkpoint are dropped on resume, so a resumed log equals an uninterrupted one.
"""
from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from pathlib import Path

import numpy as np

from ._version import __version__


class RunMismatch(RuntimeError):
    """A run folder exists but was made with different parameters or seed."""


def write_atomic(path: Path, data: bytes | str) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = "wb" if isinstance(data, bytes) else "w"
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, mode) as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def write_json(path: Path, obj) -> None:
    write_atomic(path, json.dumps(obj, indent=2, sort_keys=True) + "\n")


def read_json(path: Path):
    with open(path) as fh:
        return json.load(fh)


def run_dir(root: str | Path, experiment: str, treatment: str, seed: int) -> Path:
    return Path(root) / experiment / treatment / f"seed-{seed}"


class RunStore:
    def __init__(self, path: str | Path):
        self.path = Path(path)

    # ----- identity
    def prepare(self, protocol, seed: int, overrides=()) -> None:
        """Create the folder, or check that an existing one belongs to the same run."""
        meta = {"experiment": protocol.name, "treatment": protocol.treatment, "seed": int(seed),
                "protocol_digest": protocol.digest, "protocol_source": protocol.source,
                "overrides": [f"{k}={v!r}" for k, v in overrides], "version": __version__}
        run_json = self.path / "run.json"
        if run_json.exists():
            old = read_json(run_json)
            if old.get("protocol_digest") != meta["protocol_digest"] or old.get("seed") != meta["seed"]:
                raise RunMismatch(
                    f"{self.path} holds a run with other parameters or seed "
                    f"(digest {old.get('protocol_digest')}, seed {old.get('seed')}); "
                    f"use another --out or remove it")
            return
        self.path.mkdir(parents=True, exist_ok=True)
        write_atomic(self.path / "protocol.json", protocol.to_json() + "\n")
        write_json(run_json, meta)

    # ----- result
    @property
    def finished(self) -> bool:
        return (self.path / "result.json").exists()

    def result(self) -> dict:
        return read_json(self.path / "result.json")

    def write_result(self, result: dict, network_edges=None) -> None:
        if network_edges is not None:
            text = "".join(f"{a} {b} 1\n" for a, b in network_edges)
            write_atomic(self.path / "network.txt", text)
        write_json(self.path / "result.json", result)
        ckpt = self.path / "checkpoint.npz"
        if ckpt.exists():
            ckpt.unlink()

    # ----- checkpoint + log
    def save(self, generation: int, arrays: dict, state: dict, log_header, log_rows) -> None:
        """Append pending log rows, then atomically replace the checkpoint."""
        self.append_log(log_header, log_rows)
        buf = io.BytesIO()
        np.savez(buf, **arrays, _state=np.frombuffer(json.dumps(
            {"generation": generation, **state}).encode(), dtype=np.uint8))
        write_atomic(self.path / "checkpoint.npz", buf.getvalue())

    def load(self):
        """(generation, arrays, state) of the last checkpoint, or None; repairs log.csv."""
        ckpt = self.path / "checkpoint.npz"
        if not ckpt.exists():
            log = self.path / "log.csv"
            if log.exists():
                log.unlink()
            return None
        with np.load(ckpt) as data:
            arrays = {k: data[k] for k in data.files if k != "_state"}
            state = json.loads(bytes(data["_state"]).decode())
        generation = state.pop("generation")
        self._truncate_log(generation)
        return generation, arrays, state

    def append_log(self, header, rows) -> None:
        if not rows:
            return
        log = self.path / "log.csv"
        new = not log.exists()
        with open(log, "a", newline="") as fh:
            w = csv.writer(fh)
            if new:
                w.writerow(header)
            w.writerows(rows)
            fh.flush()
            os.fsync(fh.fileno())

    def _truncate_log(self, generation: int) -> None:
        log = self.path / "log.csv"
        if not log.exists():
            return
        with open(log, newline="") as fh:
            rows = list(csv.reader(fh))
        keep = [rows[0]] + [r for r in rows[1:] if r and int(r[0]) < generation]
        buf = io.StringIO()
        csv.writer(buf).writerows(keep)
        write_atomic(log, buf.getvalue())

    def read_log(self) -> list[dict]:
        with open(self.path / "log.csv", newline="") as fh:
            return list(csv.DictReader(fh))
