"""figures/REPORT.md: every published quantity beside ours (and beside external networks'), with a
verdict, statistics, the figures, and where it all came from.

Verdict rules (also printed in the report):

- mean +- SE (the 2005 Qm): *reproduced* when |ours - published| <= 2 sqrt(SE_ours^2 + SE_pub^2);
  otherwise *same direction, different size* when our treatment contrast (MVG vs fixed goal) has
  the published sign and is significant (rank-sum p < 0.05); otherwise *not reproduced*.
- a count out of n (solved runs): *reproduced* when Fisher's exact test of ours against the
  published count gives p >= 0.05, else *not reproduced*.
- a centre with a spread (generations to solution): *reproduced* when our median lies within the
  published spread, else *not reproduced*.
- a median with a 95% CI (2013): *reproduced* when each median lies inside the other's 95% CI;
  otherwise *same direction, different size* when the PA vs P&CC contrast has the published sign
  and rank-sum p < 0.05; else *not reproduced*.
- a fraction (2013 left/right split): *reproduced* when Fisher's exact test against the published
  fraction (same n) gives p >= 0.05 (the p-value is shown: with few runs this test has little power).
"""
from __future__ import annotations

import datetime
import json
import math
import subprocess
from pathlib import Path

import numpy as np

from ._version import __version__
from .analysis import (fisher_p, format_published, format_published_ci, load_results, markdown_table,
                       mean_se, median_ci, published, quartiles, rank_sum_p, summary_rows,
                       summary_rows_2013)

REPRODUCED = "reproduced"
DIRECTION = "same direction, different size"
NOT = "not reproduced"


# --------------------------------------------------------------------------- verdicts
def verdict_mean(ours: tuple[float, float, int] | None, pub: dict, contrast_ok: bool | None = None) -> str:
    if ours is None:
        return "no data"
    se = math.sqrt((ours[1] if not math.isnan(ours[1]) else 0.0) ** 2 + pub["se"] ** 2)
    if abs(ours[0] - pub["mean"]) <= 2 * se:
        return REPRODUCED
    return DIRECTION if contrast_ok else NOT


def verdict_count(hits: int, n: int, pub: dict) -> str:
    if n == 0:
        return "no data"
    p = fisher_p(hits, n, pub["value"], pub["of"])
    return REPRODUCED if p is not None and p >= 0.05 else NOT


def verdict_spread(median: float | None, pub: dict) -> str:
    if median is None:
        return "no data"
    return REPRODUCED if pub["centre"] - pub["minus"] <= median <= pub["centre"] + pub["plus"] else NOT


def verdict_ci(ours: tuple[float, float, float] | None, pub: dict, contrast_ok: bool | None = None) -> str:
    if ours is None:
        return "no data"
    lo, hi = pub["ci"]
    if lo <= ours[0] <= hi and ours[1] <= pub["median"] <= ours[2]:
        return REPRODUCED
    return DIRECTION if contrast_ok else NOT


def verdict_fraction(hits: int, n: int, pub: dict) -> str:
    if n == 0:
        return "no data"
    p = fisher_p(hits, n, round(pub["fraction"] * n), n)
    return REPRODUCED if p is not None and p >= 0.05 else NOT


# --------------------------------------------------------------------------- rows
def _solved(rs):
    return [r for r in rs if r.get("solved_generation") is not None]


