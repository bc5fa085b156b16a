"""Figures of Kashtan & Alon (2005): fitness traces (Fig. 1a/b), motif profiles (Figs. 1c/d, 5d),
example networks (Figs. 2, 5b/c), modularity decay (Fig. 3) and Qm per treatment."""
from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from ..analysis import load_results, published
from ..store import read_json
from .drawing import draw_network, draw_subgraph, read_partition, read_run_network
from .style import (PUBLISHED_STYLE, by_treatment, n_text, read_log, save_figure, treatment_colour,
                    treatment_label, treatment_order)

FIXED = ("fixed-g1", "fixed-and")
MVG = ("mvg-sustained", "mvg")


def _median_run(rs: list[dict]) -> dict | None:
    """The run with the median time to solution (unsolved runs: the first one)."""
    solved = sorted((r for r in rs if r.get("solved_generation") is not None),
                    key=lambda r: (r["solved_generation"], r["seed"]))
    return solved[len(solved) // 2] if solved else (rs[0] if rs else None)


def _typical_run(rs: list[dict], key: str = "qm") -> dict | None:
    """The solved run whose ``key`` is closest to the median over solved runs (ties: lowest seed);
    the median-time run when no run has ``key``."""
    have = [r for r in rs if r.get(key) is not None and r.get("solved_generation") is not None]
    if not have:
        return _median_run(rs)
    med = float(np.median([r[key] for r in have]))
    return min(have, key=lambda r: (abs(r[key] - med), r["seed"]))


# --------------------------------------------------------------------------- Fig. 1a/b
def fitness_traces(runs: Path, out: Path, experiment: str = "ka2005_logic") -> list[Path]:
    """Fig. 1a/b: fitness per generation of one fixed-goal run and one MVG run.

    (a) the fixed-goal run with the median time to solution: best (treatment colour) and mean
    (grey) fitness every generation.  (b) the MVG run with the median time to solution
    (``mvg-sustained`` when present: it keeps switching after the solution, as the paper's runs
    did): best fitness every generation (thin line: the saw-tooth of drops after each switch and
    recoveries), the paper's samples at the last generation of each epoch (filled: goal 1, open:
    goal 2), and an inset on the last four epochs.

    Examples
    --------
    >>> import tempfile
    >>> from replication.api import run_evolution
    >>> root = Path(tempfile.mkdtemp())
    >>> small = {"selection.population": 20, "selection.elite": 6, "run.max_generations": 5}
    >>> for t in ("fixed-g1", "mvg"):
    ...     _ = run_evolution("ka2005_logic", t, 1, root / "ka2005_logic" / t / "seed-1", small)
    >>> [p.suffix for p in fitness_traces(root, root / "figures", "ka2005_logic")]
    ['.png', '.pdf', '.json']
    >>> fitness_traces(root, root / "figures", "ka2005_retina")      # no retina runs: nothing drawn
    []
    """
    groups = by_treatment(load_results(Path(runs) / experiment))
    fixed_t = next((t for t in FIXED if groups.get(t)), None)
    mvg_t = next((t for t in MVG if groups.get(t)), None)
    if not fixed_t or not mvg_t:
        return []
    rf, rm = _median_run(groups[fixed_t]), _median_run(groups[mvg_t])
    lf, lm = read_log(rf["_folder"]), read_log(rm["_folder"])
    epoch = int(read_json(Path(rm["_folder"]) / "protocol.json")["schedule"]["epoch"])
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
    ax = axes[0]
    ax.plot(lf["generation"], lf["mean_fitness"], color="#aab7b8", lw=0.8, label="population mean")
    ax.plot(lf["generation"], lf["best_fitness"], color=treatment_colour(fixed_t), lw=1, label="best")
    ax.set(xlabel="generation", ylabel="fitness", ylim=(min(0.5, np.nanmin(lf["mean_fitness"])), 1.02),
           title=f"(a) fixed goal ({fixed_t}, seed {rf['seed']})")
    ax.legend(frameon=False, fontsize=8, loc="lower right")

    ax = axes[1]
    gen, goal, best = lm["generation"], lm["goal"], lm["best_fitness"]
    goals = list(dict.fromkeys(goal))
    colour = treatment_colour(mvg_t)
    ax.plot(gen, best, color=colour, lw=0.5, alpha=0.8, label="best, every generation")
    last = (gen.astype(int) + 1) % epoch == 0
    for k, name in enumerate(goals):
        sel = last & (goal == name)
        ax.plot(gen[sel], best[sel], "o", ms=3, color="k", mfc="k" if k == 0 else "white", mew=0.7,
                label=f"end of a {name} epoch")
    solved = rm.get("solved_generation")
    if solved is not None:
        ax.axvline(solved, color="k", lw=0.6, ls="--")
    # the upper 40% of the panel is left free for the inset, so that it hides no data
    low = min(float(np.nanmin(best)), 0.98) - 0.02
    top = max(float(np.nanmax(best)), 1.0)
    ax.set(xlabel="generation", ylabel="best fitness", ylim=(low, top + 0.75 * (top - low)),
           title=f"(b) MVG ({mvg_t}, seed {rm['seed']}, switch every {epoch} generations)")
    ax.set_yticks([t for t in ax.get_yticks() if low <= t <= top + 1e-9])
    ax.legend(fontsize=7, loc="upper right", framealpha=0.9, edgecolor="none")
    ins = ax.inset_axes([0.07, 0.6, 0.45, 0.3])
    hi = gen[-1]
    lo = max(gen[0], hi - 4 * epoch)
    sel = (gen >= lo) & (gen <= hi)
    ins.plot(gen[sel], best[sel], color=colour, lw=1)
    for k, name in enumerate(goals):
        s = sel & (goal == name)
        ins.plot(gen[s], best[s], ".", ms=2.5, color="k" if k == 0 else "#7f8c8d")
    for s in range(int(lo) - int(lo) % epoch + epoch, int(hi) + 1, epoch):
        ins.axvline(s - 0.5, color="k", lw=0.4, ls=":")
    ins.tick_params(labelsize=6)
    ins.set_title("last 4 epochs (dotted: goal switches)", fontsize=6)
    stop = ("runs on for a fixed number of generations after both goals are solved"
            if mvg_t == "mvg-sustained" else "stops as soon as both goals are solved")
    caption = (f"Fitness per generation, {experiment}. (a) {fixed_t}, seed {rf['seed']}: the run with the "
               f"median time to solution of n = {len(groups[fixed_t])} runs; best fitness (colour) and "
               f"population mean (grey) every generation. (b) {mvg_t}, seed {rm['seed']}: the run with the "
               f"median time to solution of n = {len(groups[mvg_t])} runs; best fitness every generation "
               f"(thin line: the drop after each goal switch and the recovery), black dots = the paper's "
               f"samples at the last generation of each epoch (filled {goals[0]}, open "
               f"{goals[1] if len(goals) > 1 else '-'}), dashed line = both goals solved; inset: the last "
               f"four epochs, dotted lines at the goal switches. One run per panel, so no error bars or "
               f"bands. Differs from the paper: the paper's panel (b) shows only the end-of-epoch samples, "
               f"over tens of thousands of generations; our {mvg_t} run {stop}.")
    return save_figure(fig, out, f"{experiment}_fig1ab_fitness", [rf["_folder"], rm["_folder"]], caption)


# --------------------------------------------------------------------------- motif Z-scores
def motif_z_figure(runs: Path, out: Path, experiment: str, name: str, sizes=("3", "4"),
                   top: int = 12) -> list[Path]:
    """Figs. 1c/d, 5d: mean +- SE of each subgraph's Z-score per treatment, subgraphs drawn under
    the axis with their mfinder ID (from ``<experiment>/motifs.json``).

    Examples
    --------
    Nothing is drawn before ``motifs`` has written ``<experiment>/motifs.json``:

    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> motif_z_figure(root, root / "figures", "ka2005_logic", "ka2005_logic_fig1cd_motifs")
    []
    """
    from ..motifs import id_matrix
    path = Path(runs) / experiment / "motifs.json"
    if not path.exists():
        return []
    prof = read_json(path)
    treatments = treatment_order(t for t in prof["treatments"] if prof["n_networks"].get(t, 0) > 0)
    sizes = [s for s in sizes if treatments and all(s in prof["treatments"][t] for t in treatments)]
    if not sizes:
        return []
    widths = [4.5 if s == "3" else 8.5 for s in sizes]
    fig, axes = plt.subplots(1, len(sizes), figsize=(sum(widths), 4.4), squeeze=False,
                             gridspec_kw={"width_ratios": widths})
    sources = [f for t in treatments for f in prof["runs"][t]]
    for ax, size in zip(axes[0], sizes):
        per = {t: {row["id"]: row for row in prof["treatments"][t][size]} for t in treatments}
        ids = sorted({i for t in treatments for i in per[t]},
                     key=lambda i: -max(abs(per[t].get(i, {"z_mean": 0})["z_mean"] or 0) for t in treatments))
        ids = sorted(ids[:top])
        width = 0.8 / len(treatments)
        for k, t in enumerate(treatments):
            z = [per[t].get(i, {}).get("z_mean") or 0 for i in ids]
            se = [per[t].get(i, {}).get("z_se") or 0 for i in ids]
            ax.bar(np.arange(len(ids)) + (k - (len(treatments) - 1) / 2) * width, z, width, yerr=se,
                   color=treatment_colour(t), error_kw={"lw": 0.7, "capsize": 1.5},
                   label=treatment_label(t, prof["n_networks"][t]))
        ax.axhline(0, color="k", lw=0.5)
        ax.set_xticks(np.arange(len(ids)), [str(i) for i in ids], fontsize=7)
        ax.tick_params(axis="x", pad=46, length=0)
        ax.set_xlim(-0.6, len(ids) - 0.4)
        for x, i in enumerate(ids):
            glyph = ax.inset_axes([x - 0.4, -0.19, 0.8, 0.17], transform=ax.get_xaxis_transform())
            draw_subgraph(glyph, id_matrix(i, int(size)))
        ax.set(ylabel="Z-score (mean +- SE)", title=f"{size}-node subgraphs")
        ax.set_xlabel("subgraph (mfinder ID)", labelpad=4)
        ax.legend(frameon=False, fontsize=7)
    groups = {t: prof["runs"][t] for t in treatments}
    caption = (f"Motif profiles of the best final networks, {experiment}: mean Z-score of each "
               f"{'- and '.join(sizes)}-node subgraph over networks ({n_text(groups)}), bars = +-1 SE "
               f"over networks; the subgraph is drawn under its mfinder ID (edges point from source to "
               f"target). Z against {prof['n_random']} degree-preserving random networks per network "
               f"(layer-preserving for layered networks). Shown: the {top} subgraphs with the largest "
               f"|Z| in any treatment; treatments without networks are left out. Differs from the "
               f"paper: the paper used ~100 (circuits) or ~50 (retina) networks per treatment and "
               f"mfinder's own random ensembles; the paper plots fixed goals in black and MVG in red.")
    return save_figure(fig, out, name, sources, caption, note=f"{prof['n_random']} random networks per network")


# --------------------------------------------------------------------------- Figs. 2, 5b/c
def example_networks(runs: Path, out: Path, experiment: str, treatments: tuple, name: str,
                     figure: str) -> list[Path]:
    """One typical best network per treatment (solved, Qm nearest the treatment's median), nodes
    grouped and coloured by module, inputs at the bottom, the output on top.

    Examples
    --------
    >>> import tempfile
    >>> from replication.api import run_evolution
    >>> root = Path(tempfile.mkdtemp())
    >>> small = {"selection.population": 20, "selection.elite": 6, "run.max_generations": 5}
    >>> for t in ("fixed-g1", "mvg"):
    ...     _ = run_evolution("ka2005_logic", t, 1, root / "ka2005_logic" / t / "seed-1", small)
    >>> paths = example_networks(root, root / "figures", "ka2005_logic", ("fixed-g1", "mvg"), "demo", "Fig. 2")
    >>> [p.name for p in paths]
    ['demo.png', 'demo.pdf', 'demo.sources.json']
    >>> example_networks(root, root / "figures", "ka2005_logic", ("decay-g2",), "none", "Fig. 3")
    []
    """
    groups = by_treatment(load_results(Path(runs) / experiment))
    picks = [(t, _typical_run(groups.get(t, []))) for t in treatments]
    picks = [(t, r) for t, r in picks if r]
    if not picks:
        return []
    fig, axes = plt.subplots(1, len(picks), figsize=(5.5 * len(picks), 4.6), squeeze=False)
    for ax, (t, r) in zip(axes[0], picks):
        g = read_run_network(r["_folder"])
        part = read_partition(r["_folder"], Path(runs) / experiment)
        size = r.get("n_effective_gates", r.get("n_effective_neurons"))
        q = f", Q = {r['q']:.2f}" if r.get("q") is not None else ""
        qm = f", Qm = {r['qm']:.2f}" if r.get("qm") is not None else ""
        solved = "solved" if r.get("solved_generation") is not None else "not solved"
        draw_network(ax, g, part, f"{t}, seed {r['seed']} ({solved}): {size} effective{q}{qm}",
                     labels=True)
    caption = (f"{figure}: one best network per treatment ({n_text({t: groups[t] for t, _ in picks})} "
               f"runs to choose from): the solved run whose Qm is nearest its treatment's median. Inputs "
               f"at the bottom, the output on top (thick ring), every other node on the level of its "
               f"longest feed-forward path from an input; nodes coloured and grouped by the modules of "
               f"the Q partition (white: in no module); dashed red arcs = feedback connections. "
               + ("Retina pixels: left half (columns 1-2) on the left, right half on the right. "
                  if "retina" in experiment else "")
               + "Differs from the paper: the paper chose its examples by hand and drew them by hand"
               + ("; edge weights (thick = double) and thresholds are not shown." if "retina" in experiment
                  else "; connections that change at a goal switch are not marked."))
    return save_figure(fig, out, name, [r["_folder"] for _, r in picks], caption)


def fig2(runs: Path, out: Path) -> list[Path]:
    """Fig. 2: example circuits, fixed goal G1 and MVG.

    Examples
    --------
    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> fig2(root, root / "figures")          # no analysed ka2005_logic runs: nothing drawn
    []
    """
    return example_networks(runs, out, "ka2005_logic", ("fixed-g1", "mvg"),
                            "ka2005_logic_fig2_circuits", "Kashtan & Alon 2005 Fig. 2")


def fig5bc(runs: Path, out: Path) -> list[Path]:
    """Fig. 5b/c: example retina networks, fixed goal and MVG.

    Examples
    --------
    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> fig5bc(root, root / "figures")        # no analysed ka2005_retina runs: nothing drawn
    []
    """
    return example_networks(runs, out, "ka2005_retina", ("fixed-and", "mvg"),
                            "ka2005_retina_fig5bc_networks", "Kashtan & Alon 2005 Fig. 5b/c")


def fig4(runs: Path, out: Path) -> list[Path]:
    """Fig. 4: an MVG circuit of the 6-input, 3-output goals (A = X xor Y, B = Z xor W, C = Q xor R).

    Examples
    --------
    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> fig4(root, root / "figures")          # no analysed ka2005_logic6 runs: nothing drawn
    []
    """
    return example_networks(runs, out, "ka2005_logic6", ("mvg",), "ka2005_logic6_fig4_circuit",
                            "Kashtan & Alon 2005 Fig. 4")


# --------------------------------------------------------------------------- Qm per treatment
def qm_figure(runs: Path, out: Path, experiment: str) -> list[Path]:
    """Qm of each solved run's best network per treatment, our mean +- SE and the published one.

    Examples
    --------
    >>> import tempfile, json
    >>> from replication.store import write_result
    >>> root = Path(tempfile.mkdtemp())
    >>> def result(exp, t, seed, **values):
    ...     _ = write_result(root, exp, t, seed, **values)
    >>> for t, qms in (("fixed-g1", [0.1, 0.2]), ("mvg", [0.5, 0.6, None])):
    ...     for seed, qm in enumerate(qms, 1):
    ...         result("ka2005_logic", t, seed, qm=qm, solved_generation=10)
    >>> paths = qm_figure(root, root / "figures", "ka2005_logic")
    >>> [p.name for p in paths][0]
    'ka2005_logic_qm.png'
    >>> "fixed-g1 n = 2, mvg n = 2 solved runs" in json.loads(paths[2].read_text())["caption"]
    True
    """
    results = [r for r in load_results(Path(runs) / experiment)
               if r.get("qm") is not None and r.get("solved_generation") is not None]
    if not results:
        return []
    groups = by_treatment(results)
    order = treatment_order(groups)
    pub = published(experiment)
    fig, ax = plt.subplots(figsize=(1.8 + 1.6 * len(order), 3.8))
    rng = np.random.default_rng(0)
    for k, t in enumerate(order):
        qm = np.array([r["qm"] for r in groups[t]])
        c = treatment_colour(t)
        ax.plot(k + rng.uniform(-0.12, 0.12, qm.size), qm, ".", color=c, alpha=0.6)
        se = qm.std(ddof=1) / np.sqrt(qm.size) if qm.size > 1 else 0
        ax.errorbar(k - 0.3, qm.mean(), yerr=se, fmt="s", color=c, capsize=3)
        p = pub.get(t, {}).get("qm")
        if p:
            have = "published: mean +- SE" in ax.get_legend_handles_labels()[1]
            ax.errorbar(k + 0.3, p["mean"], yerr=p["se"], fmt=PUBLISHED_STYLE["marker"],
                        color=PUBLISHED_STYLE["color"], mfc=PUBLISHED_STYLE["mfc"], capsize=3,
                        label=None if have else "published: mean +- SE")
    ax.set_xticks(range(len(order)), [f"{t}\n(n = {len(groups[t])})" for t in order], fontsize=8)
    ax.axhline(0, color="k", lw=0.5)
    ax.set(ylabel="Qm", title=f"{experiment}: normalised modularity of solved runs")
    ax.errorbar([], [], yerr=[], fmt="s", color="#7f8c8d", capsize=3, label="ours: mean +- SE")
    ax.plot([], [], ".", color="#7f8c8d", label="ours: single runs")
    ax.legend(frameon=False, fontsize=7)
    caption = (f"Qm = (Q - Qrand)/(Qmax - Qrand) of the best final network of each solved run, "
               f"{experiment} ({n_text(groups)} solved runs): dots = single runs (jittered sideways), "
               f"squares with bars = our mean +- 1 SE, open diamonds = the published mean +- SE where "
               f"the paper gives one. Differs from the paper: the paper reports only the numbers, "
               f"not this plot.")
    return save_figure(fig, out, f"{experiment}_qm", [r["_folder"] for r in results], caption)


# --------------------------------------------------------------------------- Fig. 3
def fig3(runs: Path, out: Path) -> list[Path]:
    """Fig. 3: Qm (mean +- SE over runs) of the best circuit per generation, starting from modular
    G2 circuits under the fixed goal G2 with the 10-gate penalty (treatment decay-g2).

    Examples
    --------
    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> fig3(root, root / "figures")          # no decay-g2 runs: nothing drawn
    []
    """
    rs = [r for r in load_results(Path(runs) / "ka2005_logic")
          if r["treatment"] == "decay-g2" and r.get("q_max") is not None]
    if not rs:
        return []
    curves = []
    for r in rs:
        log = read_log(r["_folder"])
        if "q_best" not in log:
            continue
        q, qr = log["q_best"], log["qrand_best"]
        curves.append((q - qr) / (r["q_max"] - qr))
    if not curves:
        return []
    n = min(len(c) for c in curves)
    m = np.array([c[:n] for c in curves])
    gen = np.arange(n)
    mean = np.nanmean(m, axis=0)
    count = np.sum(~np.isnan(m), axis=0)
    se = np.nanstd(m, axis=0, ddof=1) / np.sqrt(count) if len(curves) > 1 else np.zeros(n)
    c = treatment_colour("decay-g2")
    fig, ax = plt.subplots(figsize=(5.5, 3.6))
    ax.plot(gen, mean, color=c)
    ax.fill_between(gen, mean - se, mean + se, color=c, alpha=0.25, lw=0)
    ax.set(xlabel="generation", ylabel="Qm of the best circuit",
           title=f"modularity decay under fixed G2 (n = {len(curves)} runs)")
    caption = (f"Kashtan & Alon 2005 Fig. 3: Qm of the best circuit each generation, starting from "
               f"populations of identical modular G2 circuits evolving under the fixed goal G2 with a "
               f"penalty of 0.2 per gate above the 10th (decay-g2, n = {len(curves)} runs). Line = mean "
               f"over runs, band = +-1 SE over runs. Qrand per generation from that circuit's own "
               f"randomisations, Qmax from the calibration. Differs from the paper: the paper's four initial "
               f"circuits are not published (ours: the same modules at four genome positions, see the "
               f"protocol); {n} generations drawn.")
    return save_figure(fig, out, "ka2005_logic_fig3_decay", [r["_folder"] for r in rs], caption)
