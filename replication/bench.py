"""Throughput benchmarks, reported as ratios against a plain reference timed in the same run.

Absolute numbers on a shared machine are noisy; a ratio measured in one process is not.
"""
from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np

PROTOCOLS = Path(__file__).resolve().parent.parent / "original_protocol"


def _best_time(fn, repeat: int = 5, number: int = 1) -> float:
    """Best of ``repeat`` timings of ``number`` calls, per call (seconds)."""
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, (time.perf_counter() - t) / number)
    return best


def bench_circuits(population: int = 1000, generations: int = 2000) -> dict:
    from .circuits import python_reference_output
    from .evolve import evolve, make_model, seed_stream
    from .protocol import load_protocol

    path = PROTOCOLS / "ka2005_logic.toml"
    proto = load_protocol(path, "fixed-g1", [("selection.population", population),
                                             ("selection.elite", min(300, population // 2)),
                                             ("run.stop", "never"),
                                             ("run.max_generations", generations),
                                             ("run.checkpoint_every", 10 ** 9)])
    model = make_model(proto)
    seed_stream(0, 0)
    random_pop = model.random(population)
    with tempfile.TemporaryDirectory() as tmp:      # an evolved population: mostly feed-forward
        warm = load_protocol(path, "mvg", [("selection.population", population),
                                           ("selection.elite", min(300, population // 2)),
                                           ("run.stop", "never"), ("run.max_generations", 400)])
        evolve(warm, 1, Path(tmp) / "warm")          # also compiles every kernel
        from .store import read_json
        evolved_genome = np.array(read_json(Path(tmp) / "warm" / "result.json")["genome"], np.int16)
    evolved_pop = np.repeat(evolved_genome[None, :], population, axis=0)

    t_eval_random = _best_time(lambda: model.evaluate(random_pop), number=20) / population
    t_eval_evolved = _best_time(lambda: model.evaluate(evolved_pop), number=20) / population
    sample = [list(map(int, g)) for g in random_pop[:40]]
    c = proto.circuit
    t_python = _best_time(lambda: [python_reference_output(g, c.n_inputs, c.n_gates, c.feedback_sweeps,
                                                           c.initial_state) for g in sample],
                          repeat=3) / len(sample)

    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        evolve(proto, 7, Path(tmp) / "loop")
        loop = time.perf_counter() - t
    gens_per_s = generations / loop
    return {
        "population": population,
        "eval_ns_per_circuit_random": t_eval_random * 1e9,
        "eval_ns_per_circuit_evolved": t_eval_evolved * 1e9,
        "python_us_per_circuit": t_python * 1e6,
        "speedup_eval_vs_python_random": t_python / t_eval_random,
        "circuit_evals_per_s_random": 1.0 / t_eval_random,
        "loop_generations_per_s": gens_per_s,
        "loop_generations": generations,
        "python_loop_generations_per_s_estimate": 1.0 / (t_python * population),
        "speedup_loop_vs_python_eval_only": gens_per_s * t_python * population,
        "loop_time_over_eval_time": (loop / generations) / (t_eval_random * population),
    }
