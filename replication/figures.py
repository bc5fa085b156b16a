"""One function per replicated paper figure, reading run folders (via analysis) only.

Every function takes the runs folder and the output folder, writes ``<name>.png`` and
``<name>.pdf``, plus ``<name>.sources.json`` listing the run folders it was made from, and
returns the paths it wrote ([] when the runs it needs are not there).
"""
from __future__ import annotations

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import networkx as nx  # noqa: E402
import numpy as np  # noqa: E402

from .analysis import load_results, published  # noqa: E402
from .store import read_json  # noqa: E402

RED, GREY, BLUE = "#c0392b", "#7f8c8d", "#2c3e50"
MODULE_COLOURS = ["#e74c3c", "#3498db", "#2ecc71", "#f39c12", "#9b59b6", "#1abc9c", "#e67e22", "#34495e"]


def _save(fig, out_dir: Path, name: str, sources: list[str], note: str = "") -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    png, pdf, src = out_dir / f"{name}.png", out_dir / f"{name}.pdf", out_dir / f"{name}.sources.json"
    desc = f"{name}: made from {len(sources)} run folder(s); see {src.name}"
    fig.savefig(png, dpi=130, bbox_inches="tight", metadata={"Description": desc})
    fig.savefig(pdf, bbox_inches="tight")
    plt.close(fig)
    src.write_text(json.dumps({"figure": name, "note": note, "runs": sorted(sources)}, indent=1) + "\n")
    return [png, pdf, src]


def _read_log(folder) -> dict[str, np.ndarray]:
    import csv
    with open(Path(folder) / "log.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    out = {}
    for key in rows[0]:
        try:
            out[key] = np.array([float(r[key]) if r[key] != "" else np.nan for r in rows])
        except ValueError:
            out[key] = np.array([r[key] for r in rows])
    return out


def _by_treatment(results):
    groups: dict[str, list[dict]] = {}
    for r in results:
        groups.setdefault(r["treatment"], []).append(r)
    return groups


def _typical_run(rs: list[dict], key: str = "qm") -> dict | None:
    """The solved run whose ``key`` is closest to the median over solved runs (ties: lowest seed)."""
    rs = [r for r in rs if r.get(key) is not None and r.get("solved_generation") is not None]
    if not rs:
        return None
    med = float(np.median([r[key] for r in rs]))
    return min(rs, key=lambda r: (abs(r[key] - med), r["seed"]))


def _median_run(rs: list[dict]) -> dict | None:
    solved = sorted((r for r in rs if r.get("solved_generation") is not None),
                    key=lambda r: r["solved_generation"])
    return solved[len(solved) // 2] if solved else (rs[0] if rs else None)


# --------------------------------------------------------------------------- 2005 Fig. 1a/b
def ka2005_fig1ab(runs: Path, out: Path, experiment: str = "ka2005_logic") -> list[Path]:
    """Fitness vs generation: (a) fixed goal (best red, mean grey), (b) MVG sampled every epoch
    just before the switch, alternately G1 and G2 (a run with the median time to solution)."""
    groups = _by_treatment(load_results(runs / experiment))
    fixed = next((groups[t] for t in ("fixed-g1", "fixed-and") if t in groups), None)
    mvg = groups.get("mvg")
    if not fixed or not mvg:
        return []
    rf, rm = _median_run(fixed), _median_run(mvg)
    lf, lm = _read_log(rf["_folder"]), _read_log(rm["_folder"])
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.6))
    ax = axes[0]
    ax.plot(lf["generation"], lf["best_fitness"], color=RED, lw=1, label="best")
    ax.plot(lf["generation"], lf["mean_fitness"], color=GREY, lw=0.8, label="mean")
    ax.set(xlabel="generation", ylabel="fitness", title=f"(a) fixed goal ({rf['treatment']}, seed {rf['seed']})")
    ax.legend(frameon=False)
    ax = axes[1]
    epoch = 20
    gen, goal = lm["generation"], lm["goal"]
    last = np.array([(g + 1) % epoch == 0 for g in gen])
    for name, colour in zip(sorted(set(goal)), (RED, BLUE)):
        sel = last & (goal == name)
        ax.plot(gen[sel], lm["best_fitness"][sel], ".", ms=3, color=colour, label=f"best, goal {name}")
    ax.set(xlabel="generation", ylabel="fitness (end of each epoch)",
           title=f"(b) MVG (seed {rm['seed']})")
    ax.legend(frameon=False)
    return _save(fig, out, f"{experiment}_fig1ab_fitness", [rf["_folder"], rm["_folder"]])


