"""Run folders -> tidy tables (one row per run) beside the runs, and the summaries we report.

Reads run folders (and calibration summaries) only: nothing here runs evolution or writes into a
run folder.  Tables go to ``<experiment>/tables/``; statistics come from :mod:`replication.stats`.
"""
from __future__ import annotations

import csv
import dataclasses
import io
import json
from pathlib import Path

import numpy as np

from .catalog import protocol_dir, published_path
from .protocol import read_toml
from .stats import fisher_p, mean_se, median_ci, median_ci_clustered, quartiles, rank_sum_p  # noqa: F401  (re-exported)
from .store import is_source_trial, iter_runs, read_json

PROTOCOLS = protocol_dir()          # the shipped protocol files (the repository's in a checkout)
PUBLISHED = published_path()


def _iter_results(experiment_dir: str | Path):
    """(run folder, result) of every finished run of an experiment (or of a multiverse variant's
    folder), in the store's order; the layout is the store's (:func:`store.iter_runs`)."""
    if not Path(experiment_dir).is_dir():
        return
    for rec in iter_runs(experiment_dir):
        yield rec.folder, rec.result


def has_runs(runs_root: str | Path) -> bool:
    """Whether any experiment under ``runs_root`` has a finished run.

    Examples
    --------
    >>> import tempfile
    >>> from replication.api import run_evolution
    >>> root = Path(tempfile.mkdtemp()); exp = root / "ka2005_logic"
    >>> small = {"selection.population": 20, "selection.elite": 6, "run.max_generations": 5,
    ...          "modularity.qrand_samples": 20}
    >>> for seed in (1, 2):
    ...     _ = run_evolution("ka2005_logic", "mvg", seed, exp / "mvg" / f"seed-{seed}", small)
    >>> has_runs(root), has_runs(Path(tempfile.mkdtemp()))
    (True, False)
    """
    root = Path(runs_root)
    return root.is_dir() and any(next(_iter_results(d), None) for d in root.iterdir() if d.is_dir())


def load_results(experiment_dir: str | Path) -> list[dict]:
    """Every finished run of an experiment, sorted by (treatment, seed): its ``result.json`` with
    the run's row of ``tables/modularity.csv`` merged in (when ``analyse`` has run) and
    ``_folder`` = the run folder.  Reads only.

    Examples
    --------
    >>> import tempfile
    >>> from replication.api import run_evolution
    >>> root = Path(tempfile.mkdtemp()); exp = root / "ka2005_logic"
    >>> small = {"selection.population": 20, "selection.elite": 6, "run.max_generations": 5,
    ...          "modularity.qrand_samples": 20}
    >>> for seed in (1, 2):
    ...     _ = run_evolution("ka2005_logic", "mvg", seed, exp / "mvg" / f"seed-{seed}", small)
    >>> [(r["treatment"], r["seed"], r["generations_run"]) for r in load_results(exp)]
    [('mvg', 1, 5), ('mvg', 2, 5)]
    >>> "q" in load_results(exp)[0]                   # no modularity before analyse_experiment
    False
    """
    table = read_modularity_table(experiment_dir)
    rows = []
    for folder, res in _iter_results(experiment_dir):
        res.update({k: v for k, v in table.get((res["treatment"], res["seed"]), {}).items()
                    if k not in ("treatment", "seed")})
        res["_folder"] = str(folder)
        rows.append(res)
    rows.sort(key=lambda r: (r["treatment"], r["seed"]))
    return rows


TABLE_COLUMNS = ["experiment", "treatment", "seed", "generations_run", "solved_generation",
                 "best_fitness", "size", "q", "q_exact", "q_rand", "q_max", "qm", "one_side_detector",
                 "performance", "cost", "n_connections", "left_right_split", "sub_solution_pair",
                 "folder"]


def tidy_table(results: list[dict]) -> list[dict]:
    """One row per run; ``size`` = effective gates or neurons; ``folder`` = the run folder.

    The columns are the same for every experiment (absent values ``None``), then one
    ``accuracy_<goal>`` column per goal.

    Examples
    --------
    >>> import tempfile
    >>> from replication.api import run_evolution
    >>> root = Path(tempfile.mkdtemp()); exp = root / "ka2005_logic"
    >>> small = {"selection.population": 20, "selection.elite": 6, "run.max_generations": 5,
    ...          "modularity.qrand_samples": 20}
    >>> for seed in (1, 2):
    ...     _ = run_evolution("ka2005_logic", "mvg", seed, exp / "mvg" / f"seed-{seed}", small)
    >>> rows = tidy_table(load_results(exp))
    >>> [(r["seed"], r["generations_run"], r["qm"]) for r in rows], sorted(k for k in rows[0] if k.startswith("accuracy"))
    ([(1, 5, None), (2, 5, None)], ['accuracy_G1', 'accuracy_G2'])
    """
    rows = []
    for r in results:
        row = {c: r.get(c) for c in TABLE_COLUMNS}
        row["size"] = _size(r)
        row["folder"] = r.get("_folder")
        for goal, acc in sorted(r.get("best_accuracy", {}).items()):
            row[f"accuracy_{goal}"] = acc
        rows.append(row)
    return rows


