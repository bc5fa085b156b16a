"""The (mu + lambda) NSGA-II loop of Clune et al. (2013), with the same run store as evolve.py.

Each generation: N parents chosen by tournaments -> N mutated copies (no crossover, as in
the authors' code) -> evaluated -> parents + children ranked by stochastic non-dominated
sorting -> N survivors.  Objectives: performance on the current goal (always compared)
and, unless PA, minus the connection cost (or a random value, P&RO), compared with
probability ``objectives.pressure``.  Randomness per generation from (seed, generation), so
runs resume bit-identically.
"""
from __future__ import annotations

import time

import numpy as np
from numba import njit

from . import __version__
from .evolve import INIT_STREAM, seed_stream
from .selection import nsga2
from .store import RunStore
from .tasks import schedule_from


@njit(cache=True)
def _uniform(n):
    """Uniform numbers from numba's generator (the one seed_stream seeds)."""
    return np.random.random(n)


@njit(cache=True)
def _randint(n):
    return np.random.randint(0, n)


class _Objectives:
    """Evaluation of genomes into stored values: correct answers per goal and the cost."""

    def __init__(self, protocol, model, seed: int):
        self.model = model
        self.kind = protocol.objectives.cost
        self.xs = None
        if protocol.objectives.randomize_input_x:
            rng = np.random.default_rng([seed, 0x7A5D])          # once per run (RANDCOORDS)
            self.xs = model.xs.copy()
            r = protocol.objectives.random_input_range
            self.xs[:8] = rng.uniform(-r, r, 8)

    def __call__(self, genomes, targets):
        correct, _ = self.model.evaluate(genomes, targets)
        if self.kind in ("length-optimal", "length-fixed", "connections"):
            cost = self.model.costs(genomes, self.kind, self.xs)
        elif self.kind == "random":
            cost = -_uniform(len(genomes))       # maximised random objective: store its negative
        else:
            cost = np.zeros(len(genomes))
        return correct, cost


