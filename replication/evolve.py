"""The one generation loop: resume, schedule, assess, log, stop rule, advance, checkpoint, result.

A run is fully defined by (protocol, seed); the protocol already carries the treatment and
any ``--set`` overrides.  Every experiment, the Qmax calibration (``fitness.objective =
"modularity"``) and the 2013 adaptation runs (``[initial]`` genomes, ``run.stop =
"first-solution"``) go through :func:`evolve`.  The genome model (:mod:`.genomes`) and the
algorithm (:mod:`.algorithms`) are looked up from the protocol; the loop knows neither in
detail.

Files number nodes from 1 (``network.txt``, ``network.graphml``, ``output_node`` and node lists
in result.json); genomes and in-memory graphs use addresses from 0.

Each generation g: seed the ``generation`` stream for g -> the algorithm assesses the
population -> first-solution bookkeeping and the log row -> stop rule -> the algorithm
advances (selection, variation) -> optional trace -> checkpoint every
``run.checkpoint_every`` generations.  A run resumed from a checkpoint continues bit for bit
as an uninterrupted one would, and ``result.json`` is written last.  Where the algorithm
offers it (``algo.stretch``: the 2005 elite scheme over NAND circuits or retina threshold
networks), the generations between the loop's bookkeeping events run as stretches in numba
(:mod:`.fused`): the same draws, populations and log rows, without a Python step per
generation.  The 2013 NSGA-II runs each generation as one numba call
(:func:`.fused.nsga2_generation_2013`), with the same results.

Stop rules (``run.stop``): ``never`` (run ``max_generations``), ``all-goals-solved`` (every
goal of the schedule has been solved once), ``first-solution`` (a solved individual for the
goal in force), ``sustained`` (MVG: ``run.sustained_epochs`` consecutive epochs re-solved after
every goal was solved; the run ends with that epoch, just before a switch); each then runs
``post_solution_generations`` more.  MVG runs record :class:`Readaptation` in result.json.

Examples
--------
>>> import tempfile
>>> from replication.protocol import load_protocol
>>> p = load_protocol("original_protocol/ka2005_logic.toml", "mvg", [("run.max_generations", 30)])
>>> with tempfile.TemporaryDirectory() as d:
...     result = evolve(p, seed=1, out_dir=d)
>>> result["generations_run"], sorted(result["best_accuracy"])
(30, ['G1', 'G2'])
"""
from __future__ import annotations

import time

import numpy as np

from ._version import __version__
from .algorithms import make_algorithm
from .genomes import genome_model
from .rng import derive, seed_numba
from .store import RunStore
from .tasks import schedule_from


def _trace(protocol, model, genome, gen, trace, seed) -> list:
    """Q (the protocol's recipe) and Qrand of one genome, every ``trace.q_every`` generations."""
    if gen % trace.q_every:
        return ["", ""]
    import dataclasses
    from .modularity import apply_recipe, recipe_from_protocol
    graph = model.modularity_graph(genome, protocol)
    if graph.number_of_edges() < 2:
        return [0.0, ""]
    # the protocol's Q recipe, with the trace's own number of randomisations and no Qmax
    recipe = dataclasses.replace(recipe_from_protocol(protocol), qrand_method="swap",
                                 qrand_samples=trace.qrand_samples, qmax_method=None)
    rep = apply_recipe(graph, recipe, seed=derive(seed, "trace", gen))
    return [rep.q, rep.q_rand]


def _initial_genome(protocol, model, seed: int):
    """The ``[initial]`` genome this run starts from (genome (seed - 1) mod their number), or None."""
    initial = protocol.sections.get("initial")
    if initial is None:
        return None
    return np.asarray(initial.genomes[(seed - 1) % len(initial.genomes)], model.gene_dtype)


