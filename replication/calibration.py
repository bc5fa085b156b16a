"""Calibration of Qm, a stage of its own made of runs: Qmax by evolution, Qrand from random genomes.

Kashtan & Alon (2005): "To estimate Q_max we repeated the evolution simulations, with
exactly the same settings ... where instead of evolving the networks toward the original
information processing goal, we define the goal as maximizing the modularity measure Q.
Q_max was defined as the average Q over 100 simulations of the best evolved network."

We do exactly that: a calibration run is an ordinary run (:func:`replication.evolve.evolve`)
of the experiment's protocol with ``fitness.objective = "modularity"`` (fitness = Q of the
protocol's recipe - size penalty), the ``qmax_*`` population, elite and generations, and the
experiment's own genome, mutation and tie-breaking.  Runs live under
``<runs>/<experiment>/calibration/<key>/qmax/seed-N/`` (seeds from
:data:`replication.rng.CALIBRATION_SEED_BASE`), so the work is resumable and done once;
``qmax.json`` beside them summarises it with how it was made.  The key is a digest of every
protocol section the calibration depends on.

The second Qrand control of the paper ("networks coded by random genomes that mapped to
networks with the same number of nodes") is :func:`qrand_genome`: mean Q of random
genomes' networks, by node count, stored as ``qrand_genome.json`` in the same folder.

Examples
--------
>>> from replication.protocol import load_protocol
>>> p = load_protocol("original_protocol/ka2005_logic.toml", "mvg")
>>> q = calibration_protocol(p)
>>> q.fitness.objective, q.selection.population, q.run.max_generations
('modularity', 1000, 500)
>>> calibration_key(p) == calibration_key(load_protocol("original_protocol/ka2005_logic.toml", "fixed-g1"))
True
"""
from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path

import numpy as np

from .genomes import genome_model
from .parallel import RunSpec
from .protocol import build_protocol, strip_legacy_defaults
from .rng import CALIBRATION_SEED_BASE, QRAND_GENOME_SEED, seed_numba
from .store import read_json, write_json

# Sections a Qmax calibration does not depend on: the goal, its schedule, the stop rule,
# connection costs, traces and initial genomes of a treatment.
_NOT_CALIBRATION = {"goals", "schedule", "run", "cost", "trace", "initial", "experiment", "random_goals"}


def calibration_key(protocol) -> str:
    """Digest of every section the calibration depends on (not the goals or schedule, nor the
    fitness objective, which a calibration always sets to Q).

    Treatments that differ only in their goals share one calibration; a change to the
    genome, mutation, selection or modularity recipe gives another key (another folder).

    Returns
    -------
    str : 12 hexadecimal digits

    Examples
    --------
    >>> from replication.protocol import load_protocol
    >>> path = "original_protocol/ka2005_logic.toml"
    >>> calibration_key(load_protocol(path, "fixed-g1")) == calibration_key(load_protocol(path, "fixed-g2"))
    True
    >>> calibration_key(load_protocol(path, "fixed-g1", [("selection.elite", 200)])) == calibration_key(load_protocol(path, "fixed-g1"))
    False
    """
    sections = strip_legacy_defaults(json.loads(json.dumps(
        {k: v for k, v in protocol.resolved.items() if k not in _NOT_CALIBRATION}, default=list)))
    if "objective" in sections.get("fitness", {}):
        sections["fitness"] = {**sections["fitness"], "objective": "goal"}
    blob = json.dumps(sections, sort_keys=True, default=list)
    return hashlib.sha256(blob.encode()).hexdigest()[:12]


def calibration_dir(runs_root, protocol) -> Path:
    """The folder of this experiment's calibration: ``<runs_root>/<experiment>/calibration/<key>``.

    Examples
    --------
    >>> from replication.protocol import load_protocol
    >>> p = load_protocol("original_protocol/ka2005_logic.toml", "mvg")
    >>> calibration_dir("runs", p) == Path("runs", "ka2005_logic", "calibration", calibration_key(p))
    True
    """
    return Path(runs_root) / protocol.name / "calibration" / calibration_key(protocol)


def _file_tables(protocol) -> dict | None:
    """The resolved tables of ``protocol``'s file without any treatment or override (JSON-like),
    or None where its source is not that experiment's protocol file (e.g. a stored run's
    protocol.json)."""
    from .protocol import ProtocolError, load_protocol
    try:
        base = load_protocol(protocol.source)
    except (ProtocolError, OSError):
        return None
    if base.name != protocol.name:
        return None
    return json.loads(json.dumps(dict(base.resolved.items()), default=list))