def verdict_rows_2005(results: list[dict], experiment: str, fixed: str, external: dict | None = None) -> list[dict]:
    pub = published(experiment)
    groups = {}
    for r in results:
        groups.setdefault(r["treatment"], []).append(r)
    rows = []
    qm_fixed = [r.get("qm") for r in _solved(groups.get(fixed, []))]
    qm_mvg = [r.get("qm") for r in _solved(groups.get("mvg", []))]
    p_contrast = rank_sum_p(qm_mvg, qm_fixed)
    contrast_ok = (p_contrast is not None and p_contrast < 0.05
                   and np.mean([q for q in qm_mvg if q is not None]) > np.mean([q for q in qm_fixed if q is not None]))
    for t, p in pub.items():
        rs = groups.get(t, [])
        if not rs:
            continue
        ext = (external or {}).get((experiment, t), {})
        if "solved_runs" in p:
            n_s = len(_solved(rs))
            rows.append({"treatment": t, "quantity": "runs solved", "published": format_published(p["solved_runs"]),
                         "ours": f"{n_s}/{len(rs)}", "external": "-", "test": f"Fisher p = {fisher_p(n_s, len(rs), p['solved_runs']['value'], p['solved_runs']['of']):.2g}",
                         "verdict": verdict_count(n_s, len(rs), p["solved_runs"])})
        if "generations_to_solution" in p:
            g = p["generations_to_solution"]
            q = quartiles(r["solved_generation"] for r in _solved(rs))
            rows.append({"treatment": t, "quantity": "generations to solution",
                         "published": format_published(g),
                         "ours": f"median {q[1]:,.0f} [IQR {q[0]:,.0f}-{q[2]:,.0f}]" if q else "-",
                         "external": "-", "test": "published spread contains our median?",
                         "verdict": verdict_spread(q[1] if q else None, g)})
        if "qm" in p:
            ours = mean_se(r.get("qm") for r in _solved(rs))
            rows.append({"treatment": t, "quantity": "Qm (mean +- SE)", "published": format_published(p["qm"]),
                         "ours": f"{ours[0]:.3f} +- {ours[1]:.3f} (n = {ours[2]})" if ours else "-",
                         "external": (f"{ext['qm'][0]:.3f} +- {ext['qm'][1]:.3f} (n = {ext['qm'][2]})"
                                      if ext.get("qm") else "-"),
                         "test": (f"MVG vs {fixed}: rank-sum p = {p_contrast:.2g}" if p_contrast is not None else "-"),
                         "verdict": verdict_mean(ours, p["qm"], contrast_ok)})
    return rows


def verdict_rows_2013(results: list[dict], experiment: str = "clune2013_retina") -> list[dict]:
    pub = published(experiment)
    groups = {}
    for r in results:
        groups.setdefault(r["treatment"], []).append(r)
    pa = groups.get("pa", [])
    rows = []
    for t, p in pub.items():
        rs = groups.get(t, [])
        if not rs:
            continue
        for key, label in (("q", "Q (median, 95% CI)"), ("performance", "performance (median, 95% CI)")):
            if key not in p:
                continue
            vals = [r.get(key) for r in rs]
            m = median_ci(vals)
            pcc = [r.get(key) for r in groups.get("pcc", [])]
            pv = rank_sum_p([r.get(key) for r in pa], pcc) if pa and pcc else None
            # published: P&CC above PA
            ok = pv is not None and pv < 0.05 and np.median(pcc) > np.median([r.get(key) for r in pa])
            rows.append({"treatment": t, "quantity": label,
                         "published": format_published_ci(p[key]),
                         "ours": f"{m[0]:.3g} [{m[1]:.3g}, {m[2]:.3g}] (n = {len(rs)})",
                         "external": "-", "test": f"PA vs P&CC rank-sum p = {pv:.2g}" if pv is not None else "-",
                         "verdict": verdict_ci(m, p[key], ok)})
        if "left_right_split" in p:
            hits = sum(bool(r.get("left_right_split")) for r in rs)
            pf = fisher_p(hits, len(rs), round(p["left_right_split"]["fraction"] * len(rs)), len(rs))
            rows.append({"treatment": t, "quantity": "left/right inputs split", "published": format_published_ci(p["left_right_split"]),
                         "ours": f"{hits}/{len(rs)}", "external": "-",
                         "test": f"Fisher vs published fraction p = {pf:.2g}",
                         "verdict": verdict_fraction(hits, len(rs), p["left_right_split"])})
    from .adaptation import adaptation_times
    times = adaptation_times(Path(results[0]["_folder"]).parent.parent) if results else {}
    for direction, pkey in (("AND-to-OR", "adapt_and_to_or"), ("OR-to-AND", "adapt_or_to_and")):
        pa_t, pcc_t = times.get(f"pa-{direction}"), times.get(f"pcc-{direction}")
        pv = rank_sum_p(pa_t, pcc_t) if pa_t and pcc_t else None
        # published: P&CC adapts faster than PA
        ok = pv is not None and pv < 0.05 and np.median(pcc_t) < np.median(pa_t)
        for t, ts in (("pa", pa_t), ("pcc", pcc_t)):
            if ts and pkey in pub.get(t, {}):
                m = median_ci(ts)
                rows.append({"treatment": t, "quantity": f"generations to adapt ({direction})",
                             "published": format_published_ci(pub[t][pkey]),
                             "ours": f"{m[0]:.3g} [{m[1]:.3g}, {m[2]:.3g}] (n = {len(ts)})", "external": "-",
                             "test": f"PA vs P&CC rank-sum p = {pv:.2g}" if pv is not None else "-",
                             "verdict": verdict_ci(m, pub[t][pkey], ok)})
    return rows