def to_csv(table: list[dict]) -> str:
    """A table (list of dicts with the same keys) as CSV text, header first; ``None`` as an empty cell.

    Examples
    --------
    >>> to_csv([{"seed": 1, "q": 0.5}, {"seed": 2, "q": None}]).splitlines()
    ['seed,q', '1,0.5', '2,']
    """
    buf = io.StringIO()
    if table:
        fields = list(dict.fromkeys(k for row in table for k in row))
        w = csv.DictWriter(buf, fieldnames=fields)
        w.writeheader()
        w.writerows(table)
    return buf.getvalue()


# --------------------------------------------------------------------------- published values
def published(experiment: str, path: Path | None = None) -> dict:
    """The published values of one experiment (``published.toml``, shipped with the package).

    A dict treatment -> {quantity: value with its source}.

    Examples
    --------
    >>> pub = published("ka2005_logic")
    >>> "mvg" in pub and "fixed-g1" in pub
    True
    >>> format_published(pub["mvg"]["qm"])
    '0.54 +- 0.02'
    """
    return read_toml(path or PUBLISHED).get(experiment, {})


def format_published(entry: dict | None) -> str:
    """A published value as the paper gives it; the one formatter of published values.

    Examples
    --------
    >>> format_published({"value": 36, "of": 50})
    '36/50'
    >>> format_published({"centre": 9000, "plus": 19000, "minus": 2000})
    '9,000 (+19,000/-2,000)'
    >>> format_published({"mean": 0.54, "se": 0.02})
    '0.54 +- 0.02'
    >>> format_published({"median": 0.42, "ci": [0.25, 0.45]})
    '0.42 [0.25, 0.45]'
    >>> format_published({"fraction": 0.56}), format_published(None)
    ('56%', '-')
    """
    if not entry:
        return "-"
    if "of" in entry:
        return f"{entry['value']}/{entry['of']}"
    if "centre" in entry:
        return f"{entry['centre']:,} (+{entry['plus']:,}/-{entry['minus']:,})"
    if "mean" in entry:
        return f"{entry['mean']} +- {entry['se']}"
    if "median" in entry:
        return f"{entry['median']} [{entry['ci'][0]}, {entry['ci'][1]}]"
    if "fraction" in entry:
        return f"{entry['fraction']:.0%}"
    if "value" in entry:
        return str(entry["value"])
    return "-"


def summary_rows(results: list[dict], experiment: str) -> list[dict]:
    """Per treatment: solved runs, generations to solution (median [Q1, Q3]), gates, Qm.

    Each with the published value beside it (Kashtan & Alon 2005).

    Examples
    --------
    >>> import tempfile
    >>> from replication.api import run_evolution
    >>> root = Path(tempfile.mkdtemp()); exp = root / "ka2005_logic"
    >>> small = {"selection.population": 20, "selection.elite": 6, "run.max_generations": 5,
    ...          "modularity.qrand_samples": 20}
    >>> for seed in (1, 2):
    ...     _ = run_evolution("ka2005_logic", "mvg", seed, exp / "mvg" / f"seed-{seed}", small)
    >>> row = summary_rows(load_results(exp), "ka2005_logic")[0]
    >>> row["treatment"], row["runs"], row["solved"], row["Qm (published)"]
    ('mvg', 2, '0/2', '0.54 +- 0.02')
    """
    pub = published(experiment)
    out = []
    for treatment in sorted({r["treatment"] for r in results}):
        rs = [r for r in results if r["treatment"] == treatment]
        solved = [r for r in rs if r.get("solved_generation") is not None]
        gens = quartiles(r["solved_generation"] for r in solved)
        gates = quartiles(_size(r) for r in solved)
        qm = mean_se(r.get("qm") for r in solved)
        p = pub.get(treatment, {})
        out.append({
            "treatment": treatment,
            "runs": len(rs),
            "solved": f"{len(solved)}/{len(rs)}",
            "solved (published)": format_published(p.get("solved_runs")),
            "generations median [Q1, Q3]": (f"{gens[1]:,.0f} [{gens[0]:,.0f}, {gens[2]:,.0f}]"
                                            if gens else "-"),
            "generations (published)": format_published(p.get("generations_to_solution")),
            "size median [Q1, Q3]": (f"{gates[1]:.0f} [{gates[0]:.0f}, {gates[2]:.0f}]"
                                     if gates else "-"),
            "size (published)": format_published(p.get("gates")),
            "final accuracy (median, per goal)": _accuracies(rs),
            "one-side detectors": (f"{sum(bool(r.get('one_side_detector')) for r in rs)}/{len(rs)}"
                                   if any("one_side_detector" in r for r in rs) else "-"),
            "Qm mean +- SE (n)": (f"{qm[0]:.2f} +- {qm[1]:.2f} ({qm[2]})" if qm else "-"),
            "Qm (published)": format_published(p.get("qm")),
            "wall s (sum)": f"{sum(r.get('wall_seconds', 0) for r in rs):,.0f}",
        })
    return out


