"""Per-experiment calibration of Qm: Qmax by evolution, Qrand from random genomes.

Kashtan & Alon (2005): "To estimate Q_max we repeated the evolution simulations, with
exactly the same settings ... where instead of evolving the networks toward the original
information processing goal, we define the goal as maximizing the modularity measure Q.
Q_max was defined as the average Q over 100 simulations of the best evolved network."

We do exactly that: the experiment's genome, population, elite, mutation and size
penalty, with fitness = Q (the protocol's recipe) - size penalty.  Each calibration run
is stored on its own under ``<runs>/<experiment>/calibration/<key>/``, so the work is
resumable and is done once; ``qmax.json`` there summarises it with how it was made.

The second Qrand control of the paper ("networks coded by random genomes that mapped to
networks with the same number of nodes") is ``qrand_genome``: mean Q of random
genomes' networks, by node count.
"""
from __future__ import annotations

import hashlib
import json
import multiprocessing as mp
from pathlib import Path

import numpy as np

from .evolve import INIT_STREAM, make_model, seed_stream
from .selection import ka2005
from .store import read_json, write_json

CALIBRATION_SECTIONS = ("circuit", "fitness", "selection", "variation", "modularity", "inputs")


def calibration_key(protocol) -> str:
    """Identity of what the calibration depends on (not the goals or schedule)."""
    blob = json.dumps({k: protocol.resolved[k] for k in CALIBRATION_SECTIONS if k in protocol.resolved},
                      sort_keys=True, default=list)
    return hashlib.sha256(blob.encode()).hexdigest()[:12]


def calibration_dir(runs_root, protocol) -> Path:
    return Path(runs_root) / protocol.name / "calibration" / calibration_key(protocol)


# --------------------------------------------------------------------------- Qmax by evolution
def qmax_run(protocol, run: int) -> dict:
    """One evolution run maximising Q; returns the best network's Q and size."""
    mod = protocol.modularity
    model = make_model(protocol)
    seed = 1_000_000 + run              # calibration seeds never collide with experiment seeds
    seed_stream(seed, INIT_STREAM)
    pop = model.random(mod.qmax_population)
    for gen in range(mod.qmax_generations):
        seed_stream(seed, gen)
        q, _ = model.population_q(pop, protocol)
        n_eff = model.evaluate(pop)[2]
        fitness = q - model.size_penalty(n_eff)
        if gen + 1 == mod.qmax_generations:
            break
        parents, may_vary = ka2005.select(fitness, mod.qmax_elite, True)
        pop = pop[parents]
        model.vary(pop, may_vary)
    best = int(np.argmax(fitness))
    graph = model.modularity_graph(pop[best], protocol)
    return {"run": run, "seed": seed, "q": float(q[best]), "fitness": float(fitness[best]),
            "n_effective": int(n_eff[best]), "n_nodes": graph.number_of_nodes(),
            "n_edges": graph.number_of_edges(), "genome": [int(v) for v in pop[best]]}


def _qmax_job(args):
    protocol_json, source, run, out = args
    from .protocol import build_protocol
    data = json.loads(protocol_json)
    exp = data["experiment"]
    protocol = build_protocol(source, exp["name"], exp["kind"], exp["treatment"], data)
    res = qmax_run(protocol, run)
    write_json(Path(out), res)
    return res


def calibrate_qmax(protocol, runs_root, jobs: int = 1, runs: int | None = None, on_done=None) -> dict:
    """Qmax for this experiment's recipe: computed once, then read from the calibration folder."""
    mod = protocol.modularity
    if mod.qmax_method != "evolve":
        raise ValueError("calibrate_qmax is the 'evolve' method; 'hillclimb' is per network")
    n_runs = runs or mod.qmax_runs
    folder = calibration_dir(runs_root, protocol)
    summary_path = folder / "qmax.json"
    if summary_path.exists():
        summary = read_json(summary_path)
        if summary["runs"] == n_runs:
            return summary
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "protocol.json").write_text(protocol.to_json() + "\n")
    todo = [(protocol.to_json(), protocol.source, r, str(folder / f"qmax-run-{r}.json"))
            for r in range(n_runs) if not (folder / f"qmax-run-{r}.json").exists()]
    if jobs > 1 and len(todo) > 1:
        with mp.get_context("spawn").Pool(jobs) as pool:
            for _ in pool.imap_unordered(_qmax_job, todo):
                if on_done:
                    on_done()
    else:
        for job in todo:
            _qmax_job(job)
            if on_done:
                on_done()
    results = [read_json(folder / f"qmax-run-{r}.json") for r in range(n_runs)]
    qs = np.array([r["q"] for r in results])
    summary = {
        "q_max": float(qs.mean()), "q_max_sd": float(qs.std(ddof=1)) if len(qs) > 1 else 0.0,
        "q_max_best": float(qs.max()), "runs": n_runs,
        "method": (f"evolve: {n_runs} runs x {mod.qmax_generations} generations, population "
                   f"{mod.qmax_population}, elite {mod.qmax_elite}, fitness = Q ({mod.method}, "
                   f"{'directed' if mod.directed else 'undirected'}) - size penalty; "
                   f"Q_max = mean Q of each run's best network"),
        "calibration_key": calibration_key(protocol),
        "experiment": protocol.name,
    }
    write_json(summary_path, summary)
    return summary


def load_qmax(runs_root, protocol) -> dict | None:
    path = calibration_dir(runs_root, protocol) / "qmax.json"
    return read_json(path) if path.exists() else None


# --------------------------------------------------------------------------- Qrand, random genomes
def calibrate_qrand_genome(protocol, runs_root) -> dict:
    """The random-genome Qrand table for this experiment's recipe: computed once, then read."""
    path = calibration_dir(runs_root, protocol) / "qrand_genome.json"
    if path.exists():
        return read_json(path)
    table = qrand_genome(protocol, samples=100 * protocol.modularity.qrand_samples)
    table["by_nodes"] = {str(k): v for k, v in table["by_nodes"].items()}
    write_json(path, table)
    return table


def qrand_genome(protocol, samples: int = 100_000, seed: int = 2_000_000) -> dict:
    """Mean and SD of Q of random genomes' networks, by number of nodes (control 2)."""
    model = make_model(protocol)
    seed_stream(seed, INIT_STREAM)
    pop = model.random(samples)
    q, sizes = model.population_q(pop, protocol)
    table = {}
    for n in np.unique(sizes):
        sel = q[sizes == n]
        table[int(n)] = {"mean": float(sel.mean()), "sd": float(sel.std(ddof=1)) if sel.size > 1 else 0.0,
                         "count": int(sel.size)}
    return {"by_nodes": table, "samples": samples,
            "method": f"{samples} random genomes, {protocol.modularity.method} partition"}