def calibration_protocol(protocol):
    """The protocol of a Qmax calibration run: the experiment's, evolving toward Q.

    Kashtan & Alon (2005): "we repeated the evolution simulations, with exactly the same
    settings ... where ... we define the goal as maximizing the modularity measure Q".
    Fitness is Q of the protocol's recipe (minus the size penalty); population, elite and
    generations are the ``qmax_*`` values; the schedule is fixed and the run never stops early.
    The treatment is called ``qmax``.

    Examples
    --------
    >>> from replication.protocol import load_protocol
    >>> p = load_protocol("original_protocol/ka2005_logic.toml", "mvg")
    >>> q = calibration_protocol(p)
    >>> q.treatment, q.fitness.objective, q.schedule.kind, q.run.stop
    ('qmax', 'modularity', 'fixed', 'never')
    >>> q.selection.population == p.modularity.qmax_population
    True

    Treatments and readings that share the calibration key build the same calibration runs:

    >>> r = load_protocol("original_protocol/ka2005_logic.toml", "mvg", [("run.solved_when", "accuracy")])
    >>> g2 = load_protocol("original_protocol/ka2005_logic.toml", "fixed-g2")
    >>> calibration_protocol(r).digest == calibration_protocol(g2).digest == q.digest
    True
    """
    mod = protocol.modularity
    resolved = copy.deepcopy({k: v for k, v in protocol.resolved.items()
                              if k not in ("cost", "trace", "initial", "experiment", "random_goals")})
    resolved = json.loads(json.dumps(resolved, default=list))
    # goals, schedule and run are the file's own, whatever a treatment or reading set there: the
    # calibration key leaves them out (Q is the goal), so every treatment that shares a key (fixed-g2,
    # the random-goal controls, a run.solved_when reading) must build the same calibration runs
    base = _file_tables(protocol) or resolved
    for section in ("goals", "schedule", "run"):
        resolved[section] = copy.deepcopy(base[section])
    resolved["fitness"]["objective"] = "modularity"
    resolved["selection"].update(population=mod.qmax_population, elite=mod.qmax_elite)
    resolved["schedule"].update(kind="fixed", goals=[base["schedule"]["goals"][0]])
    resolved["run"].update(max_generations=mod.qmax_generations, stop="never", post_solution_generations=0,
                           checkpoint_every=max(mod.qmax_generations, 1))
    return build_protocol(protocol.source, protocol.name, protocol.kind, "qmax", resolved)


def qmax_specs(protocol, runs_root, runs: int | None = None) -> list[RunSpec]:
    """The calibration runs (one RunSpec each) for this experiment's recipe.

    ``runs`` (default: the protocol's ``qmax_runs``) runs of :func:`calibration_protocol`,
    seeds from :data:`replication.rng.CALIBRATION_SEED_BASE`, in
    ``calibration_dir(...)/qmax/seed-N``.

    Examples
    --------
    >>> from replication.protocol import load_protocol
    >>> p = load_protocol("original_protocol/ka2005_logic.toml", "mvg")
    >>> specs = qmax_specs(p, "runs", runs=3)
    >>> [s.seed for s in specs], specs[0].treatment
    ([1000000, 1000001, 1000002], 'qmax')
    >>> len(qmax_specs(p, "runs")) == p.modularity.qmax_runs
    True
    """
    cal = calibration_protocol(protocol)
    folder = calibration_dir(runs_root, protocol) / "qmax"
    n = protocol.modularity.qmax_runs if runs is None else runs
    return [RunSpec.of(cal, CALIBRATION_SEED_BASE + k, folder / f"seed-{CALIBRATION_SEED_BASE + k}")
            for k in range(n)]


