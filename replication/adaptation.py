"""The adaptation (evolvability) experiment of Clune et al. 2013 (Fig. 4a), as ordinary runs.

A perfect network evolved under one goal is cloned into the whole population, which then
evolves under the other goal with the same treatment, until a perfect network appears or
``max_generations`` pass; each network gets ``replicates`` independent such runs (seeds
1..replicates).  An adaptation run is a run of the treatment's protocol with an ``[initial]``
section (the genome and the folder it was taken from: the run records the network it
started from), a fixed schedule on the new goal and ``run.stop = "first-solution"``.  Runs go
to ``<runs>/<experiment>/adapt/<treatment>-<from>-to-<to>/net-<seed>/rep-<k>/``.

Examples
--------
>>> from replication.protocol import load_protocol
>>> p = load_protocol("original_protocol/clune2013_retina.toml", "pcc")
>>> q = adaptation_protocol(p, [0] * 121, "somewhere/seed-1", "OR", 5000)
>>> q.run.stop, q.schedule.goals, q.initial.source
('first-solution', ('OR',), 'somewhere/seed-1')
"""
from __future__ import annotations

from pathlib import Path

from .parallel import RunSpec
from .protocol import load_protocol
from .store import adaptation_run_dir, iter_runs


def adaptation_overrides(genome, source: str, to_goal: str, max_generations: int) -> list[tuple]:
    """The ``--set`` overrides that turn a treatment into an adaptation run."""
    return [("schedule.kind", "fixed"), ("schedule.goals", [to_goal]),
            ("run.max_generations", max_generations), ("run.stop", "first-solution"),
            ("run.post_solution_generations", 0), ("run.log_every", 1),
            ("run.checkpoint_every", max_generations),
            ("initial.genomes", [[int(v) for v in genome]]), ("initial.source", str(source))]


def adaptation_protocol(protocol, genome, source, to_goal: str, max_generations: int):
    return load_protocol(protocol.source, protocol.treatment,
                         adaptation_overrides(genome, source, to_goal, max_generations))


def perfect_networks(experiment_dir, treatment: str, goal: str) -> list[dict]:
    """Finished runs of ``treatment`` whose best network is perfect on ``goal`` (seed order)."""
    out = []
    if not Path(experiment_dir, treatment).is_dir():
        return out
    for rec in iter_runs(Path(experiment_dir, treatment)):
        if rec.result.get("best_accuracy", {}).get(goal) == 1.0:
            out.append({**rec.result, "_folder": str(rec.folder)})
    return out


def plan_adaptation(protocol_path, runs_root, experiment: str, treatment: str, source_treatment: str,
                    from_goal: str, to_goal: str, replicates: int, max_generations: int,
                    networks: int | None = None) -> list[RunSpec]:
    exp_dir = Path(runs_root) / experiment
    sources = perfect_networks(exp_dir, source_treatment, from_goal)[:networks]
    specs = []
    for src in sources:
        protocol = load_protocol(protocol_path, treatment,
                                 adaptation_overrides(src["genome"], src["_folder"], to_goal, max_generations))
        for k in range(1, replicates + 1):
            out = adaptation_run_dir(runs_root, experiment, f"{treatment}-{from_goal}-to-{to_goal}", src["seed"], k)
            specs.append(RunSpec.of(protocol, k, out))
    return specs


def adaptation_times(experiment_dir) -> dict[str, list[int]]:
    """Generations to a perfect network, per '<treatment>-<from>-to-<to>' (unsolved runs count
    as their generation cap, as in the paper's cut-off at 5000)."""
    out: dict[str, list[int]] = {}
    if Path(experiment_dir, "adapt").is_dir():
        for rec in iter_runs(Path(experiment_dir, "adapt")):
            out.setdefault(rec.variant, []).append(rec.result["generations_run"])
    return out