class Readaptation:
    """Re-adaptation after goal switches (MVG): for every epoch that starts after every goal was
    solved once, the generations into the epoch until a solved individual for the new goal
    appears (None if none does within the epoch).

    Kashtan & Alon (2005): "every time the goal switched the population was able to reach a
    perfect solution within about five generations and remained perfect until the next switch".

    Examples
    --------
    >>> r = Readaptation(epoch=20)
    >>> for gen in range(100):            # all goals solved at 30; re-solved 3 generations into each epoch
    ...     r.update(gen, all_solved_at=30 if gen >= 30 else None, n_solved=int(gen % 20 >= 3))
    >>> r.summary(last_generation=99)
    {'epochs': 3, 'resolved': 3, 'median_generations': 3.0, 'generations': [3, 3, 3]}
    """

    def __init__(self, epoch: int, records=None):
        self.epoch = epoch
        self.records = [list(r) for r in records or []]      # [epoch start, generations or None]

    def update(self, gen: int, all_solved_at, n_solved: int) -> None:
        if all_solved_at is None:
            return
        if gen % self.epoch == 0 and gen > all_solved_at:
            self.records.append([gen, None])
        if n_solved and self.records and self.records[-1][1] is None and gen < self.records[-1][0] + self.epoch:
            self.records[-1][1] = gen - self.records[-1][0]

    def streak(self) -> int:
        """Consecutive re-solved epochs, ending with the current one."""
        k = 0
        for _, g in reversed(self.records):
            if g is None:
                break
            k += 1
        return k

    def epoch_end(self) -> int:
        """Last generation of the current epoch."""
        return self.records[-1][0] + self.epoch - 1

    def summary(self, last_generation: int) -> dict:
        """Counted epochs: those that ended by ``last_generation`` or were re-solved before it."""
        counted = [g for start, g in self.records if g is not None or start + self.epoch - 1 <= last_generation]
        done = [g for g in counted if g is not None]
        return {"epochs": len(counted), "resolved": len(done),
                "median_generations": float(np.median(done)) if done else None, "generations": counted}


def _stop_fires(run, solved: dict, n_solved: int) -> bool:
    if run.stop == "all-goals-solved":
        return all(v is not None for v in solved.values())
    if run.stop == "first-solution":
        return n_solved > 0
    return False


def _bookkeeping(gen: int, goal: str, n_solved: int, solved: dict, readapt, run, stop_at):
    """One assessed generation's effect on the run's record: first solution of the goal in
    force, the MVG re-adaptation record, and the stop rule; returns the (new) stop generation."""
    if n_solved and solved[goal] is None:
        solved[goal] = gen
    if readapt is not None:
        readapt.update(gen, _all_solved_at(solved), n_solved)
    if stop_at is None and _stop_fires(run, solved, n_solved):
        stop_at = gen + run.post_solution_generations
    if (stop_at is None and run.stop == "sustained" and readapt is not None
            and readapt.streak() >= run.sustained_epochs):
        stop_at = readapt.epoch_end() + run.post_solution_generations
    return stop_at


def _all_solved_at(solved: dict):
    return max(solved.values()) if all(v is not None for v in solved.values()) else None


#: Run stretches of generations in numba where the algorithm offers it (``algo.stretch``), and
#: the 2013 generation as one numba call (``algo.fused``); the results are identical either way
#: (the benchmark turns it off to measure the step-by-step loop).
FUSED = True
#: The most generations one stretch runs (bounds the log arrays; a stretch is ~0.1 s at most).
MAX_STRETCH = 1000