def _size(r: dict):
    """Effective gates (circuits) or effective neurons (retina) of the best network."""
    return r.get("n_effective_gates", r.get("n_effective_neurons"))


def _accuracies(rs: list[dict]) -> str:
    goals = sorted({g for r in rs for g in r.get("best_accuracy", {})})
    return ", ".join(f"{g} {np.median([r['best_accuracy'][g] for r in rs if g in r['best_accuracy']]):.3f}"
                     for g in goals) or "-"


def markdown_table(rows: list[dict]) -> str:
    """A list of dicts with the same keys as a Markdown table (keys as the header).

    Examples
    --------
    >>> print(markdown_table([{"treatment": "mvg", "runs": 2}, {"treatment": "fixed-g1", "runs": 3}]))
    | treatment | runs |
    |---|---|
    | mvg | 2 |
    | fixed-g1 | 3 |
    <BLANKLINE>
    """
    if not rows:
        return "(no finished runs)\n"
    cols = list(rows[0])
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(str(r[c]) for c in cols) + " |" for r in rows]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- modularity of runs
MODULARITY_COLUMNS = ["treatment", "seed", "q", "q_method", "q_exact", "q_rand", "q_rand_sd",
                      "q_rand_method", "q_max", "q_max_method", "qm", "partition", "graph_nodes",
                      "graph_edges", "recipe", "calibration_key"]
_FLOAT = {"q", "q_exact", "q_rand", "q_rand_sd", "q_max", "qm"}
_INT = {"seed", "graph_nodes", "graph_edges"}


def run_graph(protocol, genome):
    """The network of a genome on which the protocol's modularity recipe is computed (the genome
    model applies the "effective nodes" rule; :func:`modularity.apply_recipe` the others).

    Examples
    --------
    >>> import tempfile
    >>> from replication.api import run_evolution
    >>> root = Path(tempfile.mkdtemp()); exp = root / "ka2005_logic"
    >>> small = {"selection.population": 20, "selection.elite": 6, "run.max_generations": 5,
    ...          "modularity.qrand_samples": 20}
    >>> for seed in (1, 2):
    ...     _ = run_evolution("ka2005_logic", "mvg", seed, exp / "mvg" / f"seed-{seed}", small)
    >>> from replication.protocol import load_run_protocol
    >>> r = load_results(exp)[0]
    >>> g = run_graph(load_run_protocol(r["_folder"]), r["genome"])
    >>> g.number_of_nodes() <= 4 + 12, g.is_directed()       # inputs + at most 12 gates
    (True, True)
    """
    from .genomes import genome_model as make_model
    model = make_model(protocol)
    if getattr(protocol, "modularity", None) is not None:
        return model.modularity_graph(np.asarray(genome, np.int16), protocol)
    return model.to_networkx(np.asarray(genome, np.int8))


def _genome_null(protocol, runs_root, n_nodes: int) -> dict | None:
    """The random-genome Qrand of networks with ``n_nodes`` nodes, if that calibration exists."""
    from .calibration import calibration_dir
    path = calibration_dir(runs_root, protocol) / "qrand_genome.json"
    if not path.exists():
        return None
    entry = read_json(path)["by_nodes"].get(str(n_nodes))
    if entry is None:
        raise ValueError(f"no random genome of {protocol.name} maps to a network of {n_nodes} nodes; "
                         f"use qrand_method = 'swap'")
    return {**entry, "method": f"random genomes decoded to {n_nodes}-node networks ({entry['count']} of "
                               f"them), {protocol.modularity.method} partition"}