# --------------------------------------------------------------------------- document
def _git_commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                              cwd=Path(__file__).parent, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def load_external(path: Path | None) -> dict:
    """Aggregates written by ``replication compare``: {(experiment, treatment): {"qm": (m, se, n)}}."""
    if path is None or not Path(path).exists():
        return {}
    data = json.loads(Path(path).read_text())
    return {(a["experiment"], a["treatment"]): {"qm": tuple(a["qm"]) if a.get("qm") else None}
            for a in data.get("aggregates", [])}


def build_report(runs: Path, figures: Path, external: Path | None = None) -> str:
    runs, figures = Path(runs), Path(figures)
    ext = load_external(external)
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    out = ["# Replication report\n",
           f"Made {now} by `replication` {__version__} (git {_git_commit()}) from the run folders under "
           f"`{runs}/`; protocols in `original_protocol/` (parameters and their sources: `LEDGER.md`; "
           f"published numbers: `published.toml`). Every figure has a `.sources.json` naming its runs.\n",
           "## How the verdicts are decided\n", __doc__.split("Verdict rules (also printed in the report):")[1].strip() + "\n"]
    sections = [("ka2005_logic", "Kashtan & Alon 2005: logic circuits", "fixed-g1"),
                ("ka2005_retina", "Kashtan & Alon 2005: retina", "fixed-and")]
    for exp, title, fixed in sections:
        results = load_results(runs / exp) if (runs / exp).exists() else []
        out.append(f"## {title}\n")
        if not results:
            out.append("No finished runs.\n")
            continue
        out.append(f"{len(results)} finished runs.\n")
        out.append(markdown_table(summary_rows(results, exp)))
        out.append("\n" + markdown_table(verdict_rows_2005(results, exp, fixed, ext)))
        out += _figure_links(figures, exp)
    results = load_results(runs / "clune2013_retina") if (runs / "clune2013_retina").exists() else []
    out.append("## Clune, Mouret & Lipson 2013: connection cost\n")
    if results:
        gens = sorted({r["generations_run"] for r in results})
        out.append(f"{len(results)} finished runs; generations per run: {', '.join(map(str, gens))} "
                   f"(the paper: 25,000).\n")
        out.append(markdown_table(summary_rows_2013(results, "clune2013_retina")))
        out.append("\n" + markdown_table(verdict_rows_2013(results)))
        out += _figure_links(figures, "clune2013")
    else:
        out.append("No finished runs.\n")
    return "\n".join(out)


def _figure_links(figures: Path, prefix: str) -> list[str]:
    lines = []
    for png in sorted(figures.glob(f"{prefix}*.png")):
        lines.append(f"\n![{png.stem}]({png.name})\n")
    return lines


def write_report(runs: Path, figures: Path, external: Path | None = None) -> Path:
    figures.mkdir(parents=True, exist_ok=True)
    path = figures / "REPORT.md"
    path.write_text(build_report(runs, figures, external))
    return path