def _stretch_end(gen: int, run, stop_at, halt_after) -> int:
    """The first generation a stretch from ``gen`` must not run: the last generation, the stop
    generation and the next checkpoint or halt are run (or taken) by the loop itself."""
    end = min(run.max_generations - 1, (gen // run.checkpoint_every + 1) * run.checkpoint_every,
              gen + MAX_STRETCH)
    if stop_at is not None:
        end = min(end, stop_at)
    if halt_after is not None:
        end = min(end, halt_after)
    return end


def _watch(goals, solved, run, stop_at, readapt) -> dict:
    """What the loop's bookkeeping needs to see (see :meth:`Ka2005Algorithm.stretch`): a first
    solution of a goal (or any solution under the ``first-solution`` rule), every epoch start
    once the MVG re-adaptation record runs, and a solution in its unresolved epoch."""
    first = run.stop == "first-solution" and stop_at is None
    readapt_epoch, watch_until = 0, -1
    if readapt is not None and _all_solved_at(solved) is not None:
        readapt_epoch = readapt.epoch
        if readapt.records and readapt.records[-1][1] is None:
            watch_until = readapt.records[-1][0] + readapt.epoch
    return {"needs_solved": [first or solved[g] is None for g in goals],
            "readapt_epoch": readapt_epoch, "watch_until": watch_until}


def evolve(protocol, seed: int, out_dir, overrides=(), halt_after: int | None = None,
           progress=None) -> dict | None:
    """Run (or resume, or return the finished result of) one run; returns result.json's content.

    Parameters
    ----------
    protocol : Protocol
        The resolved protocol (treatment and overrides applied).
    seed : int
        The run seed; every random stream derives from it (:mod:`.rng`).
    out_dir : path
        The run folder (see :mod:`.store`).
    overrides : sequence of (key, value)
        Recorded in run.json (they are already part of ``protocol``).
    halt_after : int, optional
        Stop abruptly after that many generations without any clean-up, as a kill would
        (tests use it); returns None then.
    progress : callable(generation, max_generations), optional
        Called after every generation.

    The one generation loop of the package: the genome model (:mod:`.genomes`) and the
    algorithm step (:mod:`.algorithms`: the elite scheme of Kashtan & Alon 2005 or the
    stochastic NSGA-II of Clune, Mouret & Lipson 2013) come from the protocol; the loop
    schedules goals, logs, checkpoints and applies the stop rule.

    Examples
    --------
    A run halted after 3 generations and resumed is identical to an uninterrupted one:

    >>> import tempfile
    >>> from pathlib import Path
    >>> from replication.protocol import load_protocol
    >>> small = [("selection.population", 20), ("selection.elite", 6),
    ...          ("run.max_generations", 6), ("run.checkpoint_every", 2)]
    >>> p = load_protocol("original_protocol/ka2005_logic.toml", "mvg", small)
    >>> root = Path(tempfile.mkdtemp())
    >>> a = evolve(p, 1, root / "a")
    >>> evolve(p, 1, root / "b", halt_after=3) is None
    True
    >>> b = evolve(p, 1, root / "b")
    >>> a["generations_run"], {**a, "wall_seconds": 0} == {**b, "wall_seconds": 0}
    (6, True)
    >>> (root / "a" / "log.csv").read_bytes() == (root / "b" / "log.csv").read_bytes()
    True
    """
    store = RunStore(out_dir)
    store.prepare(protocol, seed, overrides)
    if store.finished:
        return store.result()
    started = time.perf_counter()
    model = genome_model(protocol)
    model.start_run(seed)
    schedule = schedule_from(protocol)
    goals = list(dict.fromkeys(schedule.goals))
    algo = make_algorithm(protocol, model, goals, seed)
    if not FUSED and hasattr(algo, "fused"):
        algo.fused = False                  # the 2013 generation step by step too
    run = protocol.run
    n = protocol.selection.population

    loaded = store.load()
    if loaded is None:
        gen = 0
        seed_numba(seed, "init")
        start = _initial_genome(protocol, model, seed)
        pop = model.random(n) if start is None else np.repeat(start[None, :], n, axis=0)
        state = algo.initial(pop)
        solved = {g: None for g in goals}
        stop_at = None
        elapsed_before = 0.0
        records = []
    else:
        gen, arrays, saved = loaded
        state = dict(arrays)
        solved = saved["solved"]
        stop_at = saved.get("stop_at")
        elapsed_before = saved.get("elapsed", 0.0)
        records = saved.get("readaptation", [])
    mvg = schedule.kind == "mvg"
    readapt = Readaptation(schedule.epoch, records) if mvg else None

    trace = protocol.sections.get("trace")
    header = ["generation", "goal"] + algo.log_header() + (["q_best", "qrand_best"] if trace else [])
    rows: list = []

    def checkpoint(next_gen):
        store.save(next_gen, {k: v for k, v in state.items() if v is not None},
                   {"solved": solved, "stop_at": stop_at,
                    "elapsed": elapsed_before + time.perf_counter() - started,
                    **({"readaptation": readapt.records} if mvg else {})}, header, rows)
        rows.clear()

    stretch = getattr(algo, "stretch", None) if FUSED and not trace else None
    resume_at = -1
    while True:
        if stretch is not None:
            end = _stretch_end(gen, run, stop_at, halt_after)
            if resume_at == gen:
                end = max(end, gen + 1)       # the event generation is run on (advanced) in any case
            done = (stretch(gen, end, state, _watch(goals, solved, run, stop_at, readapt), resume_at)
                    if end > gen else None)
            if done is not None:
                ran_to, done_rows, event = done
                for g, values in done_rows:
                    if g != resume_at:            # the event generation's row is already logged
                        rows.append([g, schedule.goal_at(g)] + values)
                resume_at = -1
                if ran_to > gen:
                    gen = ran_to
                    if progress is not None:
                        progress(gen, run.max_generations)
                    if gen % run.checkpoint_every == 0:
                        checkpoint(gen)
                    if halt_after is not None and gen >= halt_after:
                        return None
                if event is None:
                    continue
                # generation `gen` was assessed in numba and needs the bookkeeping below
                n_solved, values = event
                goal = schedule.goal_at(gen)
                if algo.logs_generation(gen):
                    rows.append([gen, goal] + values)
                stop_at = _bookkeeping(gen, goal, n_solved, solved, readapt, run, stop_at)
                if (stop_at is not None and gen >= stop_at) or gen + 1 >= run.max_generations:
                    seed_numba(seed, "generation", gen)      # the last generation, as an Assessment
                    a = algo.assess(gen, goals.index(goal), state)
                    break
                resume_at = gen                              # run on from it without stopping
                continue
        seed_numba(seed, "generation", gen)
        goal = schedule.goal_at(gen)
        gi = goals.index(goal)
        a = algo.assess(gen, gi, state)
        logged = algo.logs_generation(gen)
        if logged:
            rows.append([gen, goal] + algo.log_row(gen, gi, a))
            traced = a.population[int(np.argmax(a.score))].copy() if trace else None
        stop_at = _bookkeeping(gen, goal, a.n_solved, solved, readapt, run, stop_at)
        if (stop_at is not None and gen >= stop_at) or gen + 1 >= run.max_generations:
            if trace and logged:
                rows[-1] += _trace(protocol, model, traced, gen, trace, seed)
            break
        algo.advance(a, state)
        if trace and logged:
            # after this generation's draws: the trace's own randomness cannot shift the run
            rows[-1] += _trace(protocol, model, traced, gen, trace, seed)
        gen += 1
        if progress is not None:
            progress(gen, run.max_generations)
        if gen % run.checkpoint_every == 0:
            checkpoint(gen)
        if halt_after is not None and gen >= halt_after:
            return None

    store.append_log(header, rows)
    best = algo.best(a, seed)
    genome = a.population[best]
    solved_all = _all_solved_at(solved)
    result = {
        "experiment": protocol.name,
        "treatment": protocol.treatment,
        "seed": int(seed),
        "protocol_digest": protocol.digest,
        "version": __version__,
        "generations_run": gen + 1,
        "final_goal": goal,
        "solved_generation": solved_all,
        "solved_generation_by_goal": solved,
        "best_accuracy": {g: int(a.correct[best, k]) / model.n_rows for k, g in enumerate(goals)},
        "wall_seconds": round(elapsed_before + time.perf_counter() - started, 3),
        **({"readaptation": readapt.summary(gen)} if mvg else {}),
        **algo.result_fields(a, best),
        **model.describe(genome, a.evaluation, best),
    }
    result["output_node"] = model.output_node(genome) + 1
    _write_graphml(store, model.to_networkx(genome), protocol, seed)
    # mfinder refuses self-loops: the network files leave them out (the genome keeps them)
    store.write_result(result, [(u + 1, v + 1) for u, v in model.edges(genome) if u != v])
    return result


def _write_graphml(store, graph, protocol, seed: int) -> None:
    """network.graphml: the network of network.txt (nodes numbered from 1, no self-loops) with node
    attributes kind, layer, label, output and address (from 0), and the run's identity."""
    import networkx as nx
    from .store import write_atomic
    g = nx.relabel_nodes(graph, {v: int(v) + 1 for v in graph})
    g.remove_edges_from(list(nx.selfloop_edges(g)))
    g.graph.update(experiment=protocol.name, treatment=protocol.treatment, seed=int(seed), kind=protocol.kind)
    for v, data in g.nodes(data=True):
        data.setdefault("output", False)
        data["address"] = v - 1
    write_atomic(store.path / "network.graphml", "\n".join(nx.generate_graphml(g)) + "\n")