def modularity_of_run(folder: str | Path, q_max: dict | None = None, runs_root: str | Path | None = None) -> dict:
    """Q (the protocol's recipe), exact Q, Qrand, Qmax and Qm of a finished run's best network.

    Reads the run folder only.  ``q_max``: the experiment's Qmax calibration summary
    (``calibration.load_qmax``); without it Qm is ``None`` (unless the recipe climbs per network).
    ``runs_root``: where the calibrations are (default: three levels above the run folder).

    Q, Qrand and Qm as Kashtan & Alon (2005) define them (Qm = (Q - Qrand) / (Qmax - Qrand)).

    Examples
    --------
    >>> import tempfile
    >>> from replication.api import run_evolution
    >>> root = Path(tempfile.mkdtemp()); exp = root / "ka2005_logic"
    >>> small = {"selection.population": 20, "selection.elite": 6, "run.max_generations": 5,
    ...          "modularity.qrand_samples": 20}
    >>> for seed in (1, 2):
    ...     _ = run_evolution("ka2005_logic", "mvg", seed, exp / "mvg" / f"seed-{seed}", small)
    >>> m = modularity_of_run(exp / "mvg" / "seed-1")
    >>> m["q_method"], m["qm"] is None, m["q"] <= m["q_exact"] + 1e-12       # greedy never beats exact
    ('greedy', True, True)
    >>> m2 = modularity_of_run(exp / "mvg" / "seed-1", q_max={"q_max": 0.8, "method": "given"})
    >>> abs(m2["qm"] - (m2["q"] - m2["q_rand"]) / (0.8 - m2["q_rand"])) < 1e-12
    True
    """
    from .calibration import calibration_key
    from .modularity import apply_recipe, best_partition, recipe_from_protocol
    from .protocol import load_run_protocol
    folder = Path(folder)
    runs_root = Path(runs_root) if runs_root is not None else folder.parents[2]
    protocol = load_run_protocol(folder)
    result = read_json(folder / "result.json")
    recipe = recipe_from_protocol(protocol)
    graph = run_graph(protocol, result["genome"])
    q_rand = None
    if recipe.qrand_method == "genome":
        q_rand = _genome_null(protocol, runs_root, graph.number_of_nodes())
        if q_rand is None:
            recipe = dataclasses.replace(recipe, qrand_method=None)   # Qm left empty: no null yet
    rep = apply_recipe(graph, recipe, seed=result["seed"], q_max=q_max, q_rand=q_rand)
    exact = (recipe.measure == "qm" and rep.n_nodes > 0)
    return {"treatment": result["treatment"], "seed": result["seed"],
            "q": rep.q, "q_method": rep.method,
            "q_exact": best_partition(graph, "exact", recipe.directed)[0] if exact else None,
            "q_rand": rep.q_rand, "q_rand_sd": rep.q_rand_sd, "q_rand_method": rep.q_rand_method,
            "q_max": rep.q_max, "q_max_method": rep.q_max_method, "qm": rep.qm,
            # files number nodes from 1 (as network.txt); the graph uses addresses from 0
            "partition": [[int(v) + 1 if isinstance(v, (int, np.integer)) else v for v in c]
                          for c in rep.partition],
            "graph_nodes": rep.n_nodes, "graph_edges": rep.n_edges, "recipe": recipe.describe(),
            "calibration_key": calibration_key(protocol) if recipe.measure == "qm" else None}


def tables_dir(experiment_dir: str | Path) -> Path:
    """Where analysis writes its tables: ``<experiment>/tables/`` (beside the runs, never in one).

    Examples
    --------
    >>> tables_dir("runs/ka2005_logic").as_posix()
    'runs/ka2005_logic/tables'
    """
    return Path(experiment_dir) / "tables"


def analyse_experiment(experiment_dir: str | Path, progress=None, runs_root: str | Path | None = None) -> dict:
    """Read every finished run of an experiment and write its tables; never writes in a run folder
    and never runs evolution.

    Writes ``<experiment>/tables/modularity.csv`` (one row per run: Q by the protocol's recipe,
    exact Q, Qrand, Qmax, Qm, partition as JSON) and ``<experiment>/tables/runs.csv`` (the tidy
    one-row-per-run table, modularity merged in).  Qmax comes from the experiment's calibration
    (``replication calibrate``); where it is missing, Qm is empty and the returned
    ``missing_calibration`` lists the protocols (treatments) that need one.

    Examples
    --------
    >>> import tempfile
    >>> from replication.api import run_evolution
    >>> root = Path(tempfile.mkdtemp()); exp = root / "ka2005_logic"
    >>> small = {"selection.population": 20, "selection.elite": 6, "run.max_generations": 5,
    ...          "modularity.qrand_samples": 20}
    >>> for seed in (1, 2):
    ...     _ = run_evolution("ka2005_logic", "mvg", seed, exp / "mvg" / f"seed-{seed}", small)
    >>> before = {p: p.read_bytes() for p in exp.rglob("*") if p.is_file()}
    >>> out = analyse_experiment(exp)
    >>> out["runs"], sorted(p.name for p in tables_dir(exp).iterdir()), list(out["missing_calibration"])
    (2, ['modularity.csv', 'runs.csv'], ['mvg'])
    >>> all(p.read_bytes() == b for p, b in before.items())     # run folders left as they were
    True
    """
    from .calibration import calibration_key, load_qmax
    from .modularity import recipe_from_protocol
    from .protocol import load_run_protocol
    experiment_dir = Path(experiment_dir)
    # where the calibrations are: the runs root (a multiverse variant's folder is deeper)
    runs_root = Path(runs_root) if runs_root is not None else experiment_dir.parent
    rows, missing, cache = [], {}, {}
    for folder, _result in _iter_results(experiment_dir):
        protocol = load_run_protocol(folder)
        recipe = recipe_from_protocol(protocol)
        q_max = None
        if recipe.measure == "qm" and recipe.qmax_method == "evolve":
            key = calibration_key(protocol)
            if key not in cache:
                cache[key] = load_qmax(runs_root, protocol)
            q_max = cache[key]
            if q_max is None:
                missing.setdefault(protocol.treatment, protocol.source)
        row = modularity_of_run(folder, q_max, runs_root)
        if recipe.qrand_method == "genome" and row["q_rand"] is None:
            missing.setdefault(protocol.treatment, protocol.source)
        rows.append(row)
        if progress:
            progress()
    out = tables_dir(experiment_dir)
    if rows:
        write_table(out / "modularity.csv", rows, MODULARITY_COLUMNS)
        write_table(out / "runs.csv", tidy_table(load_results(experiment_dir)))
    return {"runs": len(rows), "tables": str(out), "missing_calibration": missing}