# --------------------------------------------------------------------------- motif Z-scores
def motif_z_figure(runs: Path, out: Path, experiment: str, name: str, sizes=("3", "4"),
                   top: int = 12) -> list[Path]:
    """Mean +- SE motif Z-scores, MVG (red) vs fixed goal (black), as Figs. 1c, 1d, 5d."""
    path = runs / experiment / "motifs.json"
    if not path.exists():
        return []
    prof = read_json(path)
    treatments = list(prof["treatments"])
    sizes = [s for s in sizes if all(s in prof["treatments"][t] for t in treatments)]
    if not sizes:
        return []
    fig, axes = plt.subplots(1, len(sizes), figsize=(6 * len(sizes), 3.6), squeeze=False)
    sources = [f for t in treatments for f in prof["runs"][t]]
    for ax, size in zip(axes[0], sizes):
        per = {t: {row["id"]: row for row in prof["treatments"][t][size]} for t in treatments}
        ids = sorted({i for t in treatments for i in per[t]},
                     key=lambda i: -max(abs(per[t].get(i, {"z_mean": 0})["z_mean"]) for t in treatments))[:top]
        ids = sorted(ids)
        width = 0.8 / len(treatments)
        for k, t in enumerate(treatments):
            colour = RED if t.startswith("mvg") else ["black", GREY, BLUE][k % 3]
            z = [per[t].get(i, {"z_mean": 0})["z_mean"] for i in ids]
            se = [per[t].get(i, {"z_se": 0})["z_se"] for i in ids]
            ax.bar(np.arange(len(ids)) + k * width, z, width, yerr=se, color=colour, alpha=0.8,
                   label=f"{t} (n = {prof['n_networks'][t]})")
        ax.axhline(0, color="k", lw=0.5)
        ax.set_xticks(np.arange(len(ids)) + 0.4 - width / 2, [str(i) for i in ids], rotation=60, fontsize=7)
        ax.set(xlabel="mfinder subgraph ID", ylabel="Z-score (mean +- SE)", title=f"{size}-node subgraphs")
        ax.legend(frameon=False, fontsize=7)
    return _save(fig, out, name, sources, note=f"{prof['n_random']} random networks per network")


# --------------------------------------------------------------------------- drawings
def _layered_positions(g: nx.DiGraph, layer=None) -> dict:
    """Inputs at the bottom, the output on top: y = longest path from a source (or a layer)."""
    if layer is None:
        depth = {}
        order = list(nx.topological_sort(g)) if nx.is_directed_acyclic_graph(g) else list(g)
        for v in order:
            preds = [depth[u] for u in g.predecessors(v) if u in depth]
            depth[v] = 1 + max(preds) if preds else 0
        layer = depth
    rows: dict[int, list] = {}
    for v in g:
        rows.setdefault(layer[v], []).append(v)
    pos = {}
    for y, vs in rows.items():
        for i, v in enumerate(sorted(vs)):
            pos[v] = (i - (len(vs) - 1) / 2, y)
    return pos


def draw_network(ax, g: nx.DiGraph, partition, labels=None, title: str = "", layer=None) -> None:
    where = {v: k for k, c in enumerate(partition) for v in c}
    colours = [MODULE_COLOURS[where.get(v, 0) % len(MODULE_COLOURS)] if v in where else "white" for v in g]
    pos = _layered_positions(g, layer)
    nx.draw_networkx_edges(g, pos, ax=ax, arrows=True, arrowsize=8, width=0.8, edge_color=GREY,
                           connectionstyle="arc3,rad=0.08")
    nx.draw_networkx_nodes(g, pos, ax=ax, node_color=colours, node_size=170, edgecolors="k", linewidths=0.5)
    nx.draw_networkx_labels(g, pos, labels=labels or {v: str(v) for v in g}, ax=ax, font_size=6)
    ax.set_title(title, fontsize=9)
    ax.axis("off")


def _example_networks(runs: Path, out: Path, experiment: str, treatments: tuple, name: str) -> list[Path]:
    """The best networks of the runs with Qm nearest their treatment's median, drawn from
    inputs (bottom) to output (top), nodes coloured by the Q recipe's modules."""
    from .genomes import genome_model as make_model
    from .protocol import load_run_protocol
    groups = _by_treatment(load_results(runs / experiment))
    picks = [(t, _typical_run(groups.get(t, []))) for t in treatments]
    picks = [(t, r) for t, r in picks if r]
    if not picks:
        return []
    fig, axes = plt.subplots(1, len(picks), figsize=(6 * len(picks), 4.5), squeeze=False)
    for ax, (t, r) in zip(axes[0], picks):
        proto = load_run_protocol(r["_folder"])
        model = make_model(proto)
        genome = np.array(r["genome"], np.int16)
        d = model.to_networkx(genome, names=getattr(proto, "inputs", None)) if proto.kind == "circuits" \
            else model.to_networkx(genome)
        g = nx.DiGraph(d.subgraph(model.modularity_graph(genome, proto).nodes))
        layered = all("layer" in d.nodes[v] for v in g)
        size = r.get("n_effective_gates", r.get("n_effective_neurons"))
        draw_network(ax, g, r.get("partition", []), {v: d.nodes[v]["label"] for v in g},
                     f"{t}, seed {r['seed']}: {size} effective, Q = {r['q']:.2f}, Qm = {r['qm']:.2f}",
                     layer={v: d.nodes[v]["layer"] for v in g} if layered else None)
    return _save(fig, out, name, [r["_folder"] for _, r in picks])


