"""The adaptation (evolvability) experiment of Clune et al. 2013 (Fig. 4a).

A perfect network evolved under one goal is cloned into the whole population, which then
evolves under the other goal with the same treatment, until a perfect network appears or
``max_generations`` pass; each network gets ``replicates`` independent such runs (seeds
1..replicates).  Runs go to
``<runs>/<experiment>/adapt/<treatment>-<from>-to-<to>/net-<seed>/rep-<k>/`` and record the
network they started from.
"""
from __future__ import annotations

import multiprocessing as mp
from pathlib import Path

import numpy as np

from .analysis import load_results
from .store import read_json


def perfect_networks(experiment_dir, treatment: str, goal: str) -> list[dict]:
    """Finished runs of ``treatment`` whose best network is perfect on ``goal``."""
    return [r for r in load_results(experiment_dir)
            if r["treatment"] == treatment and r.get("best_accuracy", {}).get(goal) == 1.0]


def _job(args):
    protocol_path, treatment, overrides, genome, seed, out, source = args
    from .evolve_nsga2 import evolve_nsga2
    from .protocol import load_protocol
    protocol = load_protocol(protocol_path, treatment, list(overrides))
    res = evolve_nsga2(protocol, seed, out, overrides, initial_genome=np.array(genome, np.int8),
                       stop_when_solved=True)
    return res


def plan_adaptation(protocol_path, runs_root, experiment: str, treatment: str, source_treatment: str,
                    from_goal: str, to_goal: str, replicates: int, max_generations: int,
                    networks: int | None = None) -> list[tuple]:
    exp_dir = Path(runs_root) / experiment
    sources = perfect_networks(exp_dir, source_treatment, from_goal)[:networks]
    overrides = (("schedule.kind", "fixed"), ("schedule.goals", [to_goal]),
                 ("run.max_generations", max_generations), ("run.log_every", 1),
                 ("run.checkpoint_every", max_generations))
    jobs = []
    for src in sources:
        for k in range(1, replicates + 1):
            out = exp_dir / "adapt" / f"{treatment}-{from_goal}-to-{to_goal}" / f"net-{src['seed']}" / f"rep-{k}"
            jobs.append((str(protocol_path), treatment, overrides, src["genome"], k, str(out), src["_folder"]))
    return jobs


def run_adaptation(jobs: list[tuple], n_jobs: int = 1, on_done=None) -> list[dict]:
    todo = [j for j in jobs if not (Path(j[5]) / "result.json").exists()]
    results = []
    if n_jobs > 1 and len(todo) > 1:
        with mp.get_context("spawn").Pool(n_jobs) as pool:
            for res in pool.imap_unordered(_job, todo):
                results.append(res)
                if on_done:
                    on_done()
    else:
        for j in todo:
            results.append(_job(j))
            if on_done:
                on_done()
    return [read_json(Path(j[5]) / "result.json") for j in jobs]


def adaptation_times(experiment_dir) -> dict[str, list[int]]:
    """Generations to a perfect network, per '<treatment>-<from>-to-<to>' (unsolved runs count
    as their generation cap, as in the paper's cut-off at 5000)."""
    out: dict[str, list[int]] = {}
    for path in sorted(Path(experiment_dir, "adapt").glob("*/net-*/rep-*/result.json")):
        res = read_json(path)
        key = path.parts[-4]
        out.setdefault(key, []).append(res["generations_run"])
    return out
