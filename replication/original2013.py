"""Side-by-side with the authors' 2013 program (``../shared/original2013``): read its per-generation
log, and set our runs' logs beside it at matched generations.

The original program writes ``vm_*/modularity.dat``, one line per generation (its
``stat_modularity.hpp``): generation, best performance, Q of the first best network, mean Q of
the best set, mean fixed-coordinate length, mean optimal-placement length of the best set, ...
Our runs log ``best_performance``, ``best_cost`` (optimal-placement cost for P&CC) and ``q_best``
(every ``analysis.q_every`` generations) in ``log.csv``.  :func:`early_dynamics` gives one row
per (program, treatment, seed, generation) with the best network's performance, Q and cost.

Examples
--------
>>> import tempfile, os
>>> d = tempfile.mkdtemp()
>>> _ = open(os.path.join(d, "modularity.dat"), "w").write("0 0.75 0.1 0.1 600 200 0.75 0.5 1\\n"
...                                                       "1 0.80 0.2 0.25 500 150 0.8 0.5 3\\n")
>>> read_original_log(os.path.join(d, "modularity.dat"))[1]
{'generation': 1, 'best_performance': 0.8, 'q_best': 0.2, 'q_best_set_mean': 0.25, 'cost_best_set_mean': 150.0}
"""
from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np

FIELDS = ["program", "treatment", "seed", "generation", "best_performance", "q_best", "cost"]


def read_original_log(path) -> dict[int, dict]:
    """``modularity.dat`` of the original program: generation -> best performance, Q of the first
    best network, mean Q and mean optimal-placement length of the best set.

    Lines with fewer than 6 columns are skipped.

    Examples
    --------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "modularity.dat")
    >>> _ = open(path, "w").write("0 0.75 0.1 0.1 600 200 0.75 0.5 1\\n"
    ...                           "1 0.80 0.2 0.25 500 150\\n2 0.9\\n")
    >>> log = read_original_log(path)
    >>> sorted(log), log[0]["cost_best_set_mean"]
    ([0, 1], 200.0)
    """
    rows = {}
    for line in Path(path).read_text().splitlines():
        parts = line.split()
        if len(parts) < 6:
            continue
        g = int(parts[0])
        rows[g] = {"generation": g, "best_performance": float(parts[1]), "q_best": float(parts[2]),
                   "q_best_set_mean": float(parts[3]), "cost_best_set_mean": float(parts[5])}
    return rows


def read_our_log(folder) -> dict[int, dict]:
    """Our run's ``log.csv``: generation -> best performance, Q of the best (where logged), cost.

    Examples
    --------
    >>> import tempfile, os
    >>> d = tempfile.mkdtemp()
    >>> _ = open(os.path.join(d, "log.csv"), "w").write(
    ...     "generation,best_performance,best_cost,q_best\\n0,0.75,410.5,0.3\\n1,0.8,400.0,\\n")
    >>> log = read_our_log(d)
    >>> log[0]["q_best"], log[1]["q_best"], log[1]["cost"]
    (0.3, None, 400.0)
    """
    rows = {}
    has_cost = _has_cost_objective(folder)
    with open(Path(folder) / "log.csv") as f:
        for r in csv.DictReader(f):
            g = int(r["generation"])
            rows[g] = {"generation": g, "best_performance": float(r["best_performance"]),
                       "q_best": float(r["q_best"]) if r.get("q_best") not in (None, "") else None,
                       "cost": float(r["best_cost"]) if has_cost else None}
    return rows


def _has_cost_objective(folder) -> bool:
    """Whether the run selects on a cost (its log's cost columns are then meaningful; a PA run
    logs 0.0 there, which is not the cost of its networks). True without a protocol.json."""
    path = Path(folder) / "protocol.json"
    if not path.is_file():
        return True
    return json.loads(path.read_text()).get("objectives", {}).get("cost", "none") != "none"