def write_table(path: Path, rows: list[dict], columns: list[str] | None = None) -> None:
    """Write ``rows`` as CSV (lists and dicts as JSON, ``None`` as an empty cell), atomically.

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "t.csv"
    >>> write_table(path, [{"seed": 1, "partition": [[1, 2], [3]], "qm": None}])
    >>> print(path.read_text(), end="")
    seed,partition,qm
    1,"[[1, 2], [3]]",
    """
    from .store import write_atomic
    fields = columns or list(dict.fromkeys(k for row in rows for k in row))
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=fields, extrasaction="ignore", lineterminator="\n")
    w.writeheader()
    for row in rows:
        w.writerow({k: (json.dumps(v) if isinstance(v, (list, dict)) else ("" if v is None else v))
                    for k, v in row.items() if k in fields})
    write_atomic(Path(path), buf.getvalue())


def read_modularity_table(experiment_dir: str | Path) -> dict[tuple[str, int], dict]:
    """``tables/modularity.csv`` as {(treatment, seed): row}, typed; {} if analysis has not run.

    Examples
    --------
    >>> import tempfile
    >>> from replication.api import run_evolution
    >>> root = Path(tempfile.mkdtemp()); exp = root / "ka2005_logic"
    >>> small = {"selection.population": 20, "selection.elite": 6, "run.max_generations": 5,
    ...          "modularity.qrand_samples": 20}
    >>> for seed in (1, 2):
    ...     _ = run_evolution("ka2005_logic", "mvg", seed, exp / "mvg" / f"seed-{seed}", small)
    >>> read_modularity_table(exp)
    {}
    >>> _ = analyse_experiment(exp)
    >>> table = read_modularity_table(exp)
    >>> sorted(table), type(table[("mvg", 1)]["q"]).__name__
    ([('mvg', 1), ('mvg', 2)], 'float')
    """
    path = tables_dir(experiment_dir) / "modularity.csv"
    if not path.exists():
        return {}
    out = {}
    with open(path, newline="") as fh:
        for row in csv.DictReader(fh):
            typed = {}
            for k, v in row.items():
                if v == "":
                    typed[k] = None
                elif k in _FLOAT:
                    typed[k] = float(v)
                elif k in _INT:
                    typed[k] = int(v)
                elif k == "partition":
                    typed[k] = json.loads(v)
                else:
                    typed[k] = v
            out[(typed["treatment"], typed["seed"])] = typed
    return out


# --------------------------------------------------------------------------- times from logs
def readaptation_times(folder: str | Path) -> float | None:
    """Median generations a run needed, after each goal switch, until an individual solved the new
    goal (``n_solved > 0`` in ``log.csv``), over the switches after the run had solved every goal
    it visits; an epoch that ends unsolved counts its full length, the run's last (cut) epoch is
    left out.  ``None`` without such switches (e.g. a run that stops once all goals are solved).

    Kashtan & Alon (2005): under MVG, once evolved, "the population reaches a perfect solution to
    the new goal within about 5 generations" (retina: "about 3").

    Examples
    --------
    Five generations never solve a goal, so there is no switch to measure:

    >>> import tempfile
    >>> from replication.api import run_evolution
    >>> root = Path(tempfile.mkdtemp()); exp = root / "ka2005_logic"
    >>> small = {"selection.population": 20, "selection.elite": 6, "run.max_generations": 5,
    ...          "modularity.qrand_samples": 20}
    >>> for seed in (1, 2):
    ...     _ = run_evolution("ka2005_logic", "mvg", seed, exp / "mvg" / f"seed-{seed}", small)
    >>> readaptation_times(exp / "mvg" / "seed-1") is None
    True
    """
    res_path = Path(folder) / "result.json"
    result = read_json(res_path) if res_path.exists() else {}
    if "readaptation" in result:           # recorded by the run itself (evolve.Readaptation)
        epoch = read_json(Path(folder) / "protocol.json")["schedule"]["epoch"]
        gens = [g if g is not None else epoch for g in result["readaptation"]["generations"]]
        return float(np.median(gens)) if gens else None
    path = Path(folder) / "log.csv"
    if not path.exists():
        return None
    with open(path, newline="") as fh:
        rows = [(int(r["generation"]), r["goal"], int(r["n_solved"])) for r in csv.DictReader(fh)]
    goals = {gl for _g, gl, _k in rows}
    seen: set = set()
    first = None
    for g, gl, k in rows:
        if k > 0:
            seen.add(gl)
            if seen == goals:
                first = g
                break
    if first is None:
        return None
    times, start, goal, done = [], None, None, True
    for g, gl, k in rows:
        if gl != goal:
            if start is not None and not done:
                times.append(g - start)                    # unsolved epoch: its full length
            goal, start, done = gl, g, g <= first          # only switches after all goals were solved
        if not done and k > 0:
            times.append(g - start)
            done = True
    return float(np.median(times)) if times else None


