"""Throughput benchmarks, reported as ratios against a plain reference timed in the same run.

Absolute numbers on a shared machine are noisy; a ratio measured in one process is not.
"""
from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np

from .catalog import protocol_dir

PROTOCOLS = protocol_dir()


def _best_time(fn, repeat: int = 5, number: int = 1) -> float:
    """Best of ``repeat`` timings of ``number`` calls, per call (seconds)."""
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, (time.perf_counter() - t) / number)
    return best


def _run_seconds(proto, seed: int, fused: bool = True, cpu: bool = False) -> float:
    """Wall time (or this process's CPU time) of one run in a throw-away folder, with or
    without the fused stretches.  On a shared machine CPU time is the steadier estimate of
    what one free core would do."""
    from . import evolve as loop
    before = loop.FUSED
    loop.FUSED = fused
    clock = time.process_time if cpu else time.perf_counter
    try:
        with tempfile.TemporaryDirectory() as tmp:
            t = clock()
            loop.evolve(proto, seed, Path(tmp) / "run")
            return clock() - t
    finally:
        loop.FUSED = before


def load_average() -> float:
    """The 1-minute load average (what else ran while measuring), or NaN where unknown.

    Recorded beside every benchmark: on a shared machine a high load explains slow numbers.

    Examples
    --------
    >>> import math
    >>> la = load_average()
    >>> math.isnan(la) or la >= 0.0
    True
    """
    import os
    try:
        return os.getloadavg()[0]
    except OSError:
        return float("nan")


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (MB; Linux reports KiB).

    Examples
    --------
    >>> before = peak_rss_mb()
    >>> block = np.ones(40_000_000 // 8)         # 40 MB, written
    >>> after = peak_rss_mb()
    >>> before > 10, after >= before              # a peak never goes down
    (True, True)
    """
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def bench_circuits(population: int = 1000, generations: int = 2000) -> dict:
    """The 2005 logic loop at population S: evaluation alone (random and evolved circuits),
    the plain-Python evaluation, and generations/s of the same run done step by step (one
    Python step per generation) and in fused numba stretches, all measured in this process.

    ``loop_time_over_eval_time`` compares a generation of the loop with one full evaluation of
    an evolved population (the fused loop evaluates only changed circuits, so it can be < 1).

    Protocol: ``original_protocol/ka2005_logic.toml`` (Kashtan & Alon 2005), treatment
    ``fixed-g1``, run for ``generations`` without stopping.  Times are best-of-several in
    this process; the ratios are the numbers to compare between machines.

    Examples
    --------
    A tiny call (the real one is S = 1000 for 2000 generations: minutes):

    >>> r = bench_circuits(population=4, generations=2)
    >>> r["population"], r["loop_generations"]
    (4, 2)
    >>> bool(np.isclose(r["speedup_eval_vs_python_random"],
    ...                 r["python_us_per_circuit"] * 1e3 / r["eval_ns_per_circuit_random"]))
    True
    """
    from .genomes import genome_model as make_model
    from .genomes.nand_circuit import python_reference_output
    from .rng import seed_numba
    from .protocol import load_protocol

    path = PROTOCOLS / "ka2005_logic.toml"
    elite = min(300, population // 2)
    proto = load_protocol(path, "fixed-g1", [("selection.population", population),
                                             ("selection.elite", elite),
                                             ("run.stop", "never"),
                                             ("run.max_generations", generations),
                                             ("run.checkpoint_every", 10 ** 9)])
    model = make_model(proto)
    seed_numba(0, "generation", 0)
    random_pop = model.random(population)
    targets = model.targets([proto.goals["G1"]])
    with tempfile.TemporaryDirectory() as tmp:      # an evolved population: mostly feed-forward
        from .evolve import evolve
        warm = load_protocol(path, "mvg", [("selection.population", population),
                                           ("selection.elite", elite),
                                           ("run.stop", "never"), ("run.max_generations", 400)])
        evolve(warm, 1, Path(tmp) / "warm")          # also compiles every kernel
        from .store import read_json
        evolved_genome = np.array(read_json(Path(tmp) / "warm" / "result.json")["genome"], np.int16)
    evolved_pop = np.repeat(evolved_genome[None, :], population, axis=0)
    short = load_protocol(path, "fixed-g1", [("selection.population", population), ("selection.elite", elite),
                                             ("run.stop", "never"), ("run.max_generations", 20)])
    _run_seconds(short, 1, fused=False)              # compile both loops
    _run_seconds(short, 1, fused=True)

    t_eval_random = _best_time(lambda: model.evaluate(random_pop, targets), number=20) / population
    t_eval_evolved = _best_time(lambda: model.evaluate(evolved_pop, targets), number=20) / population
    sample = [list(map(int, g)) for g in random_pop[:40]]
    c = proto.circuit
    t_python = _best_time(lambda: [python_reference_output(g, c.n_inputs, c.n_gates, c.feedback_sweeps,
                                                           c.initial_state) for g in sample],
                          repeat=3) / len(sample)

    step = min(_run_seconds(proto, 7, fused=False) for _ in range(2))
    loop = min(_run_seconds(proto, 7, fused=True) for _ in range(2))
    step_cpu = _run_seconds(proto, 7, fused=False, cpu=True)
    loop_cpu = _run_seconds(proto, 7, fused=True, cpu=True)
    gens_per_s = generations / loop
    return {
        "population": population,
        "eval_ns_per_circuit_random": t_eval_random * 1e9,
        "eval_ns_per_circuit_evolved": t_eval_evolved * 1e9,
        "python_us_per_circuit": t_python * 1e6,
        "speedup_eval_vs_python_random": t_python / t_eval_random,
        "circuit_evals_per_s_random": 1.0 / t_eval_random,
        "eval_only_generations_per_s_evolved": 1.0 / (t_eval_evolved * population),
        "loop_generations_per_s": gens_per_s,
        "step_loop_generations_per_s": generations / step,
        "speedup_fused_vs_step_loop": step / loop,
        "loop_generations_per_cpu_s": generations / loop_cpu,
        "step_loop_generations_per_cpu_s": generations / step_cpu,
        "loop_generations": generations,
        "python_loop_generations_per_s_estimate": 1.0 / (t_python * population),
        "speedup_loop_vs_python_eval_only": gens_per_s * t_python * population,
        "loop_time_over_eval_time": (loop / generations) / (t_eval_evolved * population),
        "step_loop_time_over_eval_time": (step / generations) / (t_eval_evolved * population),
        "peak_rss_mb": peak_rss_mb(),
        "load_average_1min": load_average(),
    }


def bench_qmax(population: int = 1000, generations: int = 100) -> dict:
    """One Qmax calibration run of the logic circuits (fitness = Q - size penalty), step by step
    and fused, in this process; ``seconds_per_500_generations`` is the fused run's pace.

    The calibration protocol is :func:`replication.calibration.calibration_protocol` of the
    logic protocol's ``mvg`` treatment; ``population`` must be at least twice ``qmax_elite``.

    Examples
    --------
    A short call (the real one runs 100 generations):

    >>> r = bench_qmax(population=600, generations=2)
    >>> r["population"], r["generations"]
    (600, 2)
    >>> bool(np.isclose(r["seconds_per_500_generations"], 500 / r["loop_generations_per_s"]))
    True
    """
    from .calibration import calibration_protocol
    from .protocol import load_protocol
    base = load_protocol(PROTOCOLS / "ka2005_logic.toml", "mvg",
                         [("modularity.qmax_population", population), ("modularity.qmax_generations", generations)])
    proto = calibration_protocol(base)
    short = calibration_protocol(load_protocol(PROTOCOLS / "ka2005_logic.toml", "mvg",
                                               [("modularity.qmax_population", population),
                                                ("modularity.qmax_generations", 5)]))
    _run_seconds(short, 1, fused=False)
    _run_seconds(short, 1, fused=True)
    step = _run_seconds(proto, 1_000_001, fused=False)
    loop = _run_seconds(proto, 1_000_001, fused=True)
    loop_cpu = _run_seconds(proto, 1_000_001, fused=True, cpu=True)
    return {"population": population, "generations": generations,
            "step_generations_per_s": generations / step, "loop_generations_per_s": generations / loop,
            "speedup_fused_vs_step_loop": step / loop, "loop_generations_per_cpu_s": generations / loop_cpu,
            "seconds_per_500_generations": 500 * loop / generations,
            "cpu_seconds_per_500_generations": 500 * loop_cpu / generations,
            "peak_rss_mb": peak_rss_mb(), "load_average_1min": load_average()}


def numpy_retina_output(genome, layers=(8, 4, 2, 1)) -> np.ndarray:
    """Plain numpy evaluation of a 2005 retina network over all 256 patterns (the reference).

    Layer by layer, neuron by neuron, vectorised over the patterns (``at-least`` thresholds):
    what a straightforward implementation would do, timed against the bit-parallel kernel.
    Returns the output neuron's value (0 or 1) on each pattern.

    Examples
    --------
    >>> from replication.genomes.threshold_network import modular_retina_genome, object_masks
    >>> left, right = object_masks()
    >>> out = numpy_retina_output(modular_retina_genome(2))      # the modular L AND R network
    >>> sum(int(b) << p for p, b in enumerate(out)) == left & right, int(out.sum())
    (True, 64)
    """
    from .genomes.threshold_network import GENE, SLOTS
    prev = (np.arange(256)[None, :] >> np.arange(8)[:, None]) & 1
    n = 0
    for size in layers:
        cur = np.zeros((size, 256), np.int64)
        for j in range(size):
            base = n * GENE
            total = np.zeros(256, np.int64)
            for s in range(SLOTS):
                src = genome[base + 2 * s]
                if src >= 0:
                    total += genome[base + 2 * s + 1] * prev[src]
            cur[j] = total >= genome[base + 2 * SLOTS]
            n += 1
        prev = cur
    return prev[0]


def bench_retina(population: int = 600, generations: int = 1000) -> dict:
    """The 2005 retina loop at population S: evaluation alone per network (all 256 patterns)
    against :func:`numpy_retina_output`, and generations/s of the same run done step by step (one
    Python step per generation) and in fused numba stretches, all measured in this process.

    ``loop_time_over_eval_time`` compares a generation of the (fused) loop with one evaluation of
    the whole population (the fused loop re-evaluates only the neurons a variation can change,
    so it can be < 1); ``step_loop_time_over_eval_time`` the same for the step-by-step loop.
    Protocol: ``original_protocol/ka2005_retina.toml`` (Kashtan & Alon 2005), treatment ``mvg``,
    elite S/4, run for ``generations`` without stopping; times are best-of-two in this process,
    with the CPU-time rates beside them (steadier on a shared machine).

    Examples
    --------
    A tiny call (the real one is S = 600 for 1000 generations):

    >>> r = bench_retina(population=8, generations=2)
    >>> r["population"], r["loop_generations"]
    (8, 2)
    >>> bool(np.isclose(r["speedup_eval_vs_numpy"],
    ...                 r["numpy_us_per_network"] * 1e3 / r["eval_ns_per_network_256_patterns"]))
    True
    >>> bool(np.isclose(r["speedup_fused_vs_step_loop"],
    ...                 r["loop_generations_per_s"] / r["step_loop_generations_per_s"]))
    True
    """
    from .genomes import genome_model as make_model
    from .protocol import load_protocol
    from .rng import seed_numba
    path = PROTOCOLS / "ka2005_retina.toml"

    def protocol(gens):
        return load_protocol(path, "mvg", [("selection.population", population),
                                           ("selection.elite", max(1, population // 4)),
                                           ("run.stop", "never"), ("run.max_generations", gens),
                                           ("run.checkpoint_every", 10 ** 9)])
    proto = protocol(generations)
    model = make_model(proto)
    seed_numba(0, "generation", 0)
    targets = model.targets(["L & R"])
    pop = model.random(population)
    for _ in range(50):                     # varied genomes, not only the initial ones
        model.vary(pop, np.ones(population, bool))
    model.evaluate(pop, targets)            # compile
    t_kernel = _best_time(lambda: model.evaluate(pop, targets), number=10) / population
    sample = [list(map(int, g)) for g in pop[:60]]
    t_numpy = _best_time(lambda: [numpy_retina_output(g) for g in sample], repeat=3) / len(sample)
    short = protocol(20)
    _run_seconds(short, 1, fused=False)     # compile both loops
    _run_seconds(short, 1, fused=True)
    step = min(_run_seconds(proto, 2, fused=False) for _ in range(2))
    loop = min(_run_seconds(proto, 2, fused=True) for _ in range(2))
    step_cpu = _run_seconds(proto, 2, fused=False, cpu=True)
    loop_cpu = _run_seconds(proto, 2, fused=True, cpu=True)
    gens_per_s = generations / loop
    eval_population = t_kernel * population
    return {
        "population": population,
        "eval_ns_per_network_256_patterns": t_kernel * 1e9,
        "numpy_us_per_network": t_numpy * 1e6,
        "speedup_eval_vs_numpy": t_numpy / t_kernel,
        "network_evals_per_s": 1.0 / t_kernel,
        "loop_generations_per_s": gens_per_s,
        "step_loop_generations_per_s": generations / step,
        "speedup_fused_vs_step_loop": step / loop,
        "loop_generations_per_cpu_s": generations / loop_cpu,
        "step_loop_generations_per_cpu_s": generations / step_cpu,
        "loop_generations": generations,
        "numpy_loop_generations_per_s_estimate": 1.0 / (t_numpy * population),
        "speedup_loop_vs_numpy_eval_only": gens_per_s * t_numpy * population,
        "eval_only_generations_per_s": 1.0 / eval_population,
        "loop_time_over_eval_time": (loop / generations) / eval_population,
        "step_loop_time_over_eval_time": (step / generations) / eval_population,
        "peak_rss_mb": peak_rss_mb(),
        "load_average_1min": load_average(),
    }


def bench_qm(samples: int = 1000) -> dict:
    """Qrand (1000 degree-preserving randomisations + greedy Q) of one circuit, against
    networkx (double_edge_swap + greedy_modularity_communities) on a sample.

    The circuit is two XOR modules combined (15 nodes); Qrand is the mean Q of
    degree-preserving randomisations (Kashtan & Alon 2005's Qm = (Q - Qrand) / (Qmax - Qrand)).
    ``samples`` sets how many randomisations are timed (the key keeps the name of the
    default, 1000).

    Examples
    --------
    >>> r = bench_qm(samples=5)
    >>> r["nodes"], r["edges"]
    (15, 20)
    >>> bool(np.isclose(r["speedup_vs_networkx"], r["networkx_qrand_1000_seconds_estimate"] / r["qrand_1000_seconds"]))
    True
    """
    import networkx as nx
    from .genomes import genome_model as make_model
    from .genomes.nand_circuit import genome_from_gates
    from .modularity import best_partition, q_rand
    from .protocol import load_protocol
    proto = load_protocol(PROTOCOLS / "ka2005_logic.toml", "mvg")
    model = make_model(proto)
    xor = lambda a, b, f: [(a, b), (a, f), (b, f), (f + 1, f + 2)]
    gates = xor(0, 1, 4) + xor(2, 3, 8) + [(7, 7), (11, 11), (12, 13)]
    g = model.modularity_graph(genome_from_gates(gates, 14), proto)
    q_rand(g, directed=False, samples=5)                      # compile
    t_ours = _best_time(lambda: q_rand(g, directed=False, samples=samples, seed=1), repeat=3)
    und = nx.Graph(g.to_undirected())
    n_ref = 50

    def reference():
        for s in range(n_ref):
            h = und.copy()
            nx.double_edge_swap(h, nswap=10 * h.number_of_edges(), max_tries=10 ** 6, seed=s)
            nx.community.modularity(h, nx.community.greedy_modularity_communities(h), weight=None)
    t_ref = _best_time(reference, repeat=1) / n_ref * samples
    t_exact = _best_time(lambda: best_partition(g, "exact", False), repeat=3)
    return {"qrand_1000_seconds": t_ours, "networkx_qrand_1000_seconds_estimate": t_ref,
            "speedup_vs_networkx": t_ref / t_ours, "exact_q_seconds_15_nodes": t_exact,
            "nodes": g.number_of_nodes(), "edges": und.number_of_edges()}


def bench_retina2013(population: int = 1000, generations: int = 200) -> dict:
    """2013 networks: evaluation per network (the authors report 1.3 ms), the stochastic sort
    against the literal pairwise sort, and generations per second of P&CC and PA, all measured
    in this process.

    Evaluation: ``eval_us_per_network`` is the plain kernel (:func:`evaluate_2013`, every node
    of every network), ``loop_eval_us_per_network`` the loop's kernel on the same networks
    afresh (:func:`children_objectives_2013` without parents: only the nodes that reach the
    output, int8 rows).  Each treatment runs ``generations`` generations from a random start,
    as ``replication run`` does them (one numba call per generation,
    :func:`replication.fused.nsga2_generation_2013`) and step by step (``evolve.FUSED =
    False``: one kernel call per step, every child evaluated); ``*_loop_time_over_eval_time``
    compares a generation of the loop with one plain evaluation of N random networks (the loop
    evaluates only children whose function changed, with the faster kernel, so it can be < 1).

    Protocol: ``original_protocol/clune2013_retina.toml`` (Clune, Mouret & Lipson 2013); the
    sorts are :mod:`replication.selection.nsga2`'s (Deb et al. 2002, stochastic variant of
    the authors' code) on 2N individuals.

    Examples
    --------
    A tiny call (the real one is S = 1000, 200 generations per treatment):

    >>> r = bench_retina2013(population=4, generations=2)
    >>> [k for k in sorted(r) if k.endswith("_generations_per_s")]      # doctest: +NORMALIZE_WHITESPACE
    ['eval_only_generations_per_s', 'pa_generations_per_s', 'pa_step_generations_per_s',
     'pcc_generations_per_s', 'pcc_step_generations_per_s']
    >>> bool(np.isclose(r["speedup_vs_authors_1.3ms"], 1.3e3 / r["eval_us_per_network"]))
    True
    >>> bool(np.isclose(r["pcc_speedup_fused_vs_step"], r["pcc_generations_per_s"] / r["pcc_step_generations_per_s"]))
    True
    """
    from .genomes.weighted_network import WeightedNetworkModel, children_objectives_2013, new_cost_memo
    from .protocol import load_protocol
    from .rng import seed_numba
    from .selection import nsga2
    path = PROTOCOLS / "clune2013_retina.toml"
    proto = load_protocol(path, "pcc")
    model = WeightedNetworkModel(proto)
    seed_numba(0, "generation", 0)
    pop = model.random(population)
    targets = model.targets(["L & R"])
    model.evaluate(pop[:2], targets)
    t_eval = _best_time(lambda: model.evaluate(pop, targets), repeat=3) / population
    arrays = model.loop_arrays(targets)
    fresh = np.full(population, -1)
    correct, cost = np.zeros((population, 1), np.int32), np.zeros(population)
    words = np.zeros((population, (model.n_conn + 63) // 64), np.uint64)
    memo = new_cost_memo(model.n_conn, 1)

    def loop_eval():
        children_objectives_2013(pop, fresh, pop, correct, cost, words, *arrays.values(), -1, correct, cost,
                                 words, *memo)
    loop_eval()
    t_loop_eval = _best_time(loop_eval, repeat=3) / population
    t_cost = _best_time(lambda: model.costs(pop, "length-optimal"), repeat=3) / population
    correct = model.evaluate(pop, targets).correct
    cost = model.costs(pop, "length-optimal")
    f0 = np.concatenate([correct[:, 0], correct[:, 0]]) / 256.0
    f1 = -np.concatenate([cost, cost * 1.01])
    nsga2.survivors(f0, f1, 0.25, 2, population)
    t_sort = _best_time(lambda: nsga2.stochastic_fronts(f0, f1, 0.25, 2, population), repeat=3)
    nsga2.literal_fronts(f0[:8], f1[:8], 0.25, 2, 8)
    t_literal = _best_time(lambda: nsga2.literal_fronts(f0, f1, 0.25, 2, population), repeat=1)
    out = {"population": population,
           "eval_us_per_network": t_eval * 1e6,
           "speedup_vs_authors_1.3ms": 1.3e-3 / t_eval,
           "loop_eval_us_per_network": t_loop_eval * 1e6,
           "cost_us_per_network": t_cost * 1e6,
           "sort_ms_2N": t_sort * 1e3, "literal_sort_ms_2N": t_literal * 1e3,
           "speedup_sort_vs_literal": t_literal / t_sort}
    for treatment in ("pcc", "pa"):
        p = load_protocol(path, treatment, [("run.max_generations", generations), ("selection.population", population),
                                            ("run.checkpoint_every", 10 ** 9), ("analysis.q_every", 10 ** 9)])
        warm = load_protocol(path, treatment, [("run.max_generations", 3), ("selection.population", population)])
        _run_seconds(warm, 1, fused=True)             # compiles both loops' kernels
        _run_seconds(warm, 1, fused=False)
        loop = _run_seconds(p, 2, fused=True)
        step = _run_seconds(p, 2, fused=False)
        loop_cpu = _run_seconds(p, 2, fused=True, cpu=True)
        gps = generations / loop
        out[f"{treatment}_generations_per_s"] = gps
        out[f"{treatment}_step_generations_per_s"] = generations / step
        out[f"{treatment}_speedup_fused_vs_step"] = step / loop
        out[f"{treatment}_generations_per_cpu_s"] = generations / loop_cpu
        out[f"{treatment}_loop_time_over_eval_time"] = (1.0 / gps) / (t_eval * population)
        out[f"{treatment}_minutes_per_25000_generations"] = 25000 / gps / 60
    out["eval_only_generations_per_s"] = 1.0 / (t_eval * population)
    out["peak_rss_mb"] = peak_rss_mb()
    out["load_average_1min"] = load_average()
    return out


#: ``replication bench all``: each loop's pace against evaluation alone, and the targets of issue 18
SUMMARY = (("circuits", "logic loop, S = 1000", "loop_generations_per_s", 10_000),
           ("qmax", "logic Qmax calibration run, S = 1000", "loop_generations_per_s", None),
           ("retina", "2005 retina loop, S = 600", "loop_generations_per_s", 8_000),
           ("retina2013", "2013 P&CC loop, S = 1000 (early generations)", "pcc_generations_per_s", 300))


def bench_all() -> dict:
    """Every benchmark, each in this process; returns {name: result} plus ``summary`` rows
    (what, generations/s, the ratio of a loop generation to evaluation alone, the target).

    Runs every benchmark at its full size (several minutes); ``meets_target`` is None where
    :data:`SUMMARY` sets no target.

    Examples
    --------
    >>> out = bench_all()                     # doctest: +SKIP
    >>> [(name, target) for name, _, _, target in SUMMARY]     # the rows it reports
    [('circuits', 10000), ('qmax', None), ('retina', 8000), ('retina2013', 300)]
    """
    funcs = {"circuits": bench_circuits, "qmax": bench_qmax, "retina": bench_retina,
             "retina2013": bench_retina2013}
    out, rows = {}, []
    for name, label, key, target in SUMMARY:
        res = out[name] = funcs[name]()
        ratio = res.get("loop_time_over_eval_time", res.get("pcc_loop_time_over_eval_time"))
        rows.append({"benchmark": name, "what": label, "generations_per_s": res[key],
                     "loop_over_eval_only": ratio, "target_generations_per_s": target,
                     "meets_target": None if target is None else res[key] >= target})
    out["summary"] = rows
    out["peak_rss_mb"] = peak_rss_mb()
    return out
