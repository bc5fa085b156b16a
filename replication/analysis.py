"""Run folders -> tidy tables (one row per run) and the statistics we report.

Reads ``result.json`` files only: nothing here re-runs evolution.
"""
from __future__ import annotations

import csv
import io
import math
from pathlib import Path

import numpy as np

from .catalog import published_path
from .protocol import read_toml
from .store import read_json



def load_results(experiment_dir: str | Path) -> list[dict]:
    """Every finished run under ``<runs>/<experiment>/<treatment>/seed-N``, sorted."""
    rows = []
    for path in sorted(Path(experiment_dir).glob("*/seed-*/result.json")):
        res = read_json(path)
        res["_folder"] = str(path.parent)
        rows.append(res)
    rows.sort(key=lambda r: (r["treatment"], r["seed"]))
    return rows


TABLE_COLUMNS = ["experiment", "treatment", "seed", "generations_run", "solved_generation",
                 "best_fitness", "size", "q", "q_exact", "q_rand", "q_max", "qm", "one_side_detector",
                 "folder"]


def tidy_table(results: list[dict]) -> list[dict]:
    """One row per run; ``size`` = effective gates or neurons; ``folder`` = the run folder."""
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
    buf = io.StringIO()
    if table:
        fields = list(dict.fromkeys(k for row in table for k in row))
        w = csv.DictWriter(buf, fieldnames=fields)
        w.writeheader()
        w.writerows(table)
    return buf.getvalue()


# --------------------------------------------------------------------------- statistics
def quartiles(values) -> tuple[float, float, float] | None:
    v = np.asarray([x for x in values if x is not None], float)
    if v.size == 0:
        return None
    q1, med, q3 = np.percentile(v, [25, 50, 75])
    return float(q1), float(med), float(q3)


def mean_se(values) -> tuple[float, float, int] | None:
    v = np.asarray([x for x in values if x is not None and not (isinstance(x, float) and math.isnan(x))], float)
    if v.size == 0:
        return None
    se = float(v.std(ddof=1) / math.sqrt(v.size)) if v.size > 1 else float("nan")
    return float(v.mean()), se, int(v.size)


def published(experiment: str, path: Path | None = None) -> dict:
    """The published values of one experiment (``published.toml``, shipped with the package)."""
    return read_toml(path or published_path()).get(experiment, {})


def format_published(entry: dict | None) -> str:
    if not entry:
        return "-"
    if "of" in entry:
        return f"{entry['value']}/{entry['of']}"
    if "centre" in entry:
        return f"{entry['centre']:,} (+{entry['plus']:,}/-{entry['minus']:,})"
    if "mean" in entry:
        return f"{entry['mean']} +- {entry['se']}"
    if "value" in entry:
        return str(entry["value"])
    return "-"


def summary_rows(results: list[dict], experiment: str) -> list[dict]:
    """Per treatment: solved runs, generations to solution (median [Q1, Q3]), gates, Qm."""
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
    if not rows:
        return "(no finished runs)\n"
    cols = list(rows[0])
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(str(r[c]) for c in cols) + " |" for r in rows]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- modularity of runs
def modularity_of_run(folder: str | Path, q_max: dict | None) -> dict:
    """Q (the protocol's recipe), exact Q, Qrand, Qmax and Qm of a finished run's best network."""
    from .evolve import make_model
    from .modularity import analyse_graph, best_partition
    from .protocol import load_run_protocol
    folder = Path(folder)
    protocol = load_run_protocol(folder)
    result = read_json(folder / "result.json")
    model = make_model(protocol)
    mod = protocol.modularity
    graph = model.modularity_graph(np.array(result["genome"], np.int16), protocol)
    genome_null = None
    if mod.qrand_method == "genome":
        from .calibration import calibrate_qrand_genome
        table = calibrate_qrand_genome(protocol, Path(folder).parents[2])
        genome_null = table["by_nodes"].get(str(graph.number_of_nodes()))
        if genome_null is None:
            raise ValueError(f"{folder}: no random genome maps to a network of "
                             f"{graph.number_of_nodes()} nodes; use qrand_method = 'swap'")
    if q_max is None and mod.qmax_method == "hillclimb":
        from .modularity import q_max_hillclimb
        mean, best = q_max_hillclimb(graph, directed=mod.directed, climbs=mod.qmax_runs,
                                     steps=mod.qmax_generations, seed=result["seed"])
        q_max = {"q_max": mean, "method": f"hillclimb: mean best greedy Q of {mod.qmax_runs} climbs x "
                                          f"{mod.qmax_generations} degree-preserving swaps (best {best:.4f})"}
    rep = analyse_graph(graph, method=mod.method, directed=mod.directed,
                        qrand_samples=0 if genome_null else mod.qrand_samples,
                        swaps_per_edge=mod.qrand_swaps_per_edge,
                        q_max_value=q_max["q_max"] if q_max else None,
                        q_max_method=q_max["method"] if q_max else None, seed=result["seed"])
    if genome_null:
        from .modularity import normalised_q
        rep.q_rand, rep.q_rand_sd = genome_null["mean"], genome_null["sd"]
        rep.q_rand_method = (f"random genomes decoded to {graph.number_of_nodes()}-node networks "
                             f"({genome_null['count']} of them), {mod.method} partition")
        if rep.q_max is not None and rep.q_max > rep.q_rand:
            rep.qm = normalised_q(rep.q, rep.q_rand, rep.q_max)
    q_exact = best_partition(graph, "exact", mod.directed)[0] if graph.number_of_nodes() else 0.0
    return {"q": rep.q, "q_method": rep.method, "q_exact": q_exact, "q_rand": rep.q_rand,
            "q_rand_sd": rep.q_rand_sd, "q_rand_method": rep.q_rand_method, "q_max": rep.q_max,
            "q_max_method": rep.q_max_method, "qm": rep.qm,
            "partition": [[int(v) if isinstance(v, (int, np.integer)) else v for v in c]
                          for c in rep.partition],
            "graph_nodes": rep.n_nodes, "graph_edges": rep.n_edges}