def evolve_nsga2(protocol, seed: int, out_dir, overrides=(), halt_after=None, progress=None,
                 initial_genome=None, stop_when_solved: bool = False):
    """One run (see module doc). ``initial_genome``: clone it into the whole initial population
    (the adaptation experiment); ``stop_when_solved``: stop at the first perfect network."""
    from .retina2013 import Retina2013Model
    store = RunStore(out_dir)
    store.prepare(protocol, seed, overrides)
    if store.finished:
        return store.result()
    started = time.perf_counter()
    model = Retina2013Model(protocol)
    objectives = _Objectives(protocol, model, seed)
    schedule = schedule_from(protocol)
    goals = list(dict.fromkeys(schedule.goals))
    targets = np.stack([model.target_bits(protocol.goals[g]) for g in goals])
    n = protocol.selection.population
    p = protocol.objectives.pressure
    n_obj = 1 if protocol.objectives.cost == "none" else 2
    run = protocol.run
    ana = protocol.analysis

    loaded = store.load()
    if loaded is None:
        gen = 0
        seed_stream(seed, INIT_STREAM)
        pop = (np.repeat(np.asarray(initial_genome, np.int8)[None, :], n, axis=0)
               if initial_genome is not None else model.random(n))
        correct, cost = objectives(pop, targets)
        crowd = None
        solved = {g: None for g in goals}
        elapsed_before = 0.0
    else:
        gen, arrays, state = loaded
        pop, correct, cost, crowd = arrays["population"], arrays["correct"], arrays["cost"], arrays["crowd"]
        solved = state["solved"]
        elapsed_before = state.get("elapsed", 0.0)

    header = (["generation", "goal", "best_performance", "mean_performance", "n_solved",
               "best_cost", "median_cost", "q_best"] + [f"best_accuracy_{g}" for g in goals])
    rows: list = []

    def checkpoint(next_gen):
        store.save(next_gen, {"population": pop, "correct": correct, "cost": cost, "crowd": crowd},
                   {"solved": solved, "elapsed": elapsed_before + time.perf_counter() - started},
                   header, rows)
        rows.clear()

    while gen < run.max_generations:
        seed_stream(seed, gen)
        gi = schedule.index_at(gen)
        f0 = correct[:, gi] / 256.0
        f1 = -cost
        if crowd is None:                       # first generation: rank the initial population
            order, crowd = nsga2.survivors(f0, f1, p, n_obj, n)
            pop, correct, cost, f0, f1 = pop[order], correct[order], cost[order], f0[order], f1[order]
        parents = nsga2.tournament_parents(f0, f1, crowd, p, n_obj)
        children = pop[parents]
        model.mutate(children)
        c_correct, c_cost = objectives(children, targets)
        all_pop = np.concatenate([pop, children])
        all_correct = np.concatenate([correct, c_correct])
        all_cost = np.concatenate([cost, c_cost])
        keep, crowd = nsga2.survivors(all_correct[:, gi] / 256.0, -all_cost, p, n_obj, n)
        pop, correct, cost = all_pop[keep], all_correct[keep], all_cost[keep]
        perf = correct[:, gi] / 256.0
        n_solved = int(np.count_nonzero(perf >= run.solved_threshold))
        if n_solved and solved[goals[gi]] is None:
            solved[goals[gi]] = gen
        if gen % run.log_every == 0 or gen + 1 == run.max_generations:
            best = int(np.argmax(perf))
            q_best = (_partition(model, pop[best], ana)[1] if gen % ana.q_every == 0 else "")
            rows.append([gen, goals[gi], float(perf.max()), float(perf.mean()), n_solved,
                         float(cost[best]), float(np.median(cost)), q_best]
                        + [int(correct[:, k].max()) / 256 for k in range(len(goals))])
        gen += 1
        if progress is not None:
            progress(gen, run.max_generations)
        if stop_when_solved and n_solved:
            break
        if gen % run.checkpoint_every == 0:
            checkpoint(gen)
        if halt_after is not None and gen >= halt_after:
            return None

    store.append_log(header, rows)
    gi = schedule.index_at(gen - 1)
    perf = correct[:, gi] / 256.0
    # the highest-performing network, ties broken at random (seeded), as in the paper
    seed_stream(seed, run.max_generations + 1)
    ties = np.flatnonzero(perf == perf.max())
    best = int(ties[_randint(len(ties))])
    genome = pop[best]
    result = {
        "experiment": protocol.name, "treatment": protocol.treatment, "seed": int(seed),
        "protocol_digest": protocol.digest, "version": __version__,
        "generations_run": gen, "final_goal": goals[gi],
        "solved_generation": (max(solved.values()) if all(v is not None for v in solved.values()) else None),
        "solved_generation_by_goal": solved,
        "performance": float(perf[best]),
        "best_accuracy": {g: int(correct[best, k]) / 256 for k, g in enumerate(goals)},
        "wall_seconds": round(elapsed_before + time.perf_counter() - started, 3),
        **describe_2013(model, genome, ana),
    }
    store.write_result(result, [(a + 1, b + 1) for a, b in model.edges(genome)])
    return result


def _partition(model, genome, ana):
    """(simplified network, Q, modules) with the analysis recipe; Q = 0 without edges."""
    from .modularity import best_partition
    g = model.to_networkx(genome)
    if g.number_of_edges() == 0:
        return g, 0.0, []
    q, parts = best_partition(g, ana.q_method, ana.q_directed)
    return g, float(q), parts


def describe_2013(model, genome, ana) -> dict:
    """Q (authors' recipe), cost, connections, left/right split and sub-solutions of a network."""
    from .modularity import adjacency, spectral_first_split
    g, q, parts = _partition(model, genome, ana)
    nodes, a = adjacency(g, True)
    split = spectral_first_split(a) if g.number_of_edges() else np.zeros(0)
    side = {v: s for v, s in zip(nodes, split)}
    counts = [[sum(1 for v in group if side.get(v) == s) for group in (range(4), range(4, 8))]
              for s in (1, -1)]
    lr = abs(counts[0][0] - counts[0][1]) + abs(counts[1][0] - counts[1][1])
    subs = model.sub_solutions(genome)
    return {
        "q": q, "partition": [[int(v) for v in c] for c in parts],
        "cost": float(model.costs(np.asarray(genome)[None, :], "length-optimal")[0]),
        "n_connections": g.number_of_edges(),
        "left_right_split": bool(lr == 8),
        "sub_solutions": subs,
        "sub_solution_pair": bool(subs["left"] and subs["right"]),
        "genome": [int(v) for v in genome],
    }
