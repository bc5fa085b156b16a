"""Figures of Clune, Mouret & Lipson (2013): performance and Q per generation (Fig. 2c/d), the
best networks of PA and P&CC (Fig. 2e/f), cost vs modularity (Fig. 2g/h), the MOLE map (Fig. 3),
adaptation time (Fig. 4a), the other problems (Fig. 5a-c) and the cost variants (Fig. 6)."""
from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from ..analysis import load_results, read_adaptation_runs
from ..store import read_json
from .drawing import draw_network, read_partition, read_run_network
from .style import (by_treatment, n_text, read_log, save_figure, treatment_colour, treatment_label,
                    treatment_order)

EXPERIMENT = "clune2013_retina"


def fig2cd(runs: Path, out: Path) -> list[Path]:
    """Median performance (c) and Q of the best network (d) per generation, PA vs P&CC, with
    95% bootstrap CIs of the median over runs.

    Examples
    --------
    >>> import tempfile, json
    >>> from replication.store import write_result
    >>> root = Path(tempfile.mkdtemp())
    >>> def result(exp, t, seed, **values):
    ...     _ = write_result(root, exp, t, seed, **values)
    >>> for t in ("pa", "pcc"):
    ...     for seed in (1, 2):
    ...         result(EXPERIMENT, t, seed)
    ...         _ = (root / EXPERIMENT / t / f"seed-{seed}" / "log.csv").write_text(
    ...             "generation,best_performance,q_best\\n0,0.6,0.1\\n10,0.8,\\n20,0.9,0.3\\n")
    >>> paths = fig2cd(root, root / "figures")
    >>> paths[0].name, "PA n = 2, P&CC n = 2 runs" in json.loads(paths[2].read_text())["caption"]
    ('clune2013_fig2cd_performance_q.png', True)
    """
    groups = by_treatment(load_results(Path(runs) / EXPERIMENT))
    groups = {t: rs for t, rs in groups.items() if t in ("pa", "pcc")}
    if not groups:
        return []
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
    sources, lengths = [], []
    rng = np.random.default_rng(0)
    for t in treatment_order(groups):
        rs = groups[t]
        logs = [read_log(r["_folder"]) for r in rs]
        sources += [r["_folder"] for r in rs]
        n = min(len(lg["generation"]) for lg in logs)
        lengths.append(int(logs[0]["generation"][n - 1]))
        gen = logs[0]["generation"][:n]
        colour = treatment_colour(t)
        for ax, key in zip(axes, ("best_performance", "q_best")):
            m = np.array([lg[key][:n] for lg in logs])
            keep = ~np.isnan(m).any(axis=0)
            med = np.median(m[:, keep], axis=0)
            boots = np.median(m[rng.integers(0, len(m), (500, len(m)))][:, :, keep], axis=1)
            lo, hi = np.percentile(boots, [2.5, 97.5], axis=0)
            ax.plot(gen[keep], med, color=colour, lw=1, label=treatment_label(t, len(rs)))
            ax.fill_between(gen[keep], lo, hi, color=colour, alpha=0.2, lw=0)
    axes[0].set(xlabel="generation", ylabel="performance of the best network", title="(c) performance")
    axes[1].set(xlabel="generation", ylabel="Q (Leicht-Newman, spectral)", title="(d) modularity")
    for ax in axes:
        ax.legend(frameon=False, fontsize=8)
    caption = (f"Clune et al. 2013 Fig. 2c/d ({n_text(groups)} runs): line = median over runs of the "
               f"best network's performance (c) and Q (d) per logged generation; band = 95% bootstrap "
               f"CI of that median (500 resamples of the runs). Differs from the paper: our runs last "
               f"{min(lengths):,} generations (paper: 25,000){'' if min(lengths) >= 25000 else ', so the curves stop early'}; "
               f"Q is logged every few generations, not every generation.")
    return save_figure(fig, out, "clune2013_fig2cd_performance_q", sources, caption)


