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

import math
from pathlib import Path
from typing import TYPE_CHECKING

from .protocol import load_protocol
from .store import adaptation_run_dir, iter_runs, source_trial_dir, source_trials_dir

if TYPE_CHECKING:      # the executor (and its imports) only when runs are planned
    from .executor import RunSpec

#: Generations an adaptation run may take; unsolved runs count as this many (Clune, Mouret &
#: Lipson 2013, Fig. 4a: "cut-off of 5000 generations").
MAX_GENERATIONS = 5000


def adaptation_goals(quantity: str) -> tuple[str, str]:
    """The goals (from, to) of a claim quantity ``adapt_<from>_to_<to>``, as the protocol names them.

    Examples
    --------
    >>> adaptation_goals("adapt_or_to_and")
    ('OR', 'AND')
    """
    frm, to = quantity[len("adapt_"):].split("_to_")
    return frm.upper(), to.upper()


def adaptation_name(treatment: str, quantity: str) -> str:
    """The adaptation runs' folder name (``<treatment>-<from>-to-<to>``, as :func:`adaptation_specs`
    writes it) of a claim quantity ``adapt_<from>_to_<to>``.

    Examples
    --------
    >>> adaptation_name("pcc", "adapt_or_to_and")
    'pcc-OR-to-AND'
    """
    frm, to = adaptation_goals(quantity)
    return f"{treatment}-{frm}-to-{to}"


def adaptation_overrides(genome, source: str, to_goal: str, max_generations: int) -> list[tuple]:
    """The ``--set`` overrides that turn a treatment into an adaptation run.

    A fixed schedule on ``to_goal``, the whole population started from ``genome`` (recorded
    with its ``source`` folder), stopping at the first perfect network or after
    ``max_generations`` (Clune, Mouret & Lipson 2013, Fig. 4a: cut-off 5000).

    Returns
    -------
    list of (dotted key, value) pairs, as :func:`replication.protocol.load_protocol` takes them

    Examples
    --------
    >>> dict(adaptation_overrides([1, 0, -1], "runs/x/pcc/seed-3", "OR", 5000))["run.stop"]
    'first-solution'
    >>> dict(adaptation_overrides([1, 0, -1], "runs/x/pcc/seed-3", "OR", 5000))["initial.genomes"]
    [[1, 0, -1]]
    """
    return [("schedule.kind", "fixed"), ("schedule.goals", [to_goal]),
            ("run.max_generations", max_generations), ("run.stop", "first-solution"),
            ("run.post_solution_generations", 0), ("run.log_every", 1),
            ("run.checkpoint_every", max_generations),
            ("initial.genomes", [[int(v) for v in genome]]), ("initial.source", str(source))]


def adaptation_protocol(protocol, genome, source, to_goal: str, max_generations: int):
    """The adaptation-run protocol of ``protocol``'s treatment: the same treatment re-read
    with :func:`adaptation_overrides` applied.

    Examples
    --------
    >>> from replication.protocol import load_protocol
    >>> p = load_protocol("original_protocol/clune2013_retina.toml", "pa")
    >>> q = adaptation_protocol(p, [0] * 121, "runs/x/pa/seed-1", "OR", 300)
    >>> q.treatment, q.run.max_generations, q.schedule.kind, q.schedule.goals
    ('pa', 300, 'fixed', ('OR',))
    """
    return load_protocol(protocol.source, protocol.treatment,
                         adaptation_overrides(genome, source, to_goal, max_generations))


def perfect_networks(experiment_dir, treatment: str, goal: str) -> list[dict]:
    """Finished runs of ``treatment`` whose best network is perfect on ``goal`` (seed order).

    The starting networks of the adaptation experiment.  Each is the run's ``result.json``
    with its folder added as ``_folder``; an absent treatment folder gives ``[]``.

    Examples
    --------
    >>> import tempfile
    >>> from replication.store import run_dir, write_json
    >>> root = Path(tempfile.mkdtemp())
    >>> for seed, acc in ((1, 1.0), (2, 0.9), (3, 1.0)):
    ...     write_json(run_dir(root, "exp", "pa", seed) / "result.json",
    ...                {"seed": seed, "best_accuracy": {"AND": acc}})
    >>> [r["seed"] for r in perfect_networks(root / "exp", "pa", "AND")]
    [1, 3]
    >>> perfect_networks(root / "exp", "pcc", "AND")
    []
    """
    out = []
    if not Path(experiment_dir, treatment).is_dir():
        return out
    for rec in iter_runs(Path(experiment_dir, treatment)):
        if rec.result.get("best_accuracy", {}).get(goal) == 1.0:
            out.append({**rec.result, "_folder": str(rec.folder)})
    return out