def summarise_qmax(protocol, runs_root, runs: int | None = None) -> dict:
    """Write and return ``qmax.json`` from finished calibration runs.

    Q_max is the mean over the runs of each run's best network's Q (Kashtan & Alon 2005:
    "the average Q over 100 simulations of the best evolved network"), with its SD, the best
    value, how it was made, and ``reduced`` when fewer runs than the protocol's were used.
    Raises ``FileNotFoundError`` while some calibration run is not finished.

    Examples
    --------
    >>> import tempfile
    >>> from replication.protocol import load_protocol
    >>> p = load_protocol("original_protocol/ka2005_logic.toml", "mvg")
    >>> root = Path(tempfile.mkdtemp())
    >>> for spec, q in zip(qmax_specs(p, root, runs=2), (0.6, 0.7)):
    ...     write_json(Path(spec.folder) / "result.json", {"q": q})
    >>> s = summarise_qmax(p, root, runs=2)
    >>> round(s["q_max"], 3), s["runs"], s["reduced"], (calibration_dir(root, p) / "qmax.json").exists()
    (0.65, 2, True, True)
    >>> summarise_qmax(p, root, runs=3)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    FileNotFoundError: 1 calibration runs are not finished (first: ...); run `replication calibrate` first
    """
    mod = protocol.modularity
    specs = qmax_specs(protocol, runs_root, runs)
    missing = [s.folder for s in specs if not (Path(s.folder) / "result.json").exists()]
    if missing:
        raise FileNotFoundError(f"{len(missing)} calibration runs are not finished (first: {missing[0]}); "
                                f"run `replication calibrate` first")
    qs = np.array([read_json(Path(s.folder) / "result.json")["q"] for s in specs])
    reduced = len(specs) != mod.qmax_runs
    summary = {
        "q_max": float(qs.mean()), "q_max_sd": float(qs.std(ddof=1)) if len(qs) > 1 else 0.0,
        "q_max_best": float(qs.max()), "runs": len(specs), "reduced": reduced,
        "method": (f"evolve: {len(specs)} runs x {mod.qmax_generations} generations, population "
                   f"{mod.qmax_population}, elite {mod.qmax_elite}, fitness = Q ({mod.method}, "
                   f"{'directed' if mod.directed else 'undirected'}) - size penalty; "
                   f"Q_max = mean Q of each run's best network"
                   + (f" (reduced from the protocol's {mod.qmax_runs} runs)" if reduced else "")),
        "calibration_key": calibration_key(protocol),
        "experiment": protocol.name,
    }
    write_json(calibration_dir(runs_root, protocol) / "qmax.json", summary)
    return summary


def calibrate(protocol, runs_root, runner, runs: int | None = None) -> dict:
    """Run (or resume) the calibration of this experiment's recipe and summarise it.

    ``runner(specs)`` executes RunSpecs (e.g. ``lambda s: parallel.run_all(s, jobs)``).
    Returns ``{"qmax": summary or None, "qrand_genome": table or None}`` as the protocol's
    ``qmax_method`` / ``qrand_method`` ask.

    Examples
    --------
    A reduced calibration (2 runs of 5 generations, population 20) run in this process:

    >>> from replication.protocol import load_protocol
    >>> small = [("modularity.qmax_population", 20), ("modularity.qmax_elite", 6),
    ...          ("modularity.qmax_generations", 5), ("modularity.qmax_runs", 2)]
    >>> p = load_protocol("original_protocol/ka2005_logic.toml", "fixed-g1", small)
    >>> import tempfile
    >>> from replication.executor import run_all
    >>> root = Path(tempfile.mkdtemp())
    >>> out = calibrate(p, root, lambda specs: run_all(specs, 1))
    >>> out["qmax"]["runs"], 0 < out["qmax"]["q_max"] <= out["qmax"]["q_max_best"] < 1, out["qrand_genome"]
    (2, True, None)
    >>> load_qmax(root, p) == out["qmax"]
    True
    """
    mod = protocol.modularity
    out = {"qmax": None, "qrand_genome": None}
    folder = calibration_dir(runs_root, protocol)
    folder.mkdir(parents=True, exist_ok=True)
    if mod.qmax_method == "evolve":
        runner(qmax_specs(protocol, runs_root, runs))
        out["qmax"] = summarise_qmax(protocol, runs_root, runs)
    if mod.qrand_method == "genome":
        out["qrand_genome"] = calibrate_qrand_genome(protocol, runs_root)
    return out


def calibrate_qmax(protocol, runs_root, jobs: int = 1, runs: int | None = None) -> dict:
    """Qmax for this experiment's recipe: run (or resume) its calibration runs on ``jobs`` local
    workers, then return the summary (a convenience over :func:`calibrate`).

    Finished runs are not run again.

    Examples
    --------
    >>> from replication.protocol import load_protocol
    >>> small = [("modularity.qmax_population", 20), ("modularity.qmax_elite", 6),
    ...          ("modularity.qmax_generations", 5), ("modularity.qmax_runs", 2)]
    >>> p = load_protocol("original_protocol/ka2005_logic.toml", "fixed-g1", small)
    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> s = calibrate_qmax(p, root, jobs=1, runs=1)
    >>> s["runs"], s["reduced"], 0 < s["q_max"] < 1
    (1, True, True)
    >>> calibrate_qmax(p, root, jobs=1, runs=1) == s       # read back, not re-run
    True
    """
    from .parallel import pending, run_all
    run_all(pending(qmax_specs(protocol, runs_root, runs)), jobs)
    return summarise_qmax(protocol, runs_root, runs)


