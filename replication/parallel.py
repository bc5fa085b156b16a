"""Many runs: every (treatment, seed) of an experiment, in local worker processes.

Each run depends only on (protocol, seed), and each writes its own folder, so the
results do not depend on the number of workers or on the order they finish in.
Finished runs are skipped; unfinished ones resume from their last checkpoint.
"""
from __future__ import annotations

import multiprocessing as mp
import os
from dataclasses import dataclass

from .protocol import load_protocol
from .store import RunStore, run_dir


@dataclass(frozen=True)
class Job:
    protocol_path: str
    treatment: str
    seed: int
    out_root: str
    overrides: tuple

    @property
    def folder(self):
        return run_dir(self.out_root, self.experiment, self.treatment, self.seed)

    @property
    def experiment(self):
        return load_protocol(self.protocol_path, self.treatment, list(self.overrides)).name


def run_job(job: Job) -> dict:
    # One numba thread per worker process: the workers are the parallelism.
    os.environ.setdefault("NUMBA_NUM_THREADS", "1")
    from .evolve import evolve
    protocol = load_protocol(job.protocol_path, job.treatment, list(job.overrides))
    folder = run_dir(job.out_root, protocol.name, job.treatment, job.seed)
    return evolve(protocol, job.seed, folder, overrides=job.overrides)


def plan(protocol_path: str, treatments, seeds, out_root: str, overrides=()) -> list[Job]:
    return [Job(str(protocol_path), t, int(s), str(out_root), tuple(overrides))
            for t in treatments for s in seeds]


def pending(jobs: list[Job]) -> list[Job]:
    """Jobs without a finished run; a folder holding another run raises RunMismatch."""
    return [j for j in jobs if not RunStore(j.folder).is_finished(
        load_protocol(j.protocol_path, j.treatment, list(j.overrides)), j.seed)]


def run_all(jobs: list[Job], n_jobs: int, on_done=None) -> list[dict]:
    """Run the jobs; ``on_done(result)`` after each. Results come back in job order."""
    results: dict[int, dict] = {}
    if n_jobs <= 1:
        for i, job in enumerate(jobs):
            results[i] = run_job(job)
            if on_done:
                on_done(results[i])
    else:
        ctx = mp.get_context("spawn")      # fresh interpreters: no forked numba state
        with ctx.Pool(n_jobs, maxtasksperchild=None) as pool:
            for i, res in pool.imap_unordered(_indexed, list(enumerate(jobs))):
                results[i] = res
                if on_done:
                    on_done(res)
    return [results[i] for i in range(len(jobs))]


def _indexed(item):
    i, job = item
    return i, run_job(job)
