"""The generation loop: goal -> evaluate -> log -> select -> vary, with checkpoints.

A run is fully defined by (protocol, seed).  The random stream of generation ``g`` is
seeded from (seed, g), so a run resumed from a checkpoint continues bit for bit as an
uninterrupted one would, and results never depend on how many workers ran.
"""
from __future__ import annotations

import time

import numpy as np
from numba import njit

from . import __version__
from .selection import ka2005
from .store import RunStore
from .tasks import schedule_from

_MASK64 = (1 << 64) - 1
INIT_STREAM = -1          # the initial population's random stream


def stream_seed(seed: int, generation: int) -> int:
    """A 32-bit seed for (run seed, generation), via the splitmix64 finaliser."""
    x = (int(seed) * 0x9E3779B97F4A7C15 + (int(generation) & _MASK64) * 0xD1B54A32D192ED03
         + 0x94D049BB133111EB) & _MASK64
    x ^= x >> 30
    x = (x * 0xBF58476D1CE4E5B9) & _MASK64
    x ^= x >> 27
    x = (x * 0x94D049BB133111EB) & _MASK64
    x ^= x >> 31
    return x & 0xFFFFFFFF


@njit(cache=True)
def _seed_numba(s):
    np.random.seed(s)


def seed_stream(seed: int, generation: int) -> None:
    """Seed numba's generator (used by every kernel) for this (run, generation)."""
    _seed_numba(stream_seed(seed, generation))


def make_model(protocol):
    if protocol.kind == "circuits":
        from .circuits import CircuitModel
        return CircuitModel(protocol)
    if protocol.kind == "retina2005":
        from .networks import Retina2005Model
        return Retina2005Model(protocol)
    if protocol.kind == "retina2013":
        from .retina2013 import Retina2013Model
        return Retina2013Model(protocol)
    raise ValueError(f"no genome module for experiment kind {protocol.kind!r}")


def _trace(protocol, model, genome, gen, trace, seed) -> list:
    """Q (the protocol's recipe) and Qrand of one genome, every ``trace.q_every`` generations."""
    if gen % trace.q_every:
        return ["", ""]
    from .modularity import analyse_graph
    mod = protocol.modularity
    graph = model.modularity_graph(genome, protocol)
    if graph.number_of_edges() < 2:
        return [0.0, ""]
    rep = analyse_graph(graph, method=mod.method, directed=mod.directed, qrand_samples=trace.qrand_samples,
                        swaps_per_edge=mod.qrand_swaps_per_edge, seed=stream_seed(seed, gen))
    return [rep.q, rep.q_rand]


def evolve(protocol, seed: int, out_dir, overrides=(), halt_after: int | None = None,
           progress=None) -> dict | None:
    """Run (or resume, or return the finished result of) one run; returns result.json's content.

    ``halt_after``: stop abruptly after that many generations without any clean-up, as a
    kill would (tests use it); returns None then.
    ``progress``: optional callable(generation, max_generations).
    """
    if protocol.selection.scheme == "nsga2":
        from .evolve_nsga2 import evolve_nsga2
        return evolve_nsga2(protocol, seed, out_dir, overrides, halt_after, progress)
    store = RunStore(out_dir)
    store.prepare(protocol, seed, overrides)
    if store.finished:
        return store.result()
    started = time.perf_counter()
    model = make_model(protocol)
    model.set_run_seed(seed)
    schedule = schedule_from(protocol)
    goals = list(dict.fromkeys(schedule.goals))
    targets = {g: model.target(protocol.goals[g]) for g in goals}
    n_rows = model.n_rows
    sel, run = protocol.selection, protocol.run
    random_ties = sel.tie_break == "random"
    by_fitness = run.solved_when == "fitness"
    threshold = run.solved_threshold

    loaded = store.load()
    if loaded is None:
        gen = 0
        seed_stream(seed, INIT_STREAM)
        pop = model.random(sel.population)
        initial = protocol.sections.get("initial")
        if initial is not None:
            start = np.asarray(initial.genomes[(seed - 1) % len(initial.genomes)], pop.dtype)
            pop[:] = start[None, :]
        solved = {g: None for g in goals}
        stop_at = None
        elapsed_before = 0.0
    else:
        gen, arrays, state = loaded
        pop = arrays["population"]
        solved = state["solved"]
        stop_at = state["stop_at"]
        elapsed_before = state.get("elapsed", 0.0)

    trace = protocol.sections.get("trace")
    header = (["generation", "goal", "best_fitness", "mean_fitness", "n_solved"]
              + [f"best_accuracy_{g}" for g in goals] + (["q_best", "qrand_best"] if trace else []))
    rows: list = []

    def checkpoint(next_gen):
        store.save(next_gen, {"population": pop},
                   {"solved": solved, "stop_at": stop_at,
                    "elapsed": elapsed_before + time.perf_counter() - started}, header, rows)
        rows.clear()

    final = None
    while True:
        seed_stream(seed, gen)
        goal = schedule.goal_at(gen)
        evaluation = model.evaluate(pop)
        correct = {g: model.score(evaluation, targets[g]) for g in goals}
        fitness = model.fitness(evaluation, correct[goal], targets[goal])
        solved_now = (fitness if by_fitness else correct[goal] / n_rows) >= threshold
        n_perfect = int(np.count_nonzero(solved_now))
        if n_perfect and solved[goal] is None:
            solved[goal] = gen
        if gen % run.log_every == 0:
            rows.append([gen, goal, float(fitness.max()), float(fitness.mean()), n_perfect]
                        + [int(correct[g].max()) / n_rows for g in goals])
            traced = pop[int(np.argmax(fitness))].copy() if trace else None
        if (stop_at is None and run.stop == "all-goals-solved"
                and all(v is not None for v in solved.values())):
            stop_at = gen + run.post_solution_generations
        if (stop_at is not None and gen >= stop_at) or gen + 1 >= run.max_generations:
            final = (gen, goal, evaluation, correct, fitness, solved_now)
            if trace and gen % run.log_every == 0:
                rows[-1] += _trace(protocol, model, traced, gen, trace, seed)
            break
        parents, may_vary = ka2005.select(fitness, sel.elite, random_ties)
        pop = pop[parents]
        model.vary(pop, may_vary)
        if trace and gen % run.log_every == 0:
            # after this generation's draws: the trace's own randomness cannot shift the run
            rows[-1] += _trace(protocol, model, traced, gen, trace, seed)
        gen += 1
        if progress is not None:
            progress(gen, run.max_generations)
        if gen % run.checkpoint_every == 0:
            checkpoint(gen)
        if halt_after is not None and gen >= halt_after:
            return None

    gen, goal, evaluation, correct, fitness, solved_now = final
    n_perfect = int(np.count_nonzero(solved_now))
    # the fittest solved individual if there is one, else the fittest; first index on ties
    best = int(np.argmax(np.where(solved_now, fitness, -np.inf) if n_perfect else fitness))
    genome = pop[best]
    store.append_log(header, rows)
    solved_all = (max(solved.values()) if all(v is not None for v in solved.values()) else None)
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
        "best_fitness": float(fitness[best]),
        "best_accuracy": {g: int(correct[g][best]) / n_rows for g in goals},
        "n_solved_final": n_perfect,
        "wall_seconds": round(elapsed_before + time.perf_counter() - started, 3),
        **model.describe(genome, evaluation, best),
    }
    edges = [(a + 1, b + 1) for a, b in model.edges(genome)]
    store.write_result(result, edges)
    return result