def ka2005_fig2(runs: Path, out: Path) -> list[Path]:
    """Fig. 2: example circuits, fixed goal G1 and MVG."""
    return _example_networks(runs, out, "ka2005_logic", ("fixed-g1", "mvg"), "ka2005_logic_fig2_circuits")


def ka2005_fig5bc(runs: Path, out: Path) -> list[Path]:
    """Fig. 5b/c: example retina networks, fixed goal and MVG."""
    return _example_networks(runs, out, "ka2005_retina", ("fixed-and", "mvg"), "ka2005_retina_fig5bc_networks")


# --------------------------------------------------------------------------- Qm per treatment
def qm_figure(runs: Path, out: Path, experiment: str) -> list[Path]:
    """Qm of each run's best network per treatment (solved runs), published mean +- SE beside."""
    results = [r for r in load_results(runs / experiment)
               if r.get("qm") is not None and r.get("solved_generation") is not None]
    if not results:
        return []
    groups = _by_treatment(results)
    pub = published(experiment)
    fig, ax = plt.subplots(figsize=(1.8 + 1.6 * len(groups), 3.6))
    rng = np.random.default_rng(0)
    for k, (t, rs) in enumerate(sorted(groups.items())):
        qm = np.array([r["qm"] for r in rs])
        ax.plot(k + rng.uniform(-0.15, 0.15, qm.size), qm, ".", color=RED if "mvg" in t else "k", alpha=0.5)
        se = qm.std(ddof=1) / np.sqrt(qm.size) if qm.size > 1 else 0
        ax.errorbar(k - 0.3, qm.mean(), yerr=se, fmt="s", color=BLUE, capsize=3,
                    label="ours, mean +- SE" if k == 0 else None)
        p = pub.get(t, {}).get("qm")
        if p:
            ax.errorbar(k + 0.3, p["mean"], yerr=p["se"], fmt="D", color="orange", capsize=3,
                        label="published" if "published" not in ax.get_legend_handles_labels()[1] else None)
    ax.set_xticks(range(len(groups)), [f"{t}\n(n = {len(rs)})" for t, rs in sorted(groups.items())])
    ax.axhline(0, color="k", lw=0.5)
    ax.set(ylabel="Qm", title=f"{experiment}: normalised modularity of solved runs")
    ax.legend(frameon=False, fontsize=7)
    return _save(fig, out, f"{experiment}_qm", [r["_folder"] for r in results])


# --------------------------------------------------------------------------- 2005 Fig. 3
def ka2005_fig3(runs: Path, out: Path) -> list[Path]:
    """Qm (mean +- SE over runs) of the best circuit per generation, starting from modular G2
    circuits under the fixed goal G2 with the 10-gate penalty (treatment decay-g2).  Qm uses each
    generation's Qrand of that circuit and the calibrated Qmax (stored in result.json)."""
    rs = [r for r in load_results(runs / "ka2005_logic") if r["treatment"] == "decay-g2"]
    rs = [r for r in rs if r.get("q_max") is not None]
    if not rs:
        return []
    curves = []
    for r in rs:
        log = _read_log(r["_folder"])
        q, qr = log["q_best"], log["qrand_best"]
        curves.append((q - qr) / (r["q_max"] - qr))
    n = min(len(c) for c in curves)
    m = np.array([c[:n] for c in curves])
    gen = np.arange(n)
    mean = np.nanmean(m, axis=0)
    se = np.nanstd(m, axis=0, ddof=1) / np.sqrt(np.sum(~np.isnan(m), axis=0))
    fig, ax = plt.subplots(figsize=(5.5, 3.6))
    ax.plot(gen, mean, color=RED)
    ax.fill_between(gen, mean - se, mean + se, color=RED, alpha=0.25, lw=0)
    ax.set(xlabel="generation", ylabel="Qm of the best circuit (mean +- SE)",
           title=f"modularity decay under fixed G2 (n = {len(rs)} runs)")
    return _save(fig, out, "ka2005_logic_fig3_decay", [r["_folder"] for r in rs])