def read_adaptation_runs(experiment_dir: str | Path) -> dict[str, dict[int, list]]:
    """Every finished adaptation run of an experiment, read once: '<treatment>-<from>-to-<to>'
    -> source network (its seed) -> the run records of its replicates (:func:`iter_runs`).
    The readers below take this instead of walking ``<experiment>/adapt/`` again.

    Examples
    --------
    >>> import tempfile
    >>> from replication.store import adaptation_run_dir, write_json
    >>> root = Path(tempfile.mkdtemp())
    >>> for rep in (1, 2):
    ...     write_json(adaptation_run_dir(root, "exp", "pa-AND-to-OR", 3, rep) / "result.json",
    ...                {"generations_run": 7})
    >>> {k: {net: len(v) for net, v in nets.items()} for k, nets in read_adaptation_runs(root / "exp").items()}
    {'pa-AND-to-OR': {3: 2}}
    """
    groups: dict[str, dict[int, list]] = {}
    if Path(experiment_dir, "adapt").is_dir():
        for rec in iter_runs(Path(experiment_dir, "adapt")):
            groups.setdefault(rec.variant, {}).setdefault(rec.seed, []).append(rec)
    return groups


def read_adaptation_times(experiment_dir: str | Path, runs: dict | None = None) -> dict[str, list[int]]:
    """Generations to a perfect network per '<treatment>-<from>-to-<to>' (unsolved runs count as
    their generation cap, as the paper's cut-off at 5000).

    The adaptation experiment of Clune, Mouret & Lipson (2013, Fig. 4a); reads
    ``<experiment>/adapt/`` (or takes ``runs``, :func:`read_adaptation_runs` of it).

    Examples
    --------
    >>> import tempfile
    >>> from replication.store import adaptation_run_dir, write_json
    >>> root = Path(tempfile.mkdtemp())
    >>> for rep, gens in ((1, 12), (2, 5000)):
    ...     write_json(adaptation_run_dir(root, "exp", "pa-AND-to-OR", 3, rep) / "result.json",
    ...                {"generations_run": gens})
    >>> read_adaptation_times(root / "exp")
    {'pa-AND-to-OR': [12, 5000]}
    """
    runs = read_adaptation_runs(experiment_dir) if runs is None else runs
    return {key: [r.result["generations_run"] for reps in nets.values() for r in reps]
            for key, nets in runs.items()}


def read_adaptation_clusters(experiment_dir: str | Path, runs: dict | None = None) -> dict[str, list[list[int]]]:
    """As :func:`read_adaptation_times`, grouped by source network (seed order): the runs cloned
    from one network are one cluster, the unit a confidence interval must resample
    (:func:`replication.stats.median_ci_clustered`).

    Examples
    --------
    >>> import tempfile
    >>> from replication.store import adaptation_run_dir, write_json
    >>> root = Path(tempfile.mkdtemp())
    >>> for net, rep, gens in ((3, 1, 12), (3, 2, 40), (5, 1, 7)):
    ...     write_json(adaptation_run_dir(root, "exp", "pa-AND-to-OR", net, rep) / "result.json",
    ...                {"generations_run": gens})
    >>> read_adaptation_clusters(root / "exp")
    {'pa-AND-to-OR': [[12, 40], [7]]}
    """
    runs = read_adaptation_runs(experiment_dir) if runs is None else runs
    return {key: [[r.result["generations_run"] for r in nets[net]] for net in sorted(nets)]
            for key, nets in runs.items()}


def _source_yield(experiment_dir, name: str, source: str | None) -> str:
    """'<perfect> of <runs> (<treatment>)' for the source treatment of adaptation ``name`` (its
    own runs and its source trials; ``source``: the run folder one of its networks came from):
    how many trials it took to find the starting networks."""
    from .adaptation import source_networks, trials_so_far
    if not source:
        return "-"
    treatment, from_goal = Path(source).parent.name, name.split("-to-")[0].rsplit("-", 1)[-1]
    perfect = len(source_networks(experiment_dir, treatment, from_goal))
    return f"{perfect} of {len(trials_so_far(experiment_dir, treatment))} ({treatment})"


