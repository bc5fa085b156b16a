"""The 2005 retina pilot multiverse (issue 14): one row per (variant, treatment) -> CSV.

Made from run folders written by (one key at a time, 4 runs per treatment, 10,000 generations)::

    replication replicate original_protocol/ka2005_retina.toml -t fixed-and -t mvg --runs 4 \\
        --set KEY=VALUE --set run.max_generations=10000 --jobs 1 --out /tmp/retina-mv/KEY=VALUE

then ``python figures/retina_multiverse_pilot.py /tmp/retina-mv figures/retina_multiverse_pilot.csv``.

Columns: ``solved`` counts runs solved on the variant's own criterion; the two median columns are
medians over all ``n`` runs of the first generation at which every goal of the schedule was solved
on all 256 patterns / on the generation's 100 sampled patterns, with unsolved runs counted as
censored at the cap (written ``>cap`` when fewer than half reached it; empty when the criterion was
not observed because the run stopped on the other one first).  ``readaptation_median``: median
over runs of the median generations to re-solve after a switch (MVG, only runs that recorded
re-solved epochs).  ``qm_mean``: mean Qm of the runs' reported networks with the retina's
calibrated Qmax 0.610 (ka2005_retina calibration, made for the default GA; for other GA readings it
is an approximation) and Qrand from 1000 degree-preserving swaps per network (``qm_mean_layered``:
the layer-preserving null instead).
"""
import csv
import json
import sys
from pathlib import Path

import numpy as np

from replication.api import load_network
from replication.modularity import Recipe, apply_recipe

QMAX = 0.610
FIELDS = ["key", "value", "treatment", "n", "solved", "median_generations_all256",
          "median_generations_sampled", "readaptation_median", "qm_mean", "qm_mean_layered",
          "q_mean", "qrand_mean", "qrand_layered_mean", "solution_genes_median"]


def censored_median(values, n, cap):
    """Median of n runs where ``values`` are the observed times (None: not reached by the cap)."""
    full = [v for v in values if v is not None] + [np.inf] * sum(v is None for v in values)
    m = float(np.median(full))
    return f">{cap}" if not np.isfinite(m) else round(m, 1)


def qm(folder, null):
    g = load_network(folder)
    if g.number_of_edges() < 2:
        return None
    rep = apply_recipe(g, Recipe(method="greedy", directed=False, qrand_samples=1000, qrand_null=null),
                       seed=1, q_max=QMAX)
    return rep


def rows(root: Path):
    for variant in sorted(p for p in root.iterdir() if p.is_dir()):
        key, _, value = variant.name.partition("=") if variant.name != "default" else ("default", "", "")
        for treatment in ("fixed-and", "mvg"):
            runs = sorted((variant / "ka2005_retina" / treatment).glob("seed-*"))
            res = [(r, json.loads((r / "result.json").read_text())) for r in runs if (r / "result.json").exists()]
            if not res:
                continue
            proto = json.loads((res[0][0] / "protocol.json").read_text())
            cap = proto["run"]["max_generations"]
            on_env = proto["retina"].get("solved_on", "all") == "environment"
            own = [r["solved_generation"] for _, r in res]
            other = [(r.get("solved_generation_other") or {}).get("all_goals") for _, r in res]
            all256, sampled = (other, own) if on_env else (own, other)
            if on_env:      # the all-256 time is observed only if it came first (not censored at cap)
                all256_txt = "" if not any(v is not None for v in all256) else censored_median(all256, len(res), cap)
            else:
                all256_txt = censored_median(all256, len(res), cap)
            ra = [r["readaptation"]["median_generations"] for _, r in res
                  if r.get("readaptation") and r["readaptation"]["median_generations"] is not None]
            reps = [(qm(f, "degree"), qm(f, "layered")) for f, _ in res]
            reps = [(a, b) for a, b in reps if a is not None]
            diff = [r["solution_difference"]["genes"] for _, r in res if r.get("solution_difference")]
            mean = lambda xs: round(float(np.mean(xs)), 3) if xs else ""
            yield {"key": key, "value": value, "treatment": treatment, "n": len(res),
                   "solved": sum(v is not None for v in own),
                   "median_generations_all256": all256_txt,
                   "median_generations_sampled": censored_median(sampled, len(res), cap),
                   "readaptation_median": round(float(np.median(ra)), 1) if ra else "",
                   "qm_mean": mean([a.qm for a, _ in reps]), "qm_mean_layered": mean([b.qm for _, b in reps]),
                   "q_mean": mean([a.q for a, _ in reps]), "qrand_mean": mean([a.q_rand for a, _ in reps]),
                   "qrand_layered_mean": mean([b.q_rand for _, b in reps]),
                   "solution_genes_median": float(np.median(diff)) if diff else ""}


def with_layered_null(table):
    """The ``modularity.qrand_null = layered`` variant: the default runs' networks, Qm with that null."""
    out = list(table)
    for row in table:
        if row["key"] == "default":
            out.append({**row, "key": "modularity.qrand_null", "value": "layered",
                        "qm_mean": row["qm_mean_layered"]})
    return out


if __name__ == "__main__":
    root, out = Path(sys.argv[1]), Path(sys.argv[2])
    table = with_layered_null(rows(root))
    with out.open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=FIELDS)
        w.writeheader()
        w.writerows(table)
    for row in table:
        print(",".join(str(row[f]) for f in FIELDS))