def source_networks(experiment_dir, treatment: str, goal: str) -> list[dict]:
    """The starting networks: the perfect ``goal`` networks of ``treatment``'s own runs, then
    those of its additional source trials (``adapt/sources/<treatment>/``), in seed order.

    A seed present in both (the treatment's sample grew over seeds already used as source
    trials: the same protocol and seed, so the same network) counts once.

    Examples
    --------
    >>> import tempfile
    >>> from replication.store import run_dir, source_trial_dir, write_json
    >>> root = Path(tempfile.mkdtemp())
    >>> for seed, acc in ((1, 1.0), (2, 0.9)):
    ...     write_json(run_dir(root, "exp", "pa", seed) / "result.json", {"seed": seed, "best_accuracy": {"AND": acc}})
    >>> for seed, acc in ((3, 1.0), (4, 0.5), (5, 1.0)):
    ...     write_json(source_trial_dir(root, "exp", "pa", seed) / "result.json",
    ...                {"seed": seed, "best_accuracy": {"AND": acc}})
    >>> [r["seed"] for r in source_networks(root / "exp", "pa", "AND")]
    [1, 3, 5]
    """
    own = perfect_networks(experiment_dir, treatment, goal)
    seen = {r["seed"] for r in own}
    trials = source_trials_dir(experiment_dir, treatment)
    extra = [r for r in perfect_networks(trials.parent, treatment, goal) if r["seed"] not in seen]
    return sorted(own + extra, key=lambda r: r["seed"])


def trials_so_far(experiment_dir, treatment: str) -> list[int]:
    """Seeds of the finished runs of ``treatment``, its own and its source trials (sorted).

    Examples
    --------
    >>> import tempfile
    >>> from replication.store import run_dir, source_trial_dir, write_json
    >>> root = Path(tempfile.mkdtemp())
    >>> write_json(run_dir(root, "exp", "pa", 2) / "result.json", {"seed": 2})
    >>> write_json(source_trial_dir(root, "exp", "pa", 7) / "result.json", {"seed": 7})
    >>> trials_so_far(root / "exp", "pa"), trials_so_far(root / "exp", "pcc")
    ([2, 7], [])
    """
    seeds = set()
    for folder in (Path(experiment_dir, treatment), source_trials_dir(experiment_dir, treatment)):
        if folder.is_dir():
            seeds |= {rec.seed for rec in iter_runs(folder)}
    return sorted(seeds)


def plan_source_trials(protocol_path, runs_root, experiment: str, treatment: str, goal: str,
                       networks: int, max_trials: int = 1000) -> list[RunSpec]:
    """The next batch of additional trials of ``treatment`` needed for ``networks`` perfect
    ``goal`` networks; ``[]`` when there are enough (or ``max_trials`` trials were run).

    The paper's protocol (Clune et al. 2013, section 3: "We ran additional trials until 50
    P&CC and 50 PA trials each had a perfectly performing network"). Trials take the seeds
    after the largest seed run so far, in order, and the starting networks are the first
    ``networks`` perfect ones in seed order (:func:`source_networks`), so the set does not
    depend on how the trials were batched or parallelised. A batch is sized from the
    fraction of perfect runs so far (none to spare: a short batch is followed by a small one,
    cheaper than surplus trials), so two or three batches usually do.
    Trials go to ``<runs_root>/<experiment>/adapt/sources/<treatment>/seed-N/``.

    Examples
    --------
    >>> import tempfile
    >>> from replication.store import run_dir, write_json
    >>> root = Path(tempfile.mkdtemp())
    >>> for seed in range(1, 5):                      # 2 of 4 runs perfect
    ...     write_json(run_dir(root, "clune2013_retina", "pa", seed) / "result.json",
    ...                {"seed": seed, "best_accuracy": {"AND": 1.0 if seed % 2 else 0.9}})
    >>> specs = plan_source_trials("original_protocol/clune2013_retina.toml", root, "clune2013_retina",
    ...                            "pa", "AND", networks=5)
    >>> [s.seed for s in specs], Path(specs[0].folder).relative_to(root).as_posix()
    ([5, 6, 7, 8, 9, 10], 'clune2013_retina/adapt/sources/pa/seed-5')
    >>> plan_source_trials("original_protocol/clune2013_retina.toml", root, "clune2013_retina",
    ...                    "pa", "AND", networks=2)
    []
    """
    exp_dir = Path(runs_root) / experiment
    have = len(source_networks(exp_dir, treatment, goal))
    seeds = trials_so_far(exp_dir, treatment)
    budget = max_trials - len(seeds)
    if have >= networks or budget <= 0:
        return []
    rate = max(have, 1) / max(len(seeds), 1)
    batch = min(budget, max(1, math.ceil((networks - have) / rate)))
    first = (seeds[-1] + 1) if seeds else 1
    protocol = load_protocol(protocol_path, treatment, [])
    from .executor import RunSpec
    return [RunSpec.of(protocol, seed, source_trial_dir(runs_root, experiment, treatment, seed))
            for seed in range(first, first + batch)]