def adaptation_summary(experiment_dir: str | Path, runs: dict | None = None) -> list[dict]:
    """One row per adaptation ('<treatment>-<from>-to-<to>'): its sample and its result.

    Columns: ``adaptation``, ``networks`` (source networks), ``replicates`` (per network,
    ``min-max`` when they differ), ``runs``, ``from source trials`` (networks that came from
    additional trials, ``adapt/sources/``, rather than the treatment's own runs),
    ``source runs: perfect of all`` (the source treatment's runs and trials with a perfect network,
    of all of them), ``median [95% CI over networks]`` generations (offspring generations until a
    perfect network: 1 = among the first children; the CI resamples source networks,
    :func:`replication.stats.median_ci_clustered`), ``95% CI over runs`` (the runs taken as
    independent), ``median of network medians`` (another reading of "the median" of 50 x 50
    runs), the same median counted as the authors' program's epoch
    index (``_gen`` from 0 when its stop criterion fires: ours - 1; which count the paper
    reports is not stated) and ``unsolved`` (runs that hit the generation cap: counted at the
    cap, as the paper's 5000). ``runs``: :func:`read_adaptation_runs` of the experiment, when
    the caller has read it already. Clune et al. 2013, Fig. 4a and section 3.

    Examples
    --------
    >>> import tempfile
    >>> from replication.store import adaptation_run_dir, write_json
    >>> root = Path(tempfile.mkdtemp())
    >>> for net, src in ((3, "runs/e/pa/seed-3"), (51, "runs/e/adapt/sources/pa/seed-51")):
    ...     for rep, gens in ((1, 12), (2, 30)):
    ...         d = adaptation_run_dir(root, "exp", "pa-AND-to-OR", net, rep)
    ...         write_json(d / "result.json", {"generations_run": gens, "solved_generation": gens})
    ...         write_json(d / "protocol.json", {"initial": {"source": src}})
    >>> row = adaptation_summary(root / "exp")[0]
    >>> row["networks"], row["replicates"], row["runs"], row["from source trials"], row["unsolved"]
    (2, '2', 4, 1, 0)
    """
    groups = read_adaptation_runs(experiment_dir) if runs is None else runs
    rows = []
    clusters = read_adaptation_clusters(experiment_dir, groups)
    for name, nets in groups.items():
        recs = [r for reps in nets.values() for r in reps]
        gens = [g for net in clusters[name] for g in net]
        reps = sorted({len(v) for v in nets.values()})
        # the run folder each network came from (every replicate records it; read the first's)
        sources = [read_json(Path(v[0].folder) / "protocol.json").get("initial", {}).get("source")
                   for _, v in sorted(nets.items())]
        # the networks are the independent units: the CI resamples them (the one over runs is
        # what 50 x 50 runs give if taken as independent, as the paper's narrow CIs suggest)
        med, lo, hi = median_ci_clustered(clusters[name])
        _, run_lo, run_hi = median_ci(gens)
        net_medians = [float(np.median(net)) for net in clusters[name]]
        rows.append({"adaptation": name, "networks": len(nets),
                     "replicates": str(reps[0]) if len(reps) == 1 else f"{reps[0]}-{reps[-1]}",
                     "runs": len(recs), "from source trials": sum(bool(x) and is_source_trial(x) for x in sources),
                     "source runs: perfect of all": _source_yield(experiment_dir, name, sources[0]),
                     "median [95% CI over networks]": f"{med:g} [{lo:.4g}, {hi:.4g}]",
                     "95% CI over runs": f"[{run_lo:g}, {run_hi:g}]",
                     "median of network medians": f"{np.median(net_medians):g}",
                     # the authors' program stops in epoch _gen (from 0): its count is ours - 1
                     "as the code's epoch index": f"{med - 1:g} [{lo - 1:.4g}, {hi - 1:.4g}]",
                     "unsolved": sum(r.result.get("solved_generation") is None for r in recs)})
    return rows


def feedback_nodes(folder: str | Path) -> int | None:
    """Nodes of a run's final network (``network.txt``) that lie on a directed cycle: in a
    strongly connected component of two or more nodes, or with a self-loop. ``None`` without a
    network file.

    Kashtan & Alon (2005) found that networks evolved for modularity alone (the Q-only control)
    have "many feedback loops"; goal-evolved circuits compute through them rarely.

    Examples
    --------
    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> _ = (d / "network.txt").write_text("1 3 1\\n2 3 1\\n3 4 1\\n4 5 1\\n5 4 1\\n6 6 1\\n")
    >>> feedback_nodes(d)                      # the 4 <-> 5 loop and the self-loop of 6
    3
    """
    import networkx as nx
    path = Path(folder) / "network.txt"
    if not path.is_file():
        return None
    g = nx.DiGraph()
    for line in path.read_text().splitlines():
        parts = line.split()
        if len(parts) >= 2:
            g.add_edge(int(parts[0]), int(parts[1]))
    on_cycle = {v for comp in nx.strongly_connected_components(g) if len(comp) > 1 for v in comp}
    return len(on_cycle | {u for u, v in g.edges if u == v})


# --------------------------------------------------------------------------- motif profiles of runs
def _layers(result: dict, g) -> dict | None:
    """Layer of each node of a layered network (network.txt numbers nodes from 1), else None:
    the random ensemble then also keeps the layers, as the 2005 paper did for its networks."""
    from .genomes import genome_model as make_model
    from .protocol import load_run_protocol
    model = make_model(load_run_protocol(result["_folder"]))
    if not hasattr(model, "layer_of"):
        return None
    return {v: model.layer_of(v - 1) for v in g}


