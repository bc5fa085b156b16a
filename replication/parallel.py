"""Many runs: independent run specifications, executed in local worker processes.

A :class:`RunSpec` is everything a run needs: the resolved protocol (JSON), the seed and
the run folder.  Experiments, Qmax calibration runs, adaptation runs and multiverse variants
are all lists of RunSpecs.  Each run depends only on (protocol, seed) and writes its own
folder, so results do not depend on the number of workers or on the order they finish in.
Finished runs are skipped; unfinished ones resume from their last checkpoint.

Examples
--------
>>> from replication.protocol import load_protocol
>>> specs = plan("original_protocol/ka2005_logic.toml", ["mvg"], [1, 2], "runs")
>>> [(s.treatment, s.seed, s.folder) for s in specs]
[('mvg', 1, 'runs/ka2005_logic/mvg/seed-1'), ('mvg', 2, 'runs/ka2005_logic/mvg/seed-2')]
"""
from __future__ import annotations

import json
import multiprocessing as mp
import os
from dataclasses import dataclass

from .protocol import build_protocol, load_protocol
from .store import RunStore, run_dir


@dataclass(frozen=True)
class RunSpec:
    """One run: resolved protocol (JSON text), where it came from, seed, folder, overrides."""
    protocol_json: str
    source: str
    seed: int
    folder: str
    overrides: tuple = ()

    @classmethod
    def of(cls, protocol, seed: int, folder, overrides=()) -> "RunSpec":
        return cls(protocol.to_json(), protocol.source, int(seed), str(folder), tuple(overrides))

    def protocol(self):
        data = json.loads(self.protocol_json)
        exp = data["experiment"]
        return build_protocol(self.source, exp["name"], exp["kind"], exp["treatment"], data)

    @property
    def treatment(self) -> str:
        return json.loads(self.protocol_json)["experiment"]["treatment"] or ""

    @property
    def experiment(self) -> str:
        return json.loads(self.protocol_json)["experiment"]["name"]


# The name the executor and older callers use.
Job = RunSpec


def run_job(spec: RunSpec, progress=None) -> dict:
    """Run (or resume, or read) one run; returns its result."""
    # One numba thread per worker process: the workers are the parallelism.
    os.environ.setdefault("NUMBA_NUM_THREADS", "1")
    from .evolve import evolve
    return evolve(spec.protocol(), spec.seed, spec.folder, overrides=spec.overrides, progress=progress)


def plan(protocol_path: str, treatments, seeds, out_root: str, overrides=()) -> list[RunSpec]:
    """The runs of ``treatments`` x ``seeds`` of one protocol file, in ``out_root``."""
    specs = []
    for t in treatments:
        protocol = load_protocol(protocol_path, t, list(overrides))
        specs += [RunSpec.of(protocol, s, run_dir(out_root, protocol.name, t, s), overrides) for s in seeds]
    return specs


def pending(specs: list[RunSpec]) -> list[RunSpec]:
    """Specs without a finished run; a folder holding another run raises RunMismatch."""
    return [s for s in specs if not RunStore(s.folder).is_finished(s.protocol(), s.seed)]


def run_all(specs: list[RunSpec], n_jobs: int, on_done=None) -> list[dict]:
    """Run the specs; ``on_done(result)`` after each. Results come back in spec order."""
    results: dict[int, dict] = {}
    if n_jobs <= 1 or len(specs) <= 1:
        for i, spec in enumerate(specs):
            results[i] = run_job(spec)
            if on_done:
                on_done(results[i])
    else:
        ctx = mp.get_context("spawn")      # fresh interpreters: no forked numba state
        with ctx.Pool(n_jobs, maxtasksperchild=None) as pool:
            for i, res in pool.imap_unordered(_indexed, list(enumerate(specs))):
                results[i] = res
                if on_done:
                    on_done(res)
    return [results[i] for i in range(len(specs))]


def _indexed(item):
    i, spec = item
    return i, run_job(spec)