def plan_adaptation(protocol_path, runs_root, experiment: str, treatment: str, source_treatment: str,
                    from_goal: str, to_goal: str, replicates: int, max_generations: int,
                    networks: int | None = None) -> list[RunSpec]:
    """The adaptation runs: ``replicates`` runs of ``treatment`` on ``to_goal`` from each
    perfect ``from_goal`` network of ``source_treatment`` (the first ``networks`` of them in
    seed order, its source trials included: :func:`source_networks`).

    Run k from the network of seed n goes to
    ``<runs_root>/<experiment>/adapt/<treatment>-<from>-to-<to>/net-<n>/rep-<k>/`` with run seed k.

    Examples
    --------
    >>> import tempfile
    >>> from replication.store import run_dir, write_json
    >>> root = Path(tempfile.mkdtemp())
    >>> write_json(run_dir(root, "clune2013_retina", "pa", 4) / "result.json",
    ...            {"seed": 4, "genome": [0] * 121, "best_accuracy": {"AND": 1.0}})
    >>> specs = plan_adaptation("original_protocol/clune2013_retina.toml", root, "clune2013_retina",
    ...                         "pa", "pa", "AND", "OR", replicates=2, max_generations=100)
    >>> [(s.seed, Path(s.folder).relative_to(root).as_posix()) for s in specs]
    [(1, 'clune2013_retina/adapt/pa-AND-to-OR/net-4/rep-1'), (2, 'clune2013_retina/adapt/pa-AND-to-OR/net-4/rep-2')]
    """
    exp_dir = Path(runs_root) / experiment
    sources = source_networks(exp_dir, source_treatment, from_goal)[:networks]
    return adaptation_specs(protocol_path, exp_dir, treatment, sources, from_goal, to_goal, replicates,
                            max_generations)


def adaptation_specs(protocol_path, experiment_dir, treatment: str, sources: list[dict], from_goal: str,
                     to_goal: str, replicates: int, max_generations: int, overrides=()) -> list[RunSpec]:
    """``replicates`` adaptation runs of ``treatment`` on ``to_goal`` from each network of
    ``sources`` (``result.json`` dicts with ``seed``, ``genome`` and ``_folder``), with
    ``overrides`` (e.g. a multiverse reading's) applied before the adaptation's own.

    Run k from the network of seed n goes to
    ``<experiment_dir>/adapt/<treatment>-<from>-to-<to>/net-<n>/rep-<k>/`` with run seed k;
    ``experiment_dir`` is an experiment folder or a multiverse reading's folder.

    Examples
    --------
    >>> src = [{"seed": 3, "genome": [0] * 121, "_folder": "runs/x/pa/seed-3"}]
    >>> specs = adaptation_specs("original_protocol/clune2013_retina.toml", Path("mv"), "pa", src,
    ...                          "AND", "OR", 1, 50, overrides=[("network.output_rule", "non-negative-true")])
    >>> Path(specs[0].folder).as_posix(), specs[0].protocol().network.output_rule
    ('mv/adapt/pa-AND-to-OR/net-3/rep-1', 'non-negative-true')
    """
    from .executor import RunSpec
    exp_dir = Path(experiment_dir)
    specs = []
    for src in sources:
        protocol = load_protocol(protocol_path, treatment, list(overrides) + adaptation_overrides(
            src["genome"], src["_folder"], to_goal, max_generations))
        for k in range(1, replicates + 1):
            out = adaptation_run_dir(exp_dir.parent, exp_dir.name, f"{treatment}-{from_goal}-to-{to_goal}",
                                     src["seed"], k)
            specs.append(RunSpec.of(protocol, k, out, tuple(overrides)))
    return specs


def source_treatment_for(protocol_path, treatment: str, from_goal: str) -> str:
    """The treatment whose perfect networks an adaptation of ``treatment`` from ``from_goal``
    starts from: ``treatment`` itself when it evolves under the fixed goal ``from_goal``, else
    the treatment that differs from it only in evolving under that fixed goal (Clune et al.
    2013, Fig. 4a: P&CC networks evolved on L-OR-R adapt to L-AND-R with P&CC).

    Raises ValueError when the protocol has no such treatment.

    Examples
    --------
    >>> source_treatment_for("original_protocol/clune2013_retina.toml", "pcc", "AND")
    'pcc'
    >>> source_treatment_for("original_protocol/clune2013_retina.toml", "pcc", "OR")
    'pcc-or'
    """
    from .protocol import treatments_of

    def fixed_on(p, goal):
        return p.schedule.kind == "fixed" and tuple(p.schedule.goals) == (goal,)

    def rest(p):            # everything but the schedule and the treatment's own name/description
        return {k: v for k, v in p.resolved.items() if k not in ("schedule", "experiment")}
    mine = load_protocol(protocol_path, treatment)
    if fixed_on(mine, from_goal):
        return treatment
    for other in treatments_of(protocol_path):
        p = load_protocol(protocol_path, other)
        if fixed_on(p, from_goal) and rest(p) == rest(mine):
            return other
    raise ValueError(f"{protocol_path}: no treatment evolves {treatment}'s networks under the fixed goal "
                     f"{from_goal} (the sources of its adaptation from {from_goal})")