def motif_profiles(experiment_dir: str | Path, sizes=(3, 4), n_random: int = 100,
                   solved_only: bool = True, results: list[dict] | None = None,
                   path: str | Path | None = None) -> dict:
    """Z-score profiles (mean +- SE per motif ID) of each treatment's best networks.

    Written to ``<experiment_dir>/motifs.json`` (where the figures read it; beside the runs, not
    in one), or to ``path``, together with the run folders used. ``results``: these runs
    (e.g. some seeds only) instead of every run of ``experiment_dir``.

    Z-scores against mfinder-style random networks (Milo et al. 2002), averaged as in
    Kashtan & Alon (2005), Figs. 1c, 1d and 5d.

    Examples
    --------
    >>> import tempfile
    >>> from replication.api import run_evolution
    >>> root = Path(tempfile.mkdtemp()); exp = root / "ka2005_logic"
    >>> small = {"selection.population": 20, "selection.elite": 6, "run.max_generations": 5,
    ...          "modularity.qrand_samples": 20}
    >>> for seed in (1, 2):
    ...     _ = run_evolution("ka2005_logic", "mvg", seed, exp / "mvg" / f"seed-{seed}", small)
    >>> prof = motif_profiles(exp, sizes=(3,), n_random=5, solved_only=False)
    >>> prof["sizes"], sorted(prof["treatments"]), (exp / "motifs.json").is_file()
    ([3], ['mvg'], True)
    >>> motif_profiles(exp, sizes=(3,), n_random=5)["treatments"]      # no run solved its goals
    {'mvg': {'3': []}}
    """
    import networkx as nx
    from .motifs import aggregate_z, analyse
    from .store import write_json
    results = load_results(experiment_dir) if results is None else results
    out = {"n_random": n_random, "sizes": list(sizes), "treatments": {}, "n_networks": {}, "runs": {}}
    for treatment in sorted({r["treatment"] for r in results}):
        rs = [r for r in results if r["treatment"] == treatment
              and (not solved_only or r.get("solved_generation") is not None)]
        out["n_networks"][treatment] = len(rs)
        out["runs"][treatment] = [r["_folder"] for r in rs]
        out["treatments"][treatment] = {}
        for size in sizes:
            profiles = []
            for r in rs:
                g = nx.DiGraph()
                for line in (Path(r["_folder"]) / "network.txt").read_text().splitlines():
                    a, b, _w = map(int, line.split())
                    if a != b:
                        g.add_edge(a, b)
                profiles.append(analyse(g, size, n_random, seed=r["seed"], layers=_layers(r, g)))
            agg = aggregate_z(profiles)
            out["treatments"][treatment][str(size)] = [
                {"id": i, "z_mean": m, "z_se": se, "n": n} for i, (m, se, n) in agg.items()]
    write_json(Path(path) if path is not None else Path(experiment_dir) / "motifs.json", out)
    return out


# --------------------------------------------------------------------------- 2013 summary
def _fmt_ci(m) -> str:
    return "-" if m is None else f"{m[0]:.3g} [{m[1]:.3g}, {m[2]:.3g}]"


def _fmt_p(p) -> str:
    return "-" if p is None else f"{p:.2g}"


def summary_rows_2013(results: list[dict], experiment: str, reference: str = "pa") -> list[dict]:
    """Per treatment: Q, performance, left/right split and sub-solution pairs, with published values
    and tests against the reference treatment (PA).

    Medians with bootstrap 95% CIs and rank-sum p-values for Q and performance, Fisher's
    exact test for the left/right split, as Clune, Mouret & Lipson (2013) report them.

    Examples
    --------
    >>> results = [{"treatment": t, "seed": k, "generations_run": 100, "q": q + 0.01 * k,
    ...             "performance": 0.9, "left_right_split": t == "pcc" and k < 4}
    ...            for t, q in (("pa", 0.2), ("pcc", 0.4)) for k in range(6)]
    >>> rows = summary_rows_2013(results, "clune2013_retina")
    >>> [(r["treatment"], r["left/right split"], r["Q p vs PA"] != "-") for r in rows]
    [('pa', '0/6', False), ('pcc', '4/6', True)]
    """
    pub = published(experiment)
    groups = {t: [r for r in results if r["treatment"] == t] for t in sorted({r["treatment"] for r in results})}
    ref = groups.get(reference, [])
    out = []
    for t, rs in groups.items():
        p = pub.get(t, {})
        q = [r.get("q") for r in rs]
        perf = [r.get("performance") for r in rs]
        split = sum(bool(r.get("left_right_split")) for r in rs)
        pairs = sum(bool(r.get("sub_solution_pair")) for r in rs)
        other = t != reference and ref
        out.append({
            "treatment": t, "runs": len(rs),
            "generations": f"{min(r['generations_run'] for r in rs):,}",
            "Q median [95% CI]": _fmt_ci(median_ci(q)),
            "Q (published)": format_published(p.get("q")),
            "Q p vs PA": _fmt_p(rank_sum_p(q, [r.get("q") for r in ref]) if other else None),
            "performance median [95% CI]": _fmt_ci(median_ci(perf)),
            "performance (published)": format_published(p.get("performance")),
            "left/right split": f"{split}/{len(rs)}",
            "split (published)": format_published(p.get("left_right_split")),
            "split p vs PA": _fmt_p(fisher_p(split, len(rs), sum(bool(r.get("left_right_split")) for r in ref),
                                             len(ref)) if other else None),
            "sub-solution pairs": f"{pairs}/{len(rs)}",
            "cost median": _fmt_ci(median_ci([r.get("cost") for r in rs])),
            "connections median": _fmt_ci(median_ci([r.get("n_connections") for r in rs])),
        })
    return out