def load_qmax(runs_root, protocol) -> dict | None:
    """The stored Qmax summary of this experiment's recipe, or None.

    Examples
    --------
    >>> import tempfile
    >>> from replication.protocol import load_protocol
    >>> p = load_protocol("original_protocol/ka2005_logic.toml", "mvg")
    >>> root = Path(tempfile.mkdtemp())
    >>> load_qmax(root, p) is None
    True
    >>> write_json(calibration_dir(root, p) / "qmax.json", {"q_max": 0.8})
    >>> load_qmax(root, p)
    {'q_max': 0.8}
    """
    path = calibration_dir(runs_root, protocol) / "qmax.json"
    return read_json(path) if path.exists() else None


# --------------------------------------------------------------------------- Qrand, random genomes
def calibrate_qrand_genome(protocol, runs_root) -> dict:
    """The random-genome Qrand table for this experiment's recipe: computed once, then read.

    :func:`qrand_genome` with ``100 * qrand_samples`` genomes, stored as ``qrand_genome.json``
    in the calibration folder (node counts as string keys, as JSON has them).

    Examples
    --------
    >>> import tempfile
    >>> from replication.protocol import load_protocol
    >>> p = load_protocol("original_protocol/ka2005_logic.toml", "mvg", [("modularity.qrand_samples", 2)])
    >>> root = Path(tempfile.mkdtemp())
    >>> table = calibrate_qrand_genome(p, root)
    >>> table["samples"], sum(v["count"] for v in table["by_nodes"].values())
    (200, 200)
    >>> load_qrand_genome(root, p) == table == calibrate_qrand_genome(p, root)
    True
    """
    path = calibration_dir(runs_root, protocol) / "qrand_genome.json"
    if path.exists():
        return read_json(path)
    table = qrand_genome(protocol, samples=100 * protocol.modularity.qrand_samples)
    table["by_nodes"] = {str(k): v for k, v in table["by_nodes"].items()}
    write_json(path, table)
    return table


def load_qrand_genome(runs_root, protocol) -> dict | None:
    """The stored random-genome Qrand table of this experiment's recipe, or None.

    Examples
    --------
    >>> import tempfile
    >>> from replication.protocol import load_protocol
    >>> p = load_protocol("original_protocol/ka2005_logic.toml", "mvg")
    >>> load_qrand_genome(tempfile.mkdtemp(), p) is None
    True
    """
    path = calibration_dir(runs_root, protocol) / "qrand_genome.json"
    return read_json(path) if path.exists() else None


def qrand_genome(protocol, samples: int = 100_000, seed: int = QRAND_GENOME_SEED) -> dict:
    """Mean and SD of Q of random genomes' networks, by number of nodes (control 2).

    Kashtan & Alon (2005) normalise Q with a second Qrand: "networks coded by random genomes
    that mapped to networks with the same number of nodes".  ``samples`` random genomes of the
    protocol's genome model (stream ``init`` of ``seed``), each network's Q by the protocol's
    recipe, grouped by node count.

    Returns
    -------
    dict : ``by_nodes`` (node count -> mean, sd, count), ``samples``, ``method``

    Examples
    --------
    >>> from replication.protocol import load_protocol
    >>> p = load_protocol("original_protocol/ka2005_logic.toml", "mvg")
    >>> t = qrand_genome(p, samples=100)
    >>> sum(v["count"] for v in t["by_nodes"].values()), t == qrand_genome(p, samples=100)
    (100, True)
    >>> all(-0.5 <= v["mean"] < 1 for v in t["by_nodes"].values())
    True
    """
    model = genome_model(protocol)
    seed_numba(seed, "init")
    pop = model.random(samples)
    q, sizes = model.population_q(pop, protocol)
    table = {}
    for n in np.unique(sizes):
        sel = q[sizes == n]
        table[int(n)] = {"mean": float(sel.mean()), "sd": float(sel.std(ddof=1)) if sel.size > 1 else 0.0,
                         "count": int(sel.size)}
    return {"by_nodes": table, "samples": samples,
            "method": f"{samples} random genomes, {protocol.modularity.method} partition"}