def early_dynamics(original: dict[str, list[Path]], ours: dict[str, list[Path]],
                   generations: list[int]) -> list[dict]:
    """Rows of :data:`FIELDS` at ``generations`` for the original program's logs (treatment ->
    ``modularity.dat`` paths, one per seed) and our runs (treatment -> run folders).

    Our generations without a logged Q are left out; our seed is read from the folder name
    (``seed-N``), the original's is the path's position (from 1).

    Examples
    --------
    >>> import tempfile, os
    >>> d = tempfile.mkdtemp()
    >>> _ = open(os.path.join(d, "modularity.dat"), "w").write("0 0.7 0.1 0.1 600 200\\n")
    >>> os.mkdir(os.path.join(d, "seed-3"))
    >>> _ = open(os.path.join(d, "seed-3", "log.csv"), "w").write(
    ...     "generation,best_performance,best_cost,q_best\\n0,0.75,410.0,0.3\\n")
    >>> rows = early_dynamics({"pcc": [os.path.join(d, "modularity.dat")]},
    ...                       {"pcc": [os.path.join(d, "seed-3")]}, [0])
    >>> [(r["program"], r["seed"], r["cost"]) for r in rows]
    [('original', 1, 200.0), ('replication', 3, 410.0)]
    """
    rows = []
    for t, paths in original.items():
        for k, path in enumerate(paths, 1):
            log = read_original_log(path)
            for g in generations:
                if g in log:
                    rows.append({"program": "original", "treatment": t, "seed": k, "generation": g,
                                 "best_performance": log[g]["best_performance"], "q_best": log[g]["q_best"],
                                 "cost": log[g]["cost_best_set_mean"]})
    for t, folders in ours.items():
        for folder in folders:
            log = read_our_log(folder)
            seed = int(Path(folder).name.split("-")[-1])
            for g in generations:
                if g in log and log[g]["q_best"] is not None:
                    rows.append({"program": "replication", "treatment": t, "seed": seed, "generation": g,
                                 "best_performance": log[g]["best_performance"], "q_best": log[g]["q_best"],
                                 "cost": log[g]["cost"]})
    return rows


def summarise(rows: list[dict]) -> list[dict]:
    """Median and range of performance, Q and cost per (program, treatment, generation).

    Examples
    --------
    >>> rows = [{"program": "original", "treatment": "pcc", "generation": 0,
    ...          "best_performance": p, "q_best": 0.1, "cost": c} for p, c in ((0.5, 300), (0.7, 100), (0.9, 200))]
    >>> s, = summarise(rows)
    >>> s["n"], s["best_performance_median"], s["cost_min"], s["cost_max"]
    (3, 0.7, 100.0, 300.0)
    """
    keys = sorted({(r["program"], r["treatment"], r["generation"]) for r in rows})
    out = []
    for prog, t, g in keys:
        sel = [r for r in rows if (r["program"], r["treatment"], r["generation"]) == (prog, t, g)]
        row = {"program": prog, "treatment": t, "generation": g, "n": len(sel)}
        for f in ("best_performance", "q_best", "cost"):
            v = np.array([r[f] for r in sel if r[f] is not None], float)
            if v.size:                                    # (our PA runs log no cost)
                row[f"{f}_median"] = float(np.median(v))
                row[f"{f}_min"], row[f"{f}_max"] = float(v.min()), float(v.max())
            else:
                row[f"{f}_median"] = row[f"{f}_min"] = row[f"{f}_max"] = None
        out.append(row)
    return out


def write_csv(rows: list[dict], path) -> None:
    """``rows`` as a CSV file with a header (the first row's keys), parent folders created.

    Examples
    --------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "sub", "early.csv")
    >>> write_csv([{"program": "original", "n": 3}], path)
    >>> open(path).read().splitlines()
    ['program,n', 'original,3']
    """
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)


__all__ = ["FIELDS", "early_dynamics", "read_original_log", "read_our_log", "summarise", "write_csv"]
