"""MOLE (Multi-Objective Landscape Exploration): the map of the best performance found for each
cell of modularity x connection cost (Clune, Mouret & Lipson 2013, Fig. 3 and Methods §4).

Definition
----------
A two-objective search (NSGA-II, deterministic Pareto dominance, no cost objective): objective 1
is the network's performance, objective 2 its *novelty*, the mean Euclidean distance of its
point ``(Q, cost / cost_max)`` to the ``neighbours`` nearest points of an archive.  Every
evaluated network is placed in a grid of ``bins_q x bins_cost`` cells over ``Q in [0, 1]`` and
``cost in [0, cost_max]``; when it beats the cell's best performance it becomes the cell's best
and its point joins the archive.  The map is the best performance per cell, over all runs
(the paper: 30 runs).  This follows the paper's description and the authors' ``modif_novmap.hpp``
(200 x 200 cells, 8 neighbours, cost = optimal-placement length / 500, 10,000 generations,
population 1000); the grid, budget and population are parameters here, so that a small map can
be drawn on a laptop and the paper's on a cluster.

Q is the protocol's recipe (``[analysis]``: the authors' spectral Leicht-Newman Q on the
simplified network) and the cost the optimal-placement squared length (P&CC's cost).

Reference
---------
Clune J, Mouret J-B, Lipson H (2013) The evolutionary origins of modularity. Proc R Soc B
280:20122863, Methods "MOLE" and Fig. 3.

Examples
--------
>>> from replication.protocol import load_protocol
>>> p = load_protocol("original_protocol/clune2013_retina.toml", "pcc")
>>> m = mole_map(p, seed=1, generations=3, population=16, bins=(10, 10))
>>> m["best"].shape, bool(np.nanmax(m["best"]) <= 1.0), m["evaluated"]
((10, 10), True, 48)
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from .genomes import genome_model
from .progress import PROGRESS_FILE
from .rng import seed_numba
from .selection import nsga2


def cell_of(q: np.ndarray, cost: np.ndarray, bins: tuple[int, int], cost_max: float):
    """Grid cell (row = Q bin, column = cost bin) of points; values outside the grid are clipped
    to its edge cells.

    Examples
    --------
    >>> cell_of(np.array([0.0, 0.55, 1.0]), np.array([0.0, 260.0, 900.0]), (10, 5), 500.0)
    (array([0, 5, 9]), array([0, 2, 4]))
    """
    i = np.clip((np.asarray(q) * bins[0]).astype(np.int64), 0, bins[0] - 1)
    j = np.clip((np.asarray(cost) / cost_max * bins[1]).astype(np.int64), 0, bins[1] - 1)
    return i, j


#: archives up to this size are searched by brute force (a k-d tree beyond)
SMALL_ARCHIVE = 512


def novelty(points: np.ndarray, archive: np.ndarray, neighbours: int) -> np.ndarray:
    """Mean distance of each point to its ``neighbours`` nearest archive points (all of them
    when the archive is smaller; 0 for an empty archive).

    The novelty objective of MOLE (Clune, Mouret & Lipson 2013, Methods; Mouret & Clune 2012).

    Examples
    --------
    >>> novelty(np.array([[0.0, 0.0]]), np.array([[3.0, 4.0], [0.0, 1.0]]), 8).round(3).tolist()
    [3.0]
    >>> rng = np.random.default_rng(0); pts, arch = rng.random((50, 2)), rng.random((2000, 2))
    >>> brute = np.sort(np.sqrt(((pts[:, None] - arch[None]) ** 2).sum(axis=2)), axis=1)[:, :8].mean(axis=1)
    >>> bool(np.array_equal(novelty(pts, arch, 8), brute))     # the k-d tree path, same values
    True
    """
    if len(archive) == 0:
        return np.zeros(len(points))
    k = min(neighbours, archive.shape[0])
    if archive.shape[0] <= SMALL_ARCHIVE:
        d = np.sqrt(((points[:, None, :] - archive[None, :, :]) ** 2).sum(axis=2))
        return np.sort(d, axis=1)[:, :k].mean(axis=1)
    # a large archive (it grows by every cell improvement: tens of thousands of points): the k
    # nearest by a k-d tree, their distances then computed as above, so the values are the same
    from scipy.spatial import cKDTree
    _, idx = cKDTree(archive).query(points, k=k)
    idx = np.asarray(idx).reshape(len(points), k)
    d = np.sqrt(((points[:, None, :] - archive[idx]) ** 2).sum(axis=2))
    return np.sort(d, axis=1).mean(axis=1)


def _describe(model, genomes, targets, goal):
    perf = model.evaluate(genomes, targets).correct[:, goal] / model.n_rows
    cost = model.costs(genomes, "length-optimal")
    q = np.array([model.partition(g)[1] for g in genomes])
    return perf, cost, q


def mole_map(protocol, seed: int, generations: int, population: int, bins=(20, 20),
             cost_max: float = 500.0, neighbours: int = 8, progress=None) -> dict:
    """One MOLE run: the best performance found per (Q, cost) cell (NaN where none was found).

    Returns a dict with ``best`` (bins_q x bins_cost), ``q_edges``, ``cost_edges``, ``evaluated``
    (networks evaluated), ``archive`` (points that improved a cell) and the run's parameters.
    ``progress(generation, generations)``, if given, is called after every generation.
    Reference: Clune, Mouret & Lipson (2013), Methods "MOLE"; Mouret & Clune (2012).

    Examples
    --------
    >>> from replication.protocol import load_protocol
    >>> p = load_protocol("original_protocol/clune2013_retina.toml", "pcc")
    >>> m = mole_map(p, seed=2, generations=2, population=8, bins=(4, 4))
    >>> m["evaluated"], m["q_edges"].tolist()          # 8 initial networks + 8 children
    (16, [0.0, 0.25, 0.5, 0.75, 1.0])
    >>> len(m["archive"]) >= int(np.isfinite(m["best"]).sum()) > 0   # every filled cell: an archive point
    True
    """
    if population % 4:
        raise ValueError(f"population must be a multiple of 4 (NSGA-II tournaments), not {population}")
    if generations < 1 or min(bins) < 1 or cost_max <= 0:
        raise ValueError("generations, bins and cost_max must be positive")
    model = genome_model(protocol)
    goal_name = protocol.schedule.goals[0]
    targets = model.targets([protocol.goals[goal_name]])
    best = np.full(bins, -np.inf)
    archive: list = []
    evaluated = 0

    def place(perf, cost, q):
        nonlocal evaluated
        evaluated += len(perf)
        i, j = cell_of(q, cost, bins, cost_max)
        for a, b, f, pq, pc in zip(i, j, perf, q, cost):
            if f > best[a, b]:
                best[a, b] = f
                archive.append((pq, min(pc, cost_max) / cost_max))

    seed_numba(seed, "init")
    pop = model.random(population)
    perf, cost, q = _describe(model, pop, targets, 0)
    place(perf, cost, q)
    pts = np.column_stack([q, np.minimum(cost, cost_max) / cost_max])
    nov = novelty(pts, np.array(archive), neighbours)
    order, crowd = nsga2.survivors(perf, nov, 1.0, 2, population)
    pop, perf, cost, q, nov = pop[order], perf[order], cost[order], q[order], nov[order]
    for gen in range(1, generations):
        seed_numba(seed, "generation", gen)
        parents = nsga2.tournament_parents(perf, nov, crowd, 1.0, 2)
        children = pop[parents]
        model.vary(children)
        c_perf, c_cost, c_q = _describe(model, children, targets, 0)
        place(c_perf, c_cost, c_q)
        all_pop = np.concatenate([pop, children])
        a_perf, a_cost, a_q = (np.concatenate(x) for x in ((perf, c_perf), (cost, c_cost), (q, c_q)))
        pts = np.column_stack([a_q, np.minimum(a_cost, cost_max) / cost_max])
        a_nov = novelty(pts, np.array(archive), neighbours)     # re-scored against today's archive
        keep, crowd = nsga2.survivors(a_perf, a_nov, 1.0, 2, population)
        pop, perf, cost, q, nov = all_pop[keep], a_perf[keep], a_cost[keep], a_q[keep], a_nov[keep]
        if progress is not None:
            progress(gen + 1, generations)
    out = np.where(np.isfinite(best), best, np.nan)
    return {"best": out, "q_edges": np.linspace(0, 1, bins[0] + 1),
            "cost_edges": np.linspace(0, cost_max, bins[1] + 1), "evaluated": evaluated,
            "archive": np.array(archive), "seed": seed, "generations": generations,
            "population": population, "neighbours": neighbours}


def merge_maps(maps: list[dict]) -> np.ndarray:
    """The best performance per cell over several runs' maps (NaN where no run found one).

    Examples
    --------
    >>> a = {"best": np.array([[0.5, np.nan], [np.nan, np.nan]])}
    >>> b = {"best": np.array([[0.75, 0.25], [np.nan, np.nan]])}
    >>> merge_maps([a, b]).tolist()
    [[0.75, 0.25], [nan, nan]]
    """
    stack = np.array([m["best"] for m in maps])
    with np.errstate(all="ignore"):
        return np.where(np.isnan(stack).all(axis=0), np.nan, np.nanmax(np.nan_to_num(stack, nan=-np.inf), axis=0))


def write_map(m: dict, path) -> None:
    """A run's map as JSON (NaN cells as null), written atomically (a temporary file, renamed).

    Examples
    --------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "seed-1", "map.json")
    >>> write_map({"best": np.array([[0.5, np.nan]]), "q_edges": np.array([0.0, 1.0]),
    ...            "cost_edges": np.array([0.0, 250.0, 500.0]), "archive": np.zeros((1, 2))}, path)
    >>> '"best": [[0.5, null]]' in open(path).read()
    True
    """
    data = {k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in m.items()}
    data["best"] = [[None if np.isnan(x) else float(x) for x in row] for row in m["best"]]
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(str(path) + ".tmp")
    tmp.write_text(json.dumps(data))
    tmp.replace(path)


def read_map(path) -> dict:
    """A map written by :func:`write_map`, with its arrays back as arrays (null cells as NaN).

    Examples
    --------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "map.json")
    >>> m = {"best": np.array([[0.5, np.nan]]), "q_edges": np.array([0.0, 1.0]),
    ...      "cost_edges": np.array([0.0, 250.0, 500.0]), "archive": np.zeros((1, 2)), "seed": 4}
    >>> write_map(m, path); back = read_map(path)
    >>> np.array_equal(back["best"], m["best"], equal_nan=True), back["cost_edges"].tolist(), back["seed"]
    (True, [0.0, 250.0, 500.0], 4)
    """
    data = json.loads(Path(path).read_text())
    data["best"] = np.array([[np.nan if x is None else x for x in row] for row in data["best"]])
    for k in ("q_edges", "cost_edges", "archive"):
        data[k] = np.array(data[k])
    return data


def run_mole(protocol, seeds, out_dir, generations: int, population: int, bins=(20, 20),
             cost_max: float = 500.0, neighbours: int = 8, backend=None, progress=None) -> list[Path]:
    """MOLE runs for ``seeds``, each written to ``<out_dir>/<experiment>/mole/seed-N/map.json``
    (a finished map is not run again; one made with other parameters is refused).

    The maps are independent tasks: ``backend`` (:class:`replication.executor.Backend`: a local
    process pool or a Dask cluster; default this process) runs them, ``progress`` (a
    :class:`replication.progress.Progress` over the maps still to make) shows them.

    Examples
    --------
    >>> import tempfile
    >>> from replication.protocol import load_protocol
    >>> p = load_protocol("original_protocol/clune2013_retina.toml", "pcc")
    >>> out = tempfile.mkdtemp()
    >>> [path] = run_mole(p, [5], out, generations=1, population=4, bins=(2, 2))
    >>> path.relative_to(out).as_posix()
    'clune2013_retina/mole/seed-5/map.json'
    >>> read_map(path)["evaluated"]
    4
    >>> run_mole(p, [5], out, generations=2, population=4, bins=(2, 2))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: ... made with other parameters (generations: stored 1, requested 2); ...
    """
    from .executor import RunSpec, Task, run_tasks
    want = {"generations": generations, "population": population, "bins": list(bins), "cost_max": float(cost_max),
            "neighbours": neighbours, "protocol_digest": protocol.digest}
    written, tasks = [], []
    for s in seeds:
        path = map_path(out_dir, protocol, s)
        if path.exists():
            _check_stored(read_map(path), want, path)
        else:
            spec = RunSpec.of(protocol, s, path.parent)
            tasks.append(Task(make_map, (spec, generations, population, tuple(bins), cost_max, neighbours),
                              label=f"mole seed-{s}", units=float(generations),
                              progress_file=str(path.parent / PROGRESS_FILE)))
        written.append(path)
    run_tasks(tasks, backend, progress)
    return written


def map_path(out_dir, protocol, seed: int) -> Path:
    """Where the MOLE map of ``seed`` goes: ``<out_dir>/<experiment>/mole/seed-N/map.json``.

    Examples
    --------
    >>> from replication.protocol import load_protocol
    >>> p = load_protocol("original_protocol/clune2013_retina.toml", "pcc")
    >>> map_path("runs", p, 4).as_posix()
    'runs/clune2013_retina/mole/seed-4/map.json'
    """
    return Path(out_dir) / protocol.name / "mole" / f"seed-{seed}" / "map.json"


def make_map(spec, generations: int, population: int, bins, cost_max: float, neighbours: int,
             progress=None) -> str:
    """Make and write one MOLE map (a task: ``spec`` is a :class:`replication.executor.RunSpec`
    whose folder receives ``map.json``; ``progress(generation, total)`` as for a run); returns
    the file's path.

    Examples
    --------
    >>> import tempfile
    >>> from replication.executor import RunSpec
    >>> from replication.protocol import load_protocol
    >>> spec = RunSpec.of(load_protocol("original_protocol/clune2013_retina.toml", "pcc"), 3, tempfile.mkdtemp())
    >>> read_map(make_map(spec, 1, 4, (2, 2), 500.0, 8))["evaluated"]
    4
    """
    protocol = spec.protocol()
    m = mole_map(protocol, spec.seed, generations, population, bins, cost_max, neighbours, progress)
    m["protocol_digest"] = protocol.digest
    path = Path(spec.folder) / "map.json"
    write_map(m, path)
    return str(path)


def _check_stored(m: dict, want: dict, path) -> None:
    """Raise ValueError unless the stored map ``m`` was made with the parameters ``want`` (a map
    written before the digest was stored is checked on the rest)."""
    have = {"generations": m.get("generations"), "population": m.get("population"),
            "bins": [len(m["q_edges"]) - 1, len(m["cost_edges"]) - 1], "cost_max": float(m["cost_edges"][-1]),
            "neighbours": m.get("neighbours"), "protocol_digest": m.get("protocol_digest", want["protocol_digest"])}
    diffs = [f"{k}: stored {have[k]!r}, requested {v!r}" for k, v in want.items() if have[k] != v]
    if diffs:
        raise ValueError(f"{path} holds a MOLE map made with other parameters ({'; '.join(diffs)}); "
                         "use another --out or remove that folder")


__all__ = ["cell_of", "merge_maps", "mole_map", "novelty", "read_map", "run_mole", "write_map"]