def annotate_modularity(experiment_dir: str | Path, runs_root: str | Path, jobs: int = 1,
                        progress=None) -> int:
    """Add modularity to every finished run's result.json (calibrating Qmax first if needed).

    Returns how many runs were updated.  Runs already annotated with the same calibration
    are skipped, so this is cheap to repeat.
    """
    from .calibration import calibrate_qmax, calibration_key
    from .protocol import load_run_protocol
    from .store import write_json
    folders = sorted(p.parent for p in Path(experiment_dir).glob("*/seed-*/result.json"))
    if not folders:
        return 0
    updated = 0
    cache: dict[str, dict] = {}
    for folder in folders:
        protocol = load_run_protocol(folder)
        key = calibration_key(protocol)
        if key not in cache:
            cache[key] = (calibrate_qmax(protocol, runs_root, jobs=jobs)
                          if protocol.modularity.qmax_method == "evolve" else None)
        q_max = cache[key]
        result = read_json(folder / "result.json")
        if result.get("calibration_key") == key and "qm" in result:
            continue
        result.update(modularity_of_run(folder, q_max))
        result["calibration_key"] = key
        write_json(folder / "result.json", result)
        updated += 1
        if progress:
            progress()
    return updated


# --------------------------------------------------------------------------- motif profiles of runs
def _layers(result: dict, g) -> dict | None:
    """Layer of each node of a layered network (network.txt numbers nodes from 1), else None:
    the random ensemble then also keeps the layers, as the 2005 paper did for its networks."""
    from .evolve import make_model
    from .protocol import load_run_protocol
    model = make_model(load_run_protocol(result["_folder"]))
    if not hasattr(model, "layer_of"):
        return None
    return {v: model.layer_of(v - 1) for v in g}


def motif_profiles(experiment_dir: str | Path, sizes=(3, 4), n_random: int = 100,
                   solved_only: bool = True) -> dict:
    """Z-score profiles (mean +- SE per motif ID) of each treatment's best networks.

    Written to ``<experiment_dir>/motifs.json`` together with the run folders used."""
    import networkx as nx
    from .motifs import aggregate_z, analyse
    from .store import write_json
    results = load_results(experiment_dir)
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
    write_json(Path(experiment_dir) / "motifs.json", out)
    return out


# --------------------------------------------------------------------------- 2013 statistics
def median_ci(values, seed: int = 0, resamples: int = 5000) -> tuple[float, float, float] | None:
    """Median with the 95% bootstrap (percentile) CI of the median, as Clune et al. 2013."""
    v = np.asarray([x for x in values if x is not None], float)
    if v.size == 0:
        return None
    if v.size == 1 or np.all(v == v[0]):
        return float(np.median(v)), float(v[0]), float(v[0])
    from scipy.stats import bootstrap
    res = bootstrap((v,), np.median, n_resamples=resamples, confidence_level=0.95,
                    method="percentile", random_state=np.random.default_rng(seed))
    return float(np.median(v)), float(res.confidence_interval.low), float(res.confidence_interval.high)


def rank_sum_p(a, b) -> float | None:
    from scipy.stats import mannwhitneyu
    a = [x for x in a if x is not None]
    b = [x for x in b if x is not None]
    if len(a) < 2 or len(b) < 2:
        return None
    return float(mannwhitneyu(a, b, alternative="two-sided").pvalue)


def fisher_p(hits_a: int, n_a: int, hits_b: int, n_b: int) -> float | None:
    from scipy.stats import fisher_exact
    if n_a == 0 or n_b == 0:
        return None
    return float(fisher_exact([[hits_a, n_a - hits_a], [hits_b, n_b - hits_b]])[1])


def _fmt_ci(m) -> str:
    return "-" if m is None else f"{m[0]:.3g} [{m[1]:.3g}, {m[2]:.3g}]"


def format_published_ci(entry) -> str:
    if not entry:
        return "-"
    if "median" in entry:
        return f"{entry['median']} [{entry['ci'][0]}, {entry['ci'][1]}]"
    if "fraction" in entry:
        return f"{entry['fraction']:.0%}"
    return "-"


def _fmt_p(p) -> str:
    return "-" if p is None else f"{p:.2g}"


def summary_rows_2013(results: list[dict], experiment: str, reference: str = "pa") -> list[dict]:
    """Per treatment: Q, performance, left/right split and sub-solution pairs, with published values
    and tests against the reference treatment (PA)."""
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
            "Q (published)": format_published_ci(p.get("q")),
            "Q p vs PA": _fmt_p(rank_sum_p(q, [r.get("q") for r in ref]) if other else None),
            "performance median [95% CI]": _fmt_ci(median_ci(perf)),
            "performance (published)": format_published_ci(p.get("performance")),
            "left/right split": f"{split}/{len(rs)}",
            "split (published)": format_published_ci(p.get("left_right_split")),
            "split p vs PA": _fmt_p(fisher_p(split, len(rs), sum(bool(r.get("left_right_split")) for r in ref),
                                             len(ref)) if other else None),
            "sub-solution pairs": f"{pairs}/{len(rs)}",
            "cost median": _fmt_ci(median_ci([r.get("cost") for r in rs])),
            "connections median": _fmt_ci(median_ci([r.get("n_connections") for r in rs])),
        })
    return out