def fig2ef(runs: Path, out: Path, per_treatment: int = 12) -> list[Path]:
    """Fig. 2e/f: the highest-performing final networks of PA (top rows) and P&CC (bottom rows),
    nodes coloured by module, inputs at the bottom (left half left), the output on top.

    Examples
    --------
    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> fig2ef(root, root / "figures")        # no PA / P&CC runs: nothing drawn
    []
    """
    groups = by_treatment(load_results(Path(runs) / EXPERIMENT))
    groups = {t: rs for t, rs in groups.items() if t in ("pa", "pcc") and rs}
    if not groups:
        return []
    picks = {t: sorted(rs, key=lambda r: (-(r.get("performance") or 0), r["seed"]))[:per_treatment]
             for t, rs in groups.items()}
    cols = min(6, max(len(p) for p in picks.values()))
    rows = {t: -(-len(p) // cols) for t, p in picks.items()}
    order = treatment_order(picks)
    fig, axes = plt.subplots(sum(rows.values()), cols, figsize=(2.3 * cols, 2.5 * sum(rows.values())),
                             squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    row, sources = 0, []
    for t in order:
        for k, r in enumerate(picks[t]):
            ax = axes[row + k // cols, k % cols]
            g = read_run_network(r["_folder"])
            q = f", Q {r['q']:.2f}" if r.get("q") is not None else ""
            draw_network(ax, g, read_partition(r["_folder"], Path(runs) / EXPERIMENT),
                         f"{treatment_label(t)} seed {r['seed']}: perf. {r.get('performance', 0):.3f}{q}",
                         labels=False, node_size=45)
            ax.title.set_color(treatment_colour(t))
            sources.append(r["_folder"])
        row += rows[t]
    fig.tight_layout()
    caption = (f"Clune et al. 2013 Fig. 2e/f: the {per_treatment} highest-performing final networks of "
               f"each treatment, one per run ({', '.join(f'{treatment_label(t)}: the best {len(picks[t])} of n = {len(groups[t])} runs' for t in order)}). "
               f"Inputs at the bottom (the retina's left half left, right half right), the output on top; "
               f"nodes coloured and grouped by the modules of the Q partition (white: in no module). "
               f"Differs from the paper: the paper colours the best split into two modules and places "
               f"hidden nodes where they minimise the connection cost; we colour every module of the "
               f"Q partition and lay nodes out by module.")
    return save_figure(fig, out, "clune2013_fig2ef_networks", sources, caption)


def fig2gh(runs: Path, out: Path) -> list[Path]:
    """Connection cost vs Q of each run's best network, per treatment.

    Examples
    --------
    >>> import tempfile, json
    >>> from replication.store import write_result
    >>> root = Path(tempfile.mkdtemp())
    >>> def result(exp, t, seed, **values):
    ...     _ = write_result(root, exp, t, seed, **values)
    >>> result(EXPERIMENT, "pa", 1, cost=420.0, q=0.2); result(EXPERIMENT, "pcc", 1, cost=180.0, q=0.45)
    >>> result(EXPERIMENT, "pcc", 2, cost=190.0)               # no Q yet: left out
    >>> paths = fig2gh(root, root / "figures")
    >>> paths[0].name, len(json.loads(paths[2].read_text())["runs"])
    ('clune2013_fig2gh_cost_q.png', 2)
    """
    results = [r for r in load_results(Path(runs) / EXPERIMENT) if r.get("cost") is not None
               and r.get("q") is not None]
    if not results:
        return []
    groups = by_treatment(results)
    fig, ax = plt.subplots(figsize=(5.2, 3.9))
    for t in treatment_order(groups):
        rs = groups[t]
        ax.plot([r["cost"] for r in rs], [r["q"] for r in rs], "o", ms=4, alpha=0.75,
                color=treatment_colour(t), label=treatment_label(t, len(rs)))
    ax.set(xlabel="connection cost (squared length, optimal placement)", ylabel="Q",
           title="cost vs modularity of the final best networks")
    ax.legend(frameon=False, fontsize=7)
    caption = (f"Connection cost against Q of each run's final best network ({n_text(groups)} runs), "
               f"one dot per run. Differs from the paper: Fig. 2g/h are density maps of whole "
               f"populations pooled over all generations of 50 runs; we plot one network per run.")
    return save_figure(fig, out, "clune2013_fig2gh_cost_q", [r["_folder"] for r in results], caption)


def _adaptation_times(experiment_dir: Path) -> dict[str, tuple[list[int], list[str]]]:
    """Generations to adapt and run folder of each adaptation run, per adaptation name
    (:func:`replication.analysis.read_adaptation_runs`: source trials are not adaptation runs)."""
    out: dict[str, tuple[list[int], list[str]]] = {}
    for name, nets in read_adaptation_runs(experiment_dir).items():
        recs = [r for reps in nets.values() for r in reps]
        out[name] = ([r.result["generations_run"] for r in recs], [str(r.folder) for r in recs])
    return out


def fig4a(runs: Path, out: Path) -> list[Path]:
    """Fig. 4a: generations to adapt to the other goal, per treatment and direction (box plots as
    the paper: median, quartile box, whiskers 1.5 IQR, outliers).

    Examples
    --------
    >>> import tempfile, json
    >>> from replication.store import write_result
    >>> root = Path(tempfile.mkdtemp())
    >>> def result(exp, t, seed, **values):
    ...     _ = write_result(root, exp, t, seed, **values)
    >>> for net, gens in ((1, 30), (2, 50)):
    ...     d = root / EXPERIMENT / "adapt" / "mvg-pcc-and-to-or" / f"net-{net}" / "rep-1"; d.mkdir(parents=True)
    ...     _ = (d / "result.json").write_text(json.dumps({"generations_run": gens}))
    >>> [p.suffix for p in fig4a(root, root / "figures")]
    ['.png', '.pdf', '.json']
    """
    times = _adaptation_times(Path(runs) / EXPERIMENT)
    if not times:
        return []
    def split(key):                       # '<treatment>-<from>-to-<to>'
        parts = key.rsplit("-", 3)
        return (parts[0], f"{parts[1]} -> {parts[3]}") if len(parts) == 4 and parts[2] == "to" else (key, "")
    keys = sorted(times, key=lambda k: (split(k)[1], treatment_order([split(x)[0] for x in times]).index(split(k)[0])))
    fig, ax = plt.subplots(figsize=(1.5 + 1.2 * len(keys), 3.8))
    box = ax.boxplot([times[k][0] for k in keys], positions=range(len(keys)), whis=1.5, widths=0.6,
                     patch_artist=True, medianprops={"color": "k", "lw": 2},
                     flierprops={"marker": "+", "ms": 5})
    for patch, k in zip(box["boxes"], keys):
        patch.set(facecolor=treatment_colour(split(k)[0]), alpha=0.7)
    ax.set_xticks(range(len(keys)), [f"{treatment_label(split(k)[0])}\n{split(k)[1]}\n(n = {len(times[k][0])})"
                                     for k in keys], fontsize=7)
    ax.set(ylabel="generations to a perfect network", yscale="log", title="adaptation to a new goal")
    caption = (f"Clune et al. 2013 Fig. 4a: generations until a network evolved on one goal becomes "
               f"perfect on the other, per treatment and direction (n = adaptation runs per box, "
               f"pooled over source networks and replicates). Thick line = median, box = 25th-75th "
               f"percentiles, whiskers = 1.5 x IQR, plus signs = outliers, as in the paper. Runs that "
               f"never became perfect count as their generation cap.")
    return save_figure(fig, out, "clune2013_fig4a_adaptation",
                       [f for k in keys for f in times[k][1]], caption)


def _switch_period(runs: list[dict]) -> int:
    """The goal-switching period of an MVG treatment's runs (``schedule.epoch`` of its first run)."""
    return int(read_json(Path(runs[0]["_folder"]) / "protocol.json")["schedule"]["epoch"])


def fig4b(runs: Path, out: Path) -> list[Path]:
    """Fig. 4b: Q of the final networks against the generations between goal switches (MVG),
    with performance alone and with connection cost; the unchanging-goal PA and P&CC medians as
    dotted lines (median and 95% bootstrap CI per point, as the paper's figure).

    Examples
    --------
    >>> import tempfile
    >>> from replication.store import run_dir, write_json
    >>> root = Path(tempfile.mkdtemp())
    >>> for t, epoch, q in (("mvg-pa-e10", 10, 0.3), ("mvg-pa-e100", 100, 0.25), ("pcc", 20, 0.4)):
    ...     for seed in (1, 2):
    ...         d = run_dir(root, EXPERIMENT, t, seed)
    ...         write_json(d / "result.json", {"treatment": t, "seed": seed, "q": q + 0.01 * seed})
    ...         write_json(d / "protocol.json", {"schedule": {"epoch": epoch}})
    >>> [p.suffix for p in fig4b(root, root / "figures")]
    ['.png', '.pdf', '.json']
    >>> fig4b(root / "nothing", root / "figures")
    []
    """
    from ..stats import median_ci
    groups = by_treatment(load_results(Path(runs) / EXPERIMENT))
    lines = {}
    for family in ("pa", "pcc"):
        points = []
        for t, rs in groups.items():
            qs = [r["q"] for r in rs if r.get("q") is not None]
            if qs and (t == f"mvg-{family}" or t.startswith(f"mvg-{family}-e")):
                points.append((_switch_period(rs), t, qs))
        if points:
            lines[family] = sorted(points)
    if not lines:
        return []
    fig, ax = plt.subplots(figsize=(5.2, 3.8))
    sources, parts = [], []
    for family, points in lines.items():
        x = [p[0] for p in points]
        stats = [median_ci(p[2]) for p in points]
        med = np.array([m for m, _, _ in stats])
        err = np.array([[m - lo for m, lo, _ in stats], [hi - m for m, _, hi in stats]])
        ax.errorbar(x, med, yerr=err, color=treatment_colour(family), marker="o", capsize=3,
                    label=f"MVG, {treatment_label(family)}")
        parts.append(f"MVG {treatment_label(family)}: " + ", ".join(f"every {e:,} n = {len(q)}" for e, _, q in points))
        sources += [r["_folder"] for _, t, _ in points for r in groups[t]]
    for family in ("pa", "pcc"):
        qs = [r["q"] for r in groups.get(family, []) if r.get("q") is not None]
        if qs:
            ax.axhline(float(np.median(qs)), color=treatment_colour(family), linestyle=":",
                       label=f"{treatment_label(family)}, unchanging goal")
            parts.append(f"{treatment_label(family)} unchanging n = {len(qs)}")
            sources += [r["_folder"] for r in groups[family]]
    ax.set(xscale="log", xlabel="generations between environmental changes", ylabel="modularity (Q)")
    ax.legend(fontsize=7)
    fig.tight_layout()
    caption = ("Clune et al. 2013 Fig. 4b: Q of the final best networks (median, 95% bootstrap CI) under "
               "modularly varying goals (L-AND-R <-> L-OR-R) against the switching period, with "
               "performance alone and with connection cost; dotted: the unchanging-goal medians. "
               + "; ".join(parts) + ". Differs from the paper: 50 runs per point there.")
    return save_figure(fig, out, "clune2013_fig4b_mvg_periods", sources, caption)


def _boxes(ax, groups: dict, key: str, order: list[str]) -> None:
    """Box plots (median, quartiles, 1.5 IQR whiskers, outliers) of ``key`` per treatment."""
    data = [[r[key] for r in groups[t] if r.get(key) is not None] for t in order]
    box = ax.boxplot(data, positions=range(len(order)), whis=1.5, widths=0.6, patch_artist=True,
                     medianprops={"color": "k", "lw": 2}, flierprops={"marker": "+", "ms": 5})
    for patch, t in zip(box["boxes"], order):
        patch.set(facecolor=treatment_colour(t), alpha=0.7)
    ax.set_xticks(range(len(order)), [f"{treatment_label(t)}\n(n = {len(d)})" for t, d in zip(order, data)],
                  fontsize=7)


def fig3(runs: Path, out: Path) -> list[Path]:
    """Fig. 3: the MOLE map (best performance per modularity x cost cell, over all MOLE runs) with
    the final best networks of the PA and P&CC runs overlaid.

    Examples
    --------
    >>> import tempfile
    >>> from replication.mole import write_map
    >>> root = Path(tempfile.mkdtemp())
    >>> fig3(root, root / "figures")          # no MOLE maps: nothing drawn
    []
    >>> best = np.array([[0.8, np.nan], [0.9, 1.0]])
    >>> write_map({"best": best, "q_edges": np.linspace(0, 1, 3), "cost_edges": np.linspace(0, 500, 3),
    ...            "archive": np.zeros((3, 2)), "generations": 10, "population": 8},
    ...           root / EXPERIMENT / "mole" / "seed-1" / "map.json")
    >>> d = root / EXPERIMENT / "pcc" / "seed-1"; d.mkdir(parents=True)       # one P&CC run overlaid
    >>> _ = (d / "result.json").write_text('{"treatment": "pcc", "seed": 1, "q": 0.6, "cost": 150.0, "performance": 1.0}')
    >>> [p.name for p in fig3(root, root / "figures")][0]
    'clune2013_fig3_mole.png'
    """
    from ..mole import merge_maps, read_map
    paths = sorted((Path(runs) / EXPERIMENT / "mole").glob("seed-*/map.json"))
    if not paths:
        return []
    maps = [read_map(p) for p in paths]
    best = merge_maps(maps)
    qe, ce = maps[0]["q_edges"], maps[0]["cost_edges"]
    fig, ax = plt.subplots(figsize=(6.2, 4.2))
    shown = np.ma.masked_invalid(best)
    mesh = ax.pcolormesh(ce, qe, shown, cmap="viridis", vmin=0.75, vmax=1.0, shading="flat")
    fig.colorbar(mesh, ax=ax, label="best performance in the cell")
    results = [r for r in load_results(Path(runs) / EXPERIMENT) if r["treatment"] in ("pa", "pcc")
               and r.get("q") is not None and r.get("cost") is not None]
    groups = by_treatment(results)
    marks = {"pa": ("s", "pa"), "pcc": ("o", "pcc")}
    for t in treatment_order(groups):
        rs = groups[t]
        for perfect in (False, True):
            sel = [r for r in rs if (r.get("performance") == 1.0) == perfect]
            if sel:
                ax.plot([r["cost"] for r in sel], [r["q"] for r in sel], marks[t][0], ms=5,
                        mfc=treatment_colour(t) if perfect else "white", mec=treatment_colour(t),
                        mew=1.0, label=f"{treatment_label(t)}{', perfect' if perfect else ''} (n = {len(sel)})")
    ax.set(xlabel="connection cost (squared length, optimal placement)", ylabel="modularity (Q)",
           xlim=(ce[0], ce[-1]), ylim=(qe[0], qe[-1]), title="MOLE map, retina L-AND-R")
    ax.legend(frameon=True, fontsize=6, loc="upper right")
    gens = sorted({m["generations"] for m in maps})
    pops = sorted({m["population"] for m in maps})
    caption = (f"Clune et al. 2013 Fig. 3: the best performance found in each (cost, Q) cell by "
               f"{len(maps)} MOLE runs ({len(best)} x {len(best[0])} cells; {gens} generations, population "
               f"{pops}; {int((~np.isnan(best)).sum())} cells reached), with the final best network of each "
               f"PA and P&CC run overlaid ({n_text(groups) or 'none'}). Differs from the paper: 30 runs x "
               f"10,000 generations x 1000 networks on 200 x 200 cells there; a small map here unless the "
               f"runs folder holds the full one.")
    return save_figure(fig, out, "clune2013_fig3_mole", [str(p.parent) for p in paths] +
                       [r["_folder"] for r in results], caption)


FIG5 = (("clune2013_nonmodular", "(a) non-modular: exactly 4 pixels on?"),
        ("clune2013_xor5", "(b) five separate XORs"),
        ("clune2013_hxor", "(c) hierarchically nested XOR"))


def fig5(runs: Path, out: Path) -> list[Path]:
    """Fig. 5: performance and Q of the final best networks, PA vs P&CC, on the non-modular
    retina (a), five separate XOR problems (b) and hierarchically nested XOR (c).

    Examples
    --------
    >>> import tempfile, json
    >>> from replication.store import write_result
    >>> root = Path(tempfile.mkdtemp())
    >>> def result(exp, t, seed, **values):
    ...     _ = write_result(root, exp, t, seed, **values)
    >>> for t, q in (("pa", 0.1), ("pcc", 0.4)):
    ...     result("clune2013_xor5", t, 1, performance=1.0, q=q)
    >>> paths = fig5(root, root / "figures")
    >>> "clune2013_xor5: PA n = 1, P&CC n = 1" in json.loads(paths[2].read_text())["caption"]
    True
    """
    present = [(e, title, by_treatment(load_results(Path(runs) / e))) for e, title in FIG5
               if (Path(runs) / e).is_dir()]
    present = [(e, t, {k: v for k, v in g.items() if k in ("pa", "pcc")}) for e, t, g in present]
    present = [x for x in present if x[2]]
    if not present:
        return []
    fig, axes = plt.subplots(2, len(present), figsize=(3.2 * len(present), 5.6), squeeze=False)
    sources, parts = [], []
    for col, (exp, title, groups) in enumerate(present):
        order = treatment_order(groups)
        _boxes(axes[0, col], groups, "performance", order)
        _boxes(axes[1, col], groups, "q", order)
        axes[0, col].set(title=title, ylabel="performance" if col == 0 else None)
        axes[1, col].set(ylabel="modularity (Q)" if col == 0 else None)
        sources += [r["_folder"] for rs in groups.values() for r in rs]
        sep = {t: [r.get("modules_separate_problems") for r in rs] for t, rs in groups.items()}
        sep_text = ", ".join(f"{treatment_label(t)} {sum(v is True for v in vals)}/{len(vals)}"
                             for t, vals in sep.items() if any(v is not None for v in vals))
        parts.append(f"{exp}: {n_text(groups)}" + (f"; modules separate the sub-problems in {sep_text}"
                                                   if sep_text else ""))
    fig.tight_layout()
    caption = ("Clune et al. 2013 Fig. 5: performance (top) and Q (bottom) of each run's final best "
               "network, PA vs P&CC (box = quartiles, line = median, whiskers 1.5 IQR). "
               + "; ".join(parts) + ". Differs from the paper: 50 runs x 25,000 generations per box "
               "there; the n and run length here are those of the runs folder.")
    return save_figure(fig, out, "clune2013_fig5_other_problems", sources, caption)


def fig6(runs: Path, out: Path) -> list[Path]:
    """Fig. 6: performance and Q of PA, P&RO, P&CC-NC and P&CC (and randomised coordinates).

    Examples
    --------
    >>> import tempfile, json
    >>> from replication.store import write_result
    >>> root = Path(tempfile.mkdtemp())
    >>> def result(exp, t, seed, **values):
    ...     _ = write_result(root, exp, t, seed, **values)
    >>> result(EXPERIMENT, "pa", 1, performance=0.9, q=0.2)
    >>> fig6(root, root / "figures")          # one treatment: nothing to compare
    []
    >>> result(EXPERIMENT, "pro", 1, performance=0.95, q=0.25)
    >>> [p.suffix for p in fig6(root, root / "figures")]
    ['.png', '.pdf', '.json']
    """
    groups = by_treatment(load_results(Path(runs) / EXPERIMENT))
    wanted = ("pa", "pro", "pro-fresh", "pcc-nc", "pcc", "pcc-randcoords")
    groups = {t: rs for t, rs in groups.items() if t in wanted and rs}
    if len(groups) < 2:
        return []
    order = [t for t in wanted if t in groups]
    fig, axes = plt.subplots(1, 2, figsize=(1.6 + 1.3 * len(order) * 2, 3.8))
    _boxes(axes[0], groups, "performance", order)
    _boxes(axes[1], groups, "q", order)
    axes[0].set(ylabel="performance", title="(a) performance")
    axes[1].set(ylabel="modularity (Q)", title="(b) modularity")
    fig.tight_layout()
    caption = (f"Clune et al. 2013 Fig. 6 (and ESM Fig. S7, randomised coordinates): performance (a) "
               f"and Q (b) of each run's final best network ({n_text(groups)} runs). P&RO = a random "
               f"second objective, inherited and drifting as in the authors' code (pro), or drawn afresh "
               f"(pro-fresh). Differs from the paper: 50 runs x 25,000 generations per box there.")
    return save_figure(fig, out, "clune2013_fig6_cost_variants", [r["_folder"] for rs in groups.values()
                                                                 for r in rs], caption)