# --------------------------------------------------------------------------- 2013
def clune2013_fig2cd(runs: Path, out: Path) -> list[Path]:
    """Median performance (c) and Q of the best network (d) per generation, PA vs P&CC, with
    95% bootstrap CIs of the median over runs."""
    groups = _by_treatment(load_results(runs / "clune2013_retina"))
    groups = {t: rs for t, rs in groups.items() if t in ("pa", "pcc")}
    if not groups:
        return []
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.6))
    sources = []
    rng = np.random.default_rng(0)
    for t, rs in sorted(groups.items()):
        logs = [_read_log(r["_folder"]) for r in rs]
        sources += [r["_folder"] for r in rs]
        n = min(len(l["generation"]) for l in logs)
        gen = logs[0]["generation"][:n]
        colour = RED if t == "pcc" else "k"
        for ax, key in zip(axes, ("best_performance", "q_best")):
            m = np.array([l[key][:n] for l in logs])
            keep = ~np.isnan(m).any(axis=0)
            med = np.median(m[:, keep], axis=0)
            boots = np.median(m[rng.integers(0, len(m), (500, len(m)))][:, :, keep], axis=1)
            lo, hi = np.percentile(boots, [2.5, 97.5], axis=0)
            ax.plot(gen[keep], med, color=colour, lw=1, label=f"{t} (n = {len(rs)})")
            ax.fill_between(gen[keep], lo, hi, color=colour, alpha=0.2, lw=0)
    axes[0].set(xlabel="generation", ylabel="performance of the best network", title="(c) performance")
    axes[1].set(xlabel="generation", ylabel="Q (Leicht-Newman, spectral)", title="(d) modularity")
    for ax in axes:
        ax.legend(frameon=False)
    return _save(fig, out, "clune2013_fig2cd_performance_q", sources)


def clune2013_fig2gh(runs: Path, out: Path) -> list[Path]:
    """Connection cost vs Q of each run's best network, per treatment."""
    results = load_results(runs / "clune2013_retina")
    if not results:
        return []
    fig, ax = plt.subplots(figsize=(5, 3.8))
    for k, (t, rs) in enumerate(sorted(_by_treatment(results).items())):
        ax.plot([r["cost"] for r in rs], [r["q"] for r in rs], "o", ms=4, alpha=0.7,
                color=MODULE_COLOURS[k % len(MODULE_COLOURS)], label=t)
    ax.set(xlabel="connection cost (squared length, optimal placement)", ylabel="Q", title="cost vs modularity")
    ax.legend(frameon=False, fontsize=7)
    return _save(fig, out, "clune2013_fig2gh_cost_q", [r["_folder"] for r in results])


def clune2013_fig4a(runs: Path, out: Path) -> list[Path]:
    """Generations to adapt to the other goal, per treatment and direction (median, 95% CI)."""
    from .adaptation import adaptation_times
    from .analysis import median_ci
    times = adaptation_times(runs / "clune2013_retina")
    if not times:
        return []
    fig, ax = plt.subplots(figsize=(1.5 + 1.3 * len(times), 3.6))
    keys = sorted(times)
    for k, key in enumerate(keys):
        m = median_ci(times[key])
        ax.bar(k, m[0], color=RED if key.startswith("pcc") else "k", alpha=0.7)
        ax.errorbar(k, m[0], yerr=[[m[0] - m[1]], [m[2] - m[0]]], color=GREY, capsize=3)
    ax.set_xticks(range(len(keys)), [k.replace("-to-", "\n->") for k in keys], fontsize=7)
    ax.set(ylabel="generations to a perfect network", yscale="log", title="adaptation")
    sources = [str(p.parent) for p in (runs / "clune2013_retina" / "adapt").glob("*/net-*/rep-*/result.json")]
    return _save(fig, out, "clune2013_fig4a_adaptation", sources)


ALL = {
    "ka2005_fig1ab": lambda runs, out: ka2005_fig1ab(runs, out),
    "ka2005_retina_fitness": lambda runs, out: ka2005_fig1ab(runs, out, "ka2005_retina"),
    "ka2005_fig1cd": lambda runs, out: motif_z_figure(runs, out, "ka2005_logic", "ka2005_logic_fig1cd_motifs"),
    "ka2005_fig5d": lambda runs, out: motif_z_figure(runs, out, "ka2005_retina", "ka2005_retina_fig5d_motifs",
                                                     sizes=("4",)),
    "ka2005_fig2": ka2005_fig2,
    "ka2005_fig3": ka2005_fig3,
    "ka2005_fig5bc": ka2005_fig5bc,
    "ka2005_logic_qm": lambda runs, out: qm_figure(runs, out, "ka2005_logic"),
    "ka2005_retina_qm": lambda runs, out: qm_figure(runs, out, "ka2005_retina"),
    "clune2013_fig2cd": clune2013_fig2cd,
    "clune2013_fig2gh": clune2013_fig2gh,
    "clune2013_fig4a": clune2013_fig4a,
}


def make_all(runs: Path, out: Path, only=None) -> dict[str, list[Path]]:
    return {name: fn(Path(runs), Path(out)) for name, fn in ALL.items() if not only or name in only}
