"""figures/REPORT.md and REPORT.html: every published claim beside ours, with a verdict that is only
as strong as the sample behind it.

The claims are data: each published value in ``original_protocol/published.toml`` is a claim about
one treatment, and its ``[[contrast]]`` entries are claims about two; ``[margins]`` says what
"clearly different" means for each quantity.  This module turns runs (through
:mod:`replication.analysis`) and claims into verdicts, and verdicts into documents.

Verdicts (``VERDICT_RULES`` is printed in the report):
"""
from __future__ import annotations

import base64
import csv
import datetime
import html
import json
import math
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ._version import __version__
from .analysis import (PROTOCOLS, PUBLISHED, adaptation_summary, feedback_nodes, format_published, has_runs,
                       load_results, markdown_table, published, read_adaptation_clusters, read_adaptation_runs,
                       readaptation_times, summary_rows, summary_rows_2013)
from .modularity import separates_groups
from .protocol import read_toml
from .store import ANALYSIS_SECTIONS, iter_runs
from .stats import (ALPHA, MEDIAN_CI_MIN_N, POWER, fisher_detectable, fisher_p, fisher_power_two, mean_se,
                    median_ci, median_ci_clustered, min_detectable_difference, quartiles, rank_sum_min_p,
                    rank_sum_p, rank_sum_power)

REPRODUCED = "reproduced"
DIRECTION = "same direction, different size"
NOT = "not reproduced"
INCONCLUSIVE = "inconclusive (n too small)"
NOT_COMPARABLE = "not comparable"
NO_DATA = "no data"
QUALITATIVE = "not tested (qualitative statement)"

# Reduced pilot tables kept beside the figures (made by hand-run commands recorded in the ledger)
PILOT_TABLES = {
    "ka2005_retina": (("retina_multiverse_pilot.csv",
                       "Retina readings (pilot multiverse: one key at a time, 4 runs x 10,000 generations)"),),
    "clune2013_retina": (("original2013/summary.csv",
                          "The authors' program beside ours at matched generations (PA and P&CC)"),),
}
# Written by `replication original2013`: the authors' program and ours at matched generations
ORIGINAL_SUMMARY = "original2013/summary.csv"

#: what "often" is taken to mean: at least this share of the runs (a choice; the paper gives none)
OFTEN = 0.25


#: the cost below which the 2013 paper sees cost and Q of perfect networks inversely correlated
MOLE_LOW_COST = 125.0
#: perfect cells needed below that cost before a correlation is tested
MOLE_MIN_CELLS = 10


VERDICT_RULES = f"""\
- Every verdict first checks that the runs are comparable: runs with fewer generations than the
  protocol file's `run.max_generations` make every claim about them **{NOT_COMPARABLE}** (a time,
  a count of solved runs or a final network's modularity all depend on it); so does a sample
  smaller than the statistic needs (a mean +- SE needs 2 runs; a rank-sum contrast needs enough
  runs that complete separation gives p < {ALPHA}: 4 and 4).
- **{REPRODUCED}** is only said when the test could have told the published value from a clearly
  different one (the `[margins]` of `published.toml`) with {POWER:.0%} power at {ALPHA} and did
  not; when it could not, the verdict is **{INCONCLUSIVE}**, with the power or the smallest
  detectable difference stated.
- A count out of n (runs solved; 2013 left/right split as a count of 50): Fisher's exact test of
  our count out of our n against the published count out of the **published** n.
  p < {ALPHA}: {NOT}; otherwise {REPRODUCED} if the test detects a success rate `rate` away from
  the published one with {POWER:.0%} power at our n, else {INCONCLUSIVE}.
- A mean +- SE (the 2005 Qm): |ours - published| > 2 sqrt(SE_ours^2 + SE_pub^2): {NOT} (or
  *{DIRECTION}* when our MVG-vs-fixed contrast is significant in the published direction);
  otherwise {REPRODUCED} when the minimum detectable difference (t-based, our n - 1 degrees of
  freedom) is within the margin, else {INCONCLUSIVE}.
- A median with a 95% CI (2013): needs {MEDIAN_CI_MIN_N} runs (below that no distribution-free 95%
  CI of a median exists); {REPRODUCED} when each median lies inside the other's CI and our CI's
  half-width is within the margin (or the published CI's); {INCONCLUSIVE} when the medians agree
  but our CI is wider; otherwise {DIRECTION} / {NOT} as for means.  Adaptation times (runs
  cloned from 50 source networks): our CI resamples the networks (cluster bootstrap) and only
  the published median is held to it (the paper's CIs look computed over runs as if
  independent: too narrow to hold ours to); contrasts compare one median per network.
- A centre with a spread (generations to solution), or a single value (gates, re-adaptation
  time): needs {MEDIAN_CI_MIN_N} runs; {REPRODUCED} when our median lies within the published
  spread (a value: the published value lies in our median's 95% CI), else {NOT}.
- A contrast between two treatments: our two groups are compared with the paper's test (rank-sum,
  or Fisher for counts); significant in the published direction: {REPRODUCED}; significant the
  other way: {NOT}; not significant: {NOT} if the test had {POWER:.0%} power against the
  published effect (in standard deviations, from the published values and n), else
  {INCONCLUSIVE}.  Times count unsolved runs as slower than every solved one.
- Statements in words with a rule (`test` in published.toml, against the treatment it names):
  *nonmodular*: the control's Qm (every run's final network) lower than the reference's, as a
  contrast (the non-modular retina's "Q lower than on the modular retina": the same test of Q
  against the other experiment's P&CC runs); *no significant motifs*: no motif whose mean Z over
  the networks exceeds 2 (mfinder's threshold) with 95% confidence; {REPRODUCED} only if the
  same rule, at the control's number of networks, still finds the reference's motifs, else
  {INCONCLUSIVE}; *not different* (randomised coordinates vs P&CC): two-sided rank-sum per
  quantity, p < {ALPHA}: {NOT}; {REPRODUCED} only with {POWER:.0%} power against the margin and
  medians closer than it, else {INCONCLUSIVE}; *all higher* (P&CC and P&CC-NC above PA and
  P&RO): every one of the contrasts, each as above; *more feedback* (Q-only control): nodes on
  directed cycles of the final networks, more than the reference's, as a contrast; *separates*
  (XOR problems): final networks whose modules separate the sub-problems, more often than the
  reference's, as a Fisher contrast powered against 0.9 vs 0.1; *single threshold* (2005 retina
  re-adaptation) and *separates inputs* (2005 Fig. 4, one module per XOR): the share of runs
  that show it, at least the stated share ("often": {OFTEN:.0%}; Fig. 4's drawn solution: one
  half) by a 95% Wilson interval above it ({REPRODUCED}) or below it ({NOT}), else
  {INCONCLUSIVE}.  The MOLE map (2013 Fig. 3): over the cells whose best network is perfect,
  below a cost of {MOLE_LOW_COST:g}, Spearman's rho of cost and Q negative with p < {ALPHA}:
  {REPRODUCED}; positive with p < {ALPHA}: {NOT}; else (or with fewer than {MOLE_MIN_CELLS} such
  cells) {INCONCLUSIVE}; where the perfect cells lie is reported beside it.  Other statements
  in words are {QUALITATIVE}.
"""
__doc__ += "\n" + VERDICT_RULES

EXPERIMENTS = (("ka2005_logic", "Kashtan & Alon 2005: logic circuits"),
               ("ka2005_logic6", "Kashtan & Alon 2005: 6-input, 3-output circuits (Fig. 4)"),
               ("ka2005_retina", "Kashtan & Alon 2005: retina"),
               ("clune2013_retina", "Clune, Mouret & Lipson 2013: connection cost"),
               ("clune2013_nonmodular", "Clune, Mouret & Lipson 2013: non-modular retina (Fig. 5a)"),
               ("clune2013_xor5", "Clune, Mouret & Lipson 2013: five separate XORs (Fig. 5b)"),
               ("clune2013_hxor", "Clune, Mouret & Lipson 2013: nested XOR (Fig. 5c)"))
FIGURE_PREFIX = {"ka2005_logic": ("ka2005_logic",), "ka2005_logic6": ("ka2005_logic6",),
                 "ka2005_retina": ("ka2005_retina",),
                 "clune2013_retina": ("clune2013",), "clune2013_nonmodular": ("clune2013_fig5",),
                 "clune2013_xor5": ("clune2013_fig5",), "clune2013_hxor": ("clune2013_fig5",)}
LABELS = {"solved_runs": "runs solved", "generations_to_solution": "generations to solution",
          "qm": "Qm", "gates": "gates of perfect circuits", "readaptation_generations":
          "generations to re-adapt after a switch", "q": "Q", "performance": "performance",
          "left_right_split": "left/right split", "adapt_and_to_or": "generations to adapt AND -> OR",
          "adapt_or_to_and": "generations to adapt OR -> AND"}


NO_VALUES = {"qm": "no solved run has a Qm: run `replication calibrate PROTOCOL`, then `replication analyse`",
             "generations_to_solution": "no run solved", "gates": "no run solved",
             "readaptation_generations": "no run went on switching goals after solving both",
             "adapt_and_to_or": "no adaptation runs (`replication adapt`)",
             "adapt_or_to_and": "no adaptation runs (`replication adapt`)"}


@dataclass(frozen=True)
class Verdict:
    """A verdict and the sentence that says why (test, p, power or margin).

    ``label`` is one of "reproduced", "not reproduced", "inconclusive (...)" or "no data":
    "not comparable" (shortened runs): a verdict is only as strong as its sample.

    Examples
    --------
    >>> v = verdict_count(35, 50, {"value": 36, "of": 50})
    >>> v.label, v.why.startswith("Fisher 35/50 vs published 36/50")
    ('reproduced', True)
    """
    label: str
    why: str = ""


@dataclass
class Claim:
    """One published claim: about one treatment (``kind`` = the shape of its published value:
    count, fraction, mean, median, spread, value) or a contrast between two (``kind`` = contrast).

    Read from ``published.toml`` by :func:`load_claims`, each with its source.

    Examples
    --------
    >>> c = next(c for c in load_claims() if c.id == "ka2005_logic/fixed-g1/solved_runs")
    >>> c.kind, c.treatment, c.published["value"], c.published["of"], c.published["source"].startswith("Kashtan & Alon 2005")
    ('count', 'fixed-g1', 36, 50, True)
    """
    id: str
    experiment: str
    kind: str
    quantity: str
    statement: str
    published: dict
    treatment: str = ""
    a: str = ""
    b: str = ""
    direction: str = ""
    extra: dict = field(default_factory=dict)


# --------------------------------------------------------------------------- claims as data
def _kind(entry: dict) -> str:
    if isinstance(entry.get("value"), str):
        return "qualitative"             # a statement in words (e.g. "no significant motifs")
    for key, kind in (("of", "count"), ("fraction", "fraction"), ("mean", "mean"),
                      ("median", "median"), ("centre", "spread"), ("value", "value")):
        if key in entry:
            return kind
    raise ValueError(f"published entry {entry} has no value this report understands")


def load_claims(path: Path = PUBLISHED) -> list[Claim]:
    """Every claim in ``published.toml``: one per published value, then the contrasts.

    Claim ids: ``<experiment>/<treatment>/<quantity>`` and
    ``<experiment>/<a>-vs-<b>/<quantity>`` (the ``claim`` column of a multiverse table).

    Examples
    --------
    >>> claims = load_claims()
    >>> c = next(c for c in claims if c.id == "ka2005_logic/fixed-g1/solved_runs")
    >>> c.kind, c.published["value"], c.published["of"]
    ('count', 36, 50)
    >>> [c.id for c in claims if c.kind == "contrast"][0]
    'ka2005_logic/mvg-vs-fixed-g1/generations_to_solution'
    """
    data = read_toml(path)
    claims = []
    for experiment, _title in EXPERIMENTS:
        for treatment, entries in data.get(experiment, {}).items():
            for quantity, entry in entries.items():
                claims.append(Claim(id=f"{experiment}/{treatment}/{quantity}", experiment=experiment,
                                    kind=_kind(entry), quantity=quantity, treatment=treatment,
                                    statement=entry.get("claim", f"{treatment}: {LABELS.get(quantity, quantity)} "
                                                                 f"{format_published(entry)}"),
                                    published=entry))
    for c in data.get("contrast", []):
        if c["experiment"] not in dict(EXPERIMENTS):
            raise ValueError(f"{path}: contrast {c.get('claim')!r} names an unknown experiment {c['experiment']!r}")
        claims.append(Claim(id=f"{c['experiment']}/{c['a']}-vs-{c['b']}/{c['quantity']}",
                            experiment=c["experiment"], kind="contrast", quantity=c["quantity"],
                            statement=c["claim"], published=c, a=c["a"], b=c["b"],
                            direction=c["direction"]))
    order = [e for e, _ in EXPERIMENTS]
    return sorted(claims, key=lambda c: order.index(c.experiment))     # stable: values, then contrasts


def margins(path: Path = PUBLISHED) -> dict:
    """The ``[margins]`` table: what "clearly different" means per quantity.

    Examples
    --------
    >>> m = margins()
    >>> m["rate"], m["qm"]
    (0.3, 0.1)
    """
    return dict(read_toml(path).get("margins", {}))


def margin_for(quantity: str, pub: dict, table: dict) -> float:
    """The equivalence margin of one claim, in the quantity's units (times: relative to the
    published value; never narrower than the published CI's half-width).

    Examples
    --------
    >>> margin_for("qm", {"mean": 0.54, "se": 0.02}, {"qm": 0.1})
    0.1
    >>> margin_for("adapt_and_to_or", {"median": 65, "ci": [62, 69]}, {"time_relative": 0.5})
    32.5
    """
    if quantity in table:
        m = float(table[quantity])
    else:
        centre = pub.get("median", pub.get("centre", pub.get("mean", pub.get("value", 0.0))))
        m = float(table.get("time_relative", 0.5)) * abs(centre)
    if "ci" in pub:
        m = max(m, (pub["ci"][1] - pub["ci"][0]) / 2)
    return m


# --------------------------------------------------------------------------- verdict rules
def verdict_count(hits: int, n: int, pub: dict, margin: float = 0.3) -> Verdict:
    """Our ``hits`` out of ``n`` against the published count out of the published n (Fisher).

    Examples
    --------
    >>> verdict_count(3, 3, {"value": 36, "of": 50}).label
    'inconclusive (n too small)'
    >>> verdict_count(35, 50, {"value": 36, "of": 50}).label
    'reproduced'
    >>> verdict_count(5, 50, {"value": 36, "of": 50}).label
    'not reproduced'
    """
    if n == 0:
        return Verdict(NO_DATA)
    if "of" in pub:
        k, big_n = int(pub["value"]), int(pub["of"])
    else:
        big_n = int(pub["n"])
        k = round(pub["fraction"] * big_n)
    p = fisher_p(hits, n, k, big_n)
    test = f"Fisher {hits}/{n} vs published {k}/{big_n}: p = {p:.2g}"
    if p < ALPHA:
        return Verdict(NOT, test)
    d = fisher_detectable(n, k, big_n)
    if d is None or d > margin:
        return Verdict(INCONCLUSIVE, f"{test}; at n = {n} the test detects only a success rate "
                       + (f"{d:.2f}" if d is not None else "any distance")
                       + f" away from the published one with {POWER:.0%} power (margin {margin})")
    return Verdict(REPRODUCED, f"{test}; detects a rate {d:.2f} away with {POWER:.0%} power")


def verdict_fraction(hits: int, n: int, pub: dict, margin: float = 0.3) -> Verdict:
    """A published fraction of the published n (``pub["n"]``), tested as a count.

    Fisher's exact test of our ``hits``/``n`` against round(fraction x n)/n, as :func:`verdict_count`.

    Examples
    --------
    >>> verdict_fraction(30, 50, {"fraction": 0.7, "n": 50}).label
    'reproduced'
    >>> verdict_fraction(5, 50, {"fraction": 0.7, "n": 50}).label
    'not reproduced'
    """
    return verdict_count(hits, n, pub, margin)


def verdict_mean(ours: tuple | None, pub: dict, margin: float = 0.1, contrast_ok: bool | None = None) -> Verdict:
    """Our (mean, SE, n) against a published mean +- SE.

    Examples
    --------
    >>> verdict_mean((0.53, 0.02, 50), {"mean": 0.54, "se": 0.02}).label
    'reproduced'
    >>> verdict_mean((0.53, 0.02, 3), {"mean": 0.54, "se": 0.02}).label
    'inconclusive (n too small)'
    """
    if ours is None:
        return Verdict(NO_DATA)
    m, se, n = ours
    if n < 2 or not math.isfinite(se):
        return Verdict(NOT_COMPARABLE, f"n = {n}: no SE from fewer than 2 runs")
    tol = 2 * math.hypot(se, pub["se"])
    diff = abs(m - pub["mean"])
    if diff > tol:
        why = f"|{m:.3f} - {pub['mean']}| = {diff:.3f} > 2 SE = {tol:.3f}"
        return Verdict(DIRECTION if contrast_ok else NOT, why)
    mdd = min_detectable_difference(se, n, pub["se"])
    why = (f"|diff| = {diff:.3f} <= 2 SE = {tol:.3f}; minimum detectable difference at n = {n}: "
           f"{mdd:.3f} (margin {margin})")
    return Verdict(REPRODUCED if mdd <= margin else INCONCLUSIVE, why)


def verdict_ci(values, pub: dict, margin: float = 0.1, contrast_ok: bool | None = None,
               clusters: list | None = None) -> Verdict:
    """Our values' median and 95% bootstrap CI against a published median [95% CI].

    ``clusters``: the values in correlated groups (adaptation runs cloned from one source
    network); our CI then resamples whole groups (:func:`median_ci_clustered`), and only the
    published median is tested against it: a published CI computed over runs cloned from few
    networks (as 50 x 50 runs with a CI of a few generations suggest) is too narrow to hold
    our median to.

    Examples
    --------
    >>> verdict_ci([0.40, 0.41, 0.42, 0.43, 0.44, 0.42, 0.41], {"median": 0.42, "ci": [0.25, 0.45]}).label
    'reproduced'
    >>> verdict_ci([0.40, 0.42, 0.43], {"median": 0.42, "ci": [0.25, 0.45]}).label
    'inconclusive (n too small)'
    >>> nets = [[60, 64, 70]] * 10 + [[66, 68, 75]] * 10
    >>> verdict_ci([v for c in nets for v in c], {"median": 66, "ci": [62, 69]}, 33, clusters=nets).label
    'reproduced'
    >>> verdict_ci([v for c in nets for v in c], {"median": 120, "ci": [110, 130]}, 60, clusters=nets).label
    'not reproduced'
    """
    ours = median_ci_clustered(clusters) if clusters else median_ci(values)
    if ours is None:
        return Verdict(NO_DATA)
    n = len(clusters) if clusters else len([v for v in values if v is not None])
    if n < MEDIAN_CI_MIN_N:
        return Verdict(INCONCLUSIVE, f"n = {n}{' source networks' if clusters else ''}: a 95% CI of a "
                                     f"median needs at least {MEDIAN_CI_MIN_N}")
    lo, hi = pub["ci"]
    half = (ours[2] - ours[1]) / 2
    if clusters and ours[1] <= pub["median"] <= ours[2]:
        unit = f"our 95% CI resampling the {n} source networks [{ours[1]:.3g}, {ours[2]:.3g}]"
        if half <= margin:
            return Verdict(REPRODUCED, f"published median inside {unit}; half-width {half:.3g} <= margin {margin:.3g}")
        return Verdict(INCONCLUSIVE, f"published median inside {unit}, but its half-width {half:.3g} > margin "
                                     f"{margin:.3g}: the source networks differ too much to tell")
    if not clusters and lo <= ours[0] <= hi and ours[1] <= pub["median"] <= ours[2]:
        if half <= margin:
            return Verdict(REPRODUCED, f"each median inside the other's 95% CI; our half-width {half:.3g} "
                                       f"<= margin {margin:.3g}")
        return Verdict(INCONCLUSIVE, f"medians agree but our 95% CI half-width {half:.3g} > margin {margin:.3g}")
    return Verdict(DIRECTION if contrast_ok else NOT,
                   f"our {ours[0]:.3g} [{ours[1]:.3g}, {ours[2]:.3g}]"
                   + (f" (CI resampling the {n} source networks)" if clusters else "")
                   + f" vs published {pub['median']} {pub['ci']}")


def verdict_spread(values, pub: dict) -> Verdict:
    """Our median against a published centre with an asymmetric spread.

    Examples
    --------
    >>> verdict_spread([9000, 12000, 5000, 8000, 15000, 7000], {"centre": 9000, "plus": 19000, "minus": 2000}).label
    'reproduced'
    >>> verdict_spread([559, 600, 700], {"centre": 9000, "plus": 19000, "minus": 2000}).label
    'inconclusive (n too small)'
    """
    v = [x for x in values if x is not None]
    if not v:
        return Verdict(NO_DATA)
    if len(v) < MEDIAN_CI_MIN_N:
        return Verdict(INCONCLUSIVE, f"n = {len(v)}: a median needs at least {MEDIAN_CI_MIN_N} runs to be compared")
    med = float(np.median(v))
    lo, hi = pub["centre"] - pub["minus"], pub["centre"] + pub["plus"]
    inside = lo <= med <= hi
    return Verdict(REPRODUCED if inside else NOT,
                   f"our median {med:,.0f} {'inside' if inside else 'outside'} the published spread [{lo:,}, {hi:,}]")


def verdict_value(values, pub: dict) -> Verdict:
    """A single published value (e.g. gates, re-adaptation time) against our median's 95% CI.

    Reproduced when the published value lies inside the bootstrap CI of our median; fewer than
    :data:`replication.stats.MEDIAN_CI_MIN_N` runs are inconclusive.

    Examples
    --------
    >>> ours = [10, 11, 12, 11, 10, 12, 11]
    >>> verdict_value(ours, {"value": 11}).label, verdict_value(ours, {"value": 30}).label
    ('reproduced', 'not reproduced')
    >>> verdict_value([10, 11], {"value": 11}).label
    'inconclusive (n too small)'
    """
    ours = median_ci(values)
    if ours is None:
        return Verdict(NO_DATA)
    n = len([v for v in values if v is not None])
    if n < MEDIAN_CI_MIN_N:
        return Verdict(INCONCLUSIVE, f"n = {n}: a 95% CI of a median needs at least {MEDIAN_CI_MIN_N} runs")
    inside = ours[1] <= pub["value"] <= ours[2]
    return Verdict(REPRODUCED if inside else NOT,
                   f"published {pub['value']} {'inside' if inside else 'outside'} our median's 95% CI "
                   f"[{ours[1]:.3g}, {ours[2]:.3g}]")


def _published_effect(quantity: str, pa: dict | None, pb: dict | None) -> float | None:
    """The published difference of two treatments in standard deviations, where the published
    values allow it (mean +- SE with n; median [CI] with n); else None."""
    if not pa or not pb or "n" not in pa or "n" not in pb:
        return None
    if "mean" in pa and "mean" in pb:
        sds = [p["se"] * math.sqrt(p["n"]) for p in (pa, pb)]
        return abs(pa["mean"] - pb["mean"]) / math.sqrt((sds[0] ** 2 + sds[1] ** 2) / 2)
    if "median" in pa and "median" in pb:
        # CI of a median ~ median +- 1.96 * 1.2533 sd / sqrt(n) (normal data)
        sds = [(p["ci"][1] - p["ci"][0]) / 2 * math.sqrt(p["n"]) / (1.96 * 1.2533) for p in (pa, pb)]
        pooled = math.sqrt((sds[0] ** 2 + sds[1] ** 2) / 2)
        return abs(pa["median"] - pb["median"]) / pooled if pooled > 0 else math.inf
    return None


def verdict_contrast(a, b, direction: str, effect: float | None = None, counts: bool = False,
                     published_n: int | None = None, rates: tuple | None = None) -> Verdict:
    """Our treatments ``a`` and ``b`` compared with the paper's test; ``direction``: a is expected
    "greater" or "less" than b.  ``counts``: a and b are (hits, n) pairs (Fisher), else values
    (rank-sum).  For the power against the published effect: ``effect`` (values: the published
    difference in SDs) or ``rates`` (counts: the published success rates of a and b); without
    them, a non-significant result counts as a difference only when both our groups are at least
    the paper's ``published_n``.

    Examples
    --------
    >>> verdict_contrast([0.5, 0.6, 0.55], [0.1, 0.12, 0.2], "greater").label
    'not comparable'
    >>> verdict_contrast([0.5, 0.6, 0.55, 0.52], [0.1, 0.12, 0.2, 0.15], "greater").label
    'reproduced'
    >>> verdict_contrast((3, 3), (0, 3), "greater", counts=True).label
    'inconclusive (n too small)'
    """
    if counts:
        (ha, na), (hb, nb) = a, b
        if na == 0 or nb == 0:
            return Verdict(NO_DATA)
        p = fisher_p(ha, na, hb, nb)
        sign = ha / na - hb / nb
        test = f"Fisher {ha}/{na} vs {hb}/{nb}: p = {p:.2g}"
    else:
        a = [x for x in a if x is not None]
        b = [x for x in b if x is not None]
        if not a or not b:
            return Verdict(NO_DATA)
        floor = rank_sum_min_p(len(a), len(b))
        if floor > ALPHA:
            return Verdict(NOT_COMPARABLE, f"with {len(a)} and {len(b)} runs the rank-sum test cannot reach "
                                           f"p < {ALPHA} (smallest p = {floor:.2g})")
        p = rank_sum_p(a, b)
        if p is None:
            return Verdict(INCONCLUSIVE, f"fewer than 2 runs in a group (n = {len(a)}, {len(b)})")
        ma, mb = float(np.median(a)), float(np.median(b))
        sign = (ma > mb) - (ma < mb)
        if sign == 0:
            with np.errstate(invalid="ignore"):            # inf - inf: both groups unsolved
                diff = float(np.mean(a) - np.mean(b))
            sign = diff if np.isfinite(diff) else 0
        test = f"rank-sum p = {p:.2g} (medians {ma:.3g} vs {mb:.3g}; n = {len(a)}, {len(b)})"
        na, nb = len(a), len(b)
    want = 1 if direction == "greater" else -1
    if p < ALPHA:
        return Verdict(REPRODUCED if np.sign(sign) == want else NOT, test)
    if counts:
        power = fisher_power_two(na, rates[0], nb, rates[1]) if rates is not None else None
    else:
        power = rank_sum_power(effect, na, nb) if effect is not None else None
    if power is None:
        if published_n and min(na, nb) >= published_n:
            return Verdict(NOT, f"{test}; not significant with at least the paper's n = {published_n} per group")
        return Verdict(INCONCLUSIVE, f"{test}; power against the published effect unknown; "
                                     f"the paper had n = {published_n or 'unknown'} per group")
    if power < POWER:
        return Verdict(INCONCLUSIVE, f"{test}; power against the published effect {power:.2f}")
    return Verdict(NOT, f"{test}; power against the published effect {power:.2f}")


# --------------------------------------------------------------------------- our values
def _groups(results):
    out = {}
    for r in results:
        out.setdefault(r["treatment"], []).append(r)
    return out


def _solved(rs):
    return [r for r in rs if r.get("solved_generation") is not None]


def _size(r):
    return r.get("n_effective_gates", r.get("n_effective_neurons"))


def _cap(r) -> int | None:
    path = Path(r["_folder"]) / "protocol.json"
    try:
        return int(json.loads(path.read_text())["run"]["max_generations"])
    except (OSError, KeyError, ValueError):
        return None


def values_of(quantity: str, rs: list[dict], adapt: dict, treatment: str):
    """Our per-run values of a quantity (a list), or (hits, n) for counts and fractions.

    Examples
    --------
    >>> rs = [{"solved_generation": 500, "q": 0.3}, {"solved_generation": None, "q": 0.2}]
    >>> values_of("solved_runs", rs, {}, "mvg"), values_of("generations_to_solution", rs, {}, "mvg")
    ((1, 2), [500])
    >>> values_of("adapt_and_to_or", [], {"pa-AND-to-OR": [[12, 40], [7]]}, "pa")   # per source network
    [12, 40, 7]
    """
    if quantity == "solved_runs":
        return len(_solved(rs)), len(rs)
    if quantity == "left_right_split":
        return sum(bool(r.get("left_right_split")) for r in rs), len(rs)
    if quantity == "generations_to_solution":
        return [r["solved_generation"] for r in _solved(rs)]
    if quantity == "qm":
        return [r.get("qm") for r in _solved(rs)]
    if quantity == "gates":
        return [_size(r) for r in _solved(rs)]
    if quantity == "readaptation_generations":
        return [m for m in (readaptation_times(r["_folder"]) for r in rs) if m is not None]
    if quantity in ("q", "performance"):
        return [r.get(quantity) for r in rs]
    if quantity.startswith("adapt_"):
        return [v for net in _adapt_clusters(quantity, adapt, treatment) for v in net]
    raise ValueError(f"no rule for our values of {quantity!r}")


def _adapt_clusters(quantity: str, adapt: dict, treatment: str) -> list[list[int]]:
    """The adaptation times of ``quantity`` (adapt_<from>_to_<to>), one list per source network."""
    from .adaptation import adaptation_name
    return [list(net) for net in adapt.get(adaptation_name(treatment, quantity), [])]


def _contrast_values(quantity, rs, adapt, treatment):
    """Values for a contrast: times count unsolved runs as slower than any solved run; adaptation
    times are one value per source network (the median of its runs: the networks, not the runs
    cloned from them, are the independent units)."""
    if quantity.startswith("adapt_"):
        return [float(np.median(net)) for net in _adapt_clusters(quantity, adapt, treatment) if net]
    if quantity == "generations_to_solution":
        return [r["solved_generation"] if r.get("solved_generation") is not None else math.inf for r in rs]
    return values_of(quantity, rs, adapt, treatment)


def _fmt_ours(kind, vals) -> str:
    if isinstance(vals, tuple):
        return f"{vals[0]}/{vals[1]}"
    v = [x for x in vals if x is not None]
    if not v:
        return "-"
    if kind == "mean":
        m = mean_se(v)
        return f"{m[0]:.3f} +- {m[1]:.3f} (n = {m[2]})" if m[2] > 1 else f"{m[0]:.3f} (n = 1)"
    if kind == "spread":
        q = quartiles(v)
        return f"median {q[1]:,.0f} [IQR {q[0]:,.0f}-{q[2]:,.0f}] (n = {len(v)})"
    m = median_ci(v)
    return f"{m[0]:.3g} [{m[1]:.3g}, {m[2]:.3g}] (n = {len(v)})"


def _fmt_adapt(clusters: list[list]) -> str:
    """Our adaptation median with its CI over source networks (and the one over runs, as the
    paper's interval appears to be computed)."""
    m, lo, hi = median_ci_clustered(clusters)
    pooled = median_ci([v for net in clusters for v in net])
    n_runs = sum(len(net) for net in clusters)
    return (f"{m:.3g} [{lo:.3g}, {hi:.3g}] ({len(clusters)} networks, {n_runs} runs; "
            f"CI over runs as if independent: [{pooled[1]:.3g}, {pooled[2]:.3g}])")


@dataclass
class Row:
    """One claim's line: statement, published, ours, verdict, why, N of M readings.

    Examples
    --------
    >>> c = next(c for c in load_claims() if c.id == "ka2005_logic/fixed-g1/solved_runs")
    >>> row = evaluate_results([c], [])[0]
    >>> row.ours, row.verdict.label, row.readings
    ('-', 'no data', '-')
    """
    claim: Claim
    ours: str
    verdict: Verdict
    readings: str = "-"
    original: str = "-"


def shortened(rs: list[dict], experiment: str, treatment: str, protocols: Path = PROTOCOLS) -> str | None:
    """Why runs are not comparable to the protocol (fewer generations than its file says), or None.

    Examples
    --------
    >>> import tempfile
    >>> from replication.api import run_evolution
    >>> runs = Path(tempfile.mkdtemp()) / "runs"; exp = runs / "ka2005_logic"
    >>> small = {"selection.population": 20, "selection.elite": 6, "run.max_generations": 5}
    >>> for seed in (1, 2):
    ...     _ = run_evolution("ka2005_logic", "mvg", seed, exp / "mvg" / f"seed-{seed}", small)
    >>> from replication.analysis import load_results
    >>> shortened(load_results(exp), "ka2005_logic", "mvg")
    "2 of 2 mvg runs capped at 5 generations, the protocol's cap is 100,000"
    """
    from .protocol import load_protocol
    path = Path(protocols) / f"{experiment}.toml"
    if not path.exists() or not rs:
        return None
    try:
        want = load_protocol(path, treatment).run.max_generations
    except Exception:          # noqa: BLE001  (a treatment the file does not know: nothing to compare)
        return None
    caps = [_cap(r) for r in rs]
    if None in caps:
        return (f"{caps.count(None)} of {len(rs)} {treatment} runs have no readable protocol.json: "
                f"cannot tell whether they ran the protocol's {want:,} generations")
    short = [c for c in caps if c < want]
    if short:
        return (f"{len(short)} of {len(rs)} {treatment} runs capped at {min(short):,} generations, "
                f"the protocol's cap is {want:,}")
    return None


def evaluate_claims(runs: Path, claims: list[Claim] | None = None, protocols: Path = PROTOCOLS,
                    multiverse: bool = True, adaptation_runs: dict | None = None) -> list[Row]:
    """Every claim's row (ours, verdict and why) from the runs under ``runs``.
    ``adaptation_runs``: experiment -> :func:`replication.analysis.read_adaptation_runs`, when the
    caller has read them already (else read here).

    Examples
    --------
    >>> import tempfile
    >>> from replication.api import run_evolution
    >>> runs = Path(tempfile.mkdtemp()) / "runs"; exp = runs / "ka2005_logic"
    >>> small = {"selection.population": 20, "selection.elite": 6, "run.max_generations": 5}
    >>> for seed in (1, 2):
    ...     _ = run_evolution("ka2005_logic", "mvg", seed, exp / "mvg" / f"seed-{seed}", small)
    >>> rows = evaluate_claims(runs, multiverse=False)
    >>> row = next(r for r in rows if r.claim.id == "ka2005_logic/mvg/solved_runs")
    >>> row.ours, row.verdict.label               # 5 of the protocol's 100,000 generations
    ('0/2', 'not comparable')
    >>> next(r for r in rows if r.claim.treatment == "fixed-g1").verdict.label    # no such runs
    'no data'
    """
    claims = load_claims() if claims is None else claims
    rows = []
    loaded: dict[str, list[dict]] = {}

    def results_of(experiment: str) -> list[dict]:      # each experiment's runs read once
        if experiment not in loaded:
            exp_dir = Path(runs) / experiment
            loaded[experiment] = load_results(exp_dir) if exp_dir.is_dir() else []
        return loaded[experiment]

    for experiment in dict.fromkeys(c.experiment for c in claims):
        exp_dir = Path(runs) / experiment
        results = results_of(experiment)
        adapt = (read_adaptation_clusters(exp_dir, (adaptation_runs or {}).get(experiment))
                 if exp_dir.is_dir() else {})
        mine = evaluate_results([c for c in claims if c.experiment == experiment], results, adapt, protocols)
        motifs = exp_dir / "motifs.json"
        apply_qualitative_rules(mine, results, json.loads(motifs.read_text()) if motifs.is_file() else None,
                                results_of)
        apply_mole_rule(mine, exp_dir)
        rows += mine
    if multiverse:
        _fill_readings(rows, Path(runs))
    return rows


#: mfinder's Z-score threshold for a significant motif (mfinder 1.2's default ``-z 2``)
MOTIF_Z = 2.0


def significant_motifs(profile: dict, se_scale: float = 1.0) -> list[tuple[int, int, float]]:
    """(size, motif id, mean Z) of the motifs of a treatment's profile (``motifs.json``, by size)
    whose mean Z over the networks is above :data:`MOTIF_Z` with 95% confidence
    (mean - 1.96 SE > 2; a motif found in one network only has no SE and is never significant).
    ``se_scale`` multiplies the SE: sqrt(n / m) asks what m of the n networks would show.

    Examples
    --------
    >>> significant_motifs({"3": [{"id": 38, "n": 50, "z_mean": 2.9, "z_se": 0.2},
    ...                           {"id": 6, "n": 2, "z_mean": 3.4, "z_se": 1.5}]})
    [(3, 38, 2.9)]
    >>> significant_motifs({"3": [{"id": 38, "n": 50, "z_mean": 2.9, "z_se": 0.2}]}, se_scale=10 ** 0.5)
    []
    """
    out = []
    for size, motifs in profile.items():
        for m in motifs:
            z, se = m.get("z_mean"), m.get("z_se")
            if z is not None and se is not None and z - 1.96 * se * se_scale > MOTIF_Z:
                out.append((int(size), int(m["id"]), round(float(z), 2)))
    return out


def _values(groups: dict, treatment: str, quantity: str) -> list:
    """The treatment's values of ``quantity``, one per run that has it."""
    return [r[quantity] for r in groups.get(treatment, []) if r.get(quantity) is not None]


def _rule_lower(quantity: str, label: str):
    """A rule: ``quantity`` of every run's final network lower than the reference treatment's
    (of this experiment, or of ``reference_experiment``), by rank-sum as a contrast."""
    def rule(c: Claim, groups: dict, motifs: dict | None, ref_groups: dict | None = None):
        ref = c.published["reference"]
        where = ref_groups if c.published.get("reference_experiment") else groups
        if where is None:
            return None
        ctrl, base = _values(groups, c.treatment, quantity), _values(where, ref, quantity)
        if not ctrl or not base:
            return None
        name = f"{c.published['reference_experiment']} {ref}" if c.published.get("reference_experiment") else ref
        v = verdict_contrast(ctrl, base, "less")
        ours = f"{label} {np.median(ctrl):.3f} (n = {len(ctrl)}) vs {name} {np.median(base):.3f} (n = {len(base)})"
        return ours, Verdict(v.label, f"tested as {label} lower than {name}'s (every run's final network): {v.why}")
    return rule


_rule_nonmodular = _rule_lower("qm", "Qm")


def _rule_no_motifs(c: Claim, groups: dict, motifs: dict | None, ref_groups: dict | None = None):
    """'no significant motifs': none by :func:`significant_motifs`, where the reference has some."""
    ref = c.published["reference"]
    profiles = (motifs or {}).get("treatments", {})
    if c.treatment not in profiles or ref not in profiles:
        return None
    n = motifs.get("n_networks", {}).get(c.treatment, 0)
    n_ref = motifs.get("n_networks", {}).get(ref, 0)
    mine = significant_motifs(profiles[c.treatment])
    # power: the reference's motifs that the rule would still find with only n networks
    # (its SE scaled by sqrt(n_ref / n))
    theirs = significant_motifs(profiles[ref], (n_ref / n) ** 0.5 if n else math.inf)
    listed = lambda ms: ", ".join(f"size {s} id {i} (Z {z})" for s, i, z in ms) or "none"
    ours = f"{len(mine)} significant (n = {n} networks); {ref}: {len(theirs)} at that n"
    rule = (f"a motif is significant when its mean Z over the networks exceeds {MOTIF_Z:g} with 95% "
            f"confidence; {c.treatment}: {listed(mine)}; {ref} (n = {n_ref}, SE scaled to n = {n}): "
            f"{listed(theirs)}")
    if mine:
        return ours, Verdict(NOT, rule)
    if n < 5 or not theirs:
        return ours, Verdict(INCONCLUSIVE, f"with {n} networks the rule would not find {ref}'s motifs "
                                           f"either, so it cannot tell; {rule}")
    return ours, Verdict(REPRODUCED, rule)


def _rule_not_different(c: Claim, groups: dict, motifs: dict | None, ref_groups: dict | None = None):
    """'not significantly different from the reference': for each of the claim's ``quantities``,
    a two-sided rank-sum test of the treatment's final networks against the reference's.
    Any p < alpha: not reproduced; otherwise reproduced only if every test had 80% power to
    detect a difference of the quantity's margin (in SDs of the pooled values) and the medians
    differ by less than that margin, else inconclusive.

    Examples
    --------
    >>> c = Claim("e/b/same", "e", "qualitative", "same", "b same as a",
    ...           {"value": "not different", "reference": "a", "quantities": ["q"]}, treatment="b")
    >>> g = {"a": [{"q": 0.40 + 0.001 * i} for i in range(30)], "b": [{"q": 0.401 + 0.001 * i} for i in range(30)]}
    >>> _rule_not_different(c, g, None)[1].label
    'reproduced'
    >>> g["b"] = [{"q": 0.2 + 0.001 * i} for i in range(30)]
    >>> _rule_not_different(c, g, None)[1].label
    'not reproduced'
    """
    ref, table = c.published["reference"], margins()
    parts, verdicts = [], []
    for q in c.published.get("quantities", ["q"]):
        a, b = _values(groups, c.treatment, q), _values(groups, ref, q)
        if len(a) < 2 or len(b) < 2:
            return None
        p = rank_sum_p(a, b)
        sd = float(np.std(np.concatenate([a, b]), ddof=1))
        effect = math.inf if sd == 0 else table.get(q, 0.1) / sd
        power = rank_sum_power(effect, len(a), len(b)) if math.isfinite(effect) else \
            (1.0 if rank_sum_min_p(len(a), len(b)) <= ALPHA else 0.0)
        label = LABELS.get(q, q)
        parts.append(f"{label} {np.median(a):.3g} vs {np.median(b):.3g}: p = {p:.2g}, power {power:.0%} "
                     f"against a difference of {table.get(q, 0.1):g}")
        # an observed difference beyond the margin is not evidence of sameness, whatever p says
        close = abs(float(np.median(a)) - float(np.median(b))) <= table.get(q, 0.1)
        verdicts.append(NOT if p < ALPHA else REPRODUCED if power >= POWER and close else INCONCLUSIVE)
    ours = "; ".join(parts) + f" (n = {len(a)} vs {ref} {len(b)})"
    label = NOT if NOT in verdicts else INCONCLUSIVE if INCONCLUSIVE in verdicts else REPRODUCED
    return ours, Verdict(label, f"tested as no significant difference from {ref} (two-sided rank-sum, "
                                f"every run's final network): " + "; ".join(parts))


def _rule_all_higher(c: Claim, groups: dict, motifs: dict | None, ref_groups: dict | None = None):
    """'a and b significantly higher than c and d in Q and performance': every one-sided
    contrast (:func:`verdict_contrast`) of a ``higher`` treatment over a ``lower`` one in each of
    the ``quantities``; all reproduced: reproduced; any not reproduced: not reproduced;
    otherwise the weakest verdict.

    Examples
    --------
    >>> c = Claim("e/c/q", "e", "qualitative", "q", "a higher than c",
    ...           {"value": "higher", "higher": ["a"], "lower": ["c"], "quantities": ["q"]}, treatment="c")
    >>> g = {"a": [{"q": 0.5 + 0.01 * i} for i in range(20)], "c": [{"q": 0.1 + 0.01 * i} for i in range(20)]}
    >>> _rule_all_higher(c, g, None)
    ('1 of 1 contrasts reproduced', Verdict(label='reproduced', why='every contrast (one-sided rank-sum, final networks): a > c in Q: reproduced'))
    """
    parts, labels = [], []
    for hi in c.published["higher"]:
        for lo in c.published["lower"]:
            for q in c.published.get("quantities", ["q"]):
                a, b = _values(groups, hi, q), _values(groups, lo, q)
                if not a or not b:
                    return None
                v = verdict_contrast(a, b, "greater")
                labels.append(v.label)
                parts.append(f"{hi} > {lo} in {LABELS.get(q, q)}: {v.label}")
    label = (REPRODUCED if all(x == REPRODUCED for x in labels) else NOT if NOT in labels
             else next(x for x in (NOT_COMPARABLE, INCONCLUSIVE, DIRECTION, NO_DATA) if x in labels))
    ours = f"{sum(x == REPRODUCED for x in labels)} of {len(labels)} contrasts reproduced"
    return ours, Verdict(label, "every contrast (one-sided rank-sum, final networks): " + "; ".join(parts))


def _rule_more_feedback(c: Claim, groups: dict, motifs: dict | None, ref_groups: dict | None = None):
    """'many feedback loops': the treatment's final networks have more nodes on directed cycles
    (:func:`feedback_nodes`) than the reference's, by a one-sided rank-sum contrast."""
    ref = c.published["reference"]
    ctrl = [x for x in (feedback_nodes(r["_folder"]) for r in groups.get(c.treatment, [])) if x is not None]
    base = [x for x in (feedback_nodes(r["_folder"]) for r in groups.get(ref, [])) if x is not None]
    if not ctrl or not base:
        return None
    v = verdict_contrast(ctrl, base, "greater")
    share = lambda xs: sum(x > 0 for x in xs)
    ours = (f"nodes on feedback loops: median {np.median(ctrl):g}, {share(ctrl)}/{len(ctrl)} networks with "
            f"a loop vs {ref} {np.median(base):g}, {share(base)}/{len(base)}")
    return ours, Verdict(v.label, f"tested as more nodes on directed cycles than {ref}'s networks "
                                  f"(one-sided rank-sum): {v.why}")


def _rule_separates(c: Claim, groups: dict, motifs: dict | None, ref_groups: dict | None = None):
    """'separate modules for the sub-problems in nearly every trial, almost never with the
    reference': the count of final networks whose modules separate the sub-problems
    (``modules_separate_problems``), the treatment's against the reference's, by a one-sided
    Fisher contrast powered against rates of 0.9 vs 0.1 ("nearly every" vs "almost never")."""
    ref = c.published["reference"]
    a, b = (_values(groups, t, "modules_separate_problems") for t in (c.treatment, ref))
    if not a or not b:
        return None
    v = verdict_contrast((sum(a), len(a)), (sum(b), len(b)), "greater", counts=True, rates=(0.9, 0.1))
    ours = f"{sum(a)}/{len(a)} vs {ref} {sum(b)}/{len(b)} final networks with the sub-problems in separate modules"
    return ours, Verdict(v.label, f"tested as more often than {ref} (one-sided Fisher): {v.why}")


def _share_verdict(hits: int, n: int, share: float, what: str) -> tuple[str, Verdict]:
    """``hits`` of ``n`` runs against "at least ``share`` of the runs": reproduced when the 95%
    Wilson interval of the proportion lies above ``share``, not reproduced when below, else
    inconclusive.

    Examples
    --------
    >>> _share_verdict(9, 10, 0.5, "x")[1].label, _share_verdict(1, 10, 0.5, "x")[1].label
    ('reproduced', 'not reproduced')
    >>> _share_verdict(1, 2, 0.5, "x")[1].label
    'inconclusive (n too small)'
    """
    from scipy.stats import binomtest
    lo, hi = binomtest(hits, n, share).proportion_ci(method="wilson")
    label = REPRODUCED if lo > share else NOT if hi < share else INCONCLUSIVE
    return (f"{hits}/{n} runs: {what}",
            Verdict(label, f"read as at least {share:.0%} of the runs; share {hits / n:.2f}, "
                           f"95% Wilson interval [{lo:.2f}, {hi:.2f}]"))


def _rule_single_threshold(c: Claim, groups: dict, motifs: dict | None, ref_groups: dict | None = None):
    """'after a switch the network re-adapts, often by the threshold value of a single neuron':
    per run that went on switching after solving both goals (``runs_of``), whether its latest
    solutions of the two goals (``solution_difference``) differ in one neuron gene, and there
    only in the threshold; "often" = at least ``share`` (default :data:`OFTEN`) of the runs, by
    :func:`_share_verdict`.

    Examples
    --------
    >>> c = Claim("e/mvg/readaptation_change", "e", "qualitative", "readaptation_change", "often one threshold",
    ...           {"value": "often one threshold", "test": "single threshold", "runs_of": "s"}, treatment="mvg")
    >>> one = {"solution_difference": {"genes": 1, "thresholds_only": True}}
    >>> two = {"solution_difference": {"genes": 2, "thresholds_only": False}}
    >>> _rule_single_threshold(c, {"s": [one] * 12 + [two] * 8}, None)[1].label
    'reproduced'
    >>> _rule_single_threshold(c, {"s": [two] * 30}, None)[1].label
    'not reproduced'
    >>> _rule_single_threshold(c, {"s": [{"seed": 1}]}, None) is None     # no run solved both goals
    True
    """
    diffs = _values(groups, c.published.get("runs_of", c.treatment), "solution_difference")
    if not diffs:
        return None
    hits = sum(d.get("genes") == 1 and bool(d.get("thresholds_only")) for d in diffs)
    return _share_verdict(hits, len(diffs), c.published.get("share", OFTEN),
                          "latest AND and OR solutions differ in one neuron's threshold only")


def _rule_separates_inputs(c: Claim, groups: dict, motifs: dict | None, ref_groups: dict | None = None):
    """'one module per sub-problem': per solved run of the treatment, whether the Q partition of
    its final network (``partition``, from ``replication analyse``: nodes numbered from 1, as
    network.txt) puts each published group of inputs (``groups``, numbered alike) in a module of its own (:func:`replication.modularity.separates_groups`); at least
    ``share`` of the runs (default one half: the paper draws it as the typical solution), by
    :func:`_share_verdict`.

    Examples
    --------
    >>> c = Claim("e/mvg/modules", "e", "qualitative", "modules", "one module per XOR",
    ...           {"value": "x", "test": "separates inputs", "groups": [[0, 1], [2, 3]]}, treatment="mvg")
    >>> good = {"partition": [[0, 1, 5], [2, 3, 6]], "solved_generation": 9}
    >>> bad = {"partition": [[0, 1, 2, 3]], "solved_generation": 9}
    >>> _rule_separates_inputs(c, {"mvg": [good] * 18 + [bad] * 2}, None)
    ('18/20 runs: solved runs whose Q partition puts each input group in a module of its own', Verdict(label='reproduced', why='read as at least 50% of the runs; share 0.90, 95% Wilson interval [0.70, 0.97]'))
    >>> _rule_separates_inputs(c, {"mvg": [{"partition": [[5, 6]], "solved_generation": 9}]}, None)[1].label
    'no data'
    """
    rs = [r for r in groups.get(c.treatment, [])
          if r.get("solved_generation") is not None and r.get("partition") is not None]
    if not rs:
        return None
    inputs = {v for grp in c.published["groups"] for v in grp}
    if not any(inputs & {v for m in r["partition"] for v in m} for r in rs):
        return ("-", Verdict(NO_DATA, "no Q partition holds an input node (a recipe that leaves the "
                                      "inputs out of the graph, modularity.include_inputs = false)"))
    hits = sum(separates_groups(r["partition"], c.published["groups"]) for r in rs)
    return _share_verdict(hits, len(rs), c.published.get("share", 0.5),
                          "solved runs whose Q partition puts each input group in a module of its own")


#: rules that need no reference treatment
SELF_CONTAINED = {"single threshold", "separates inputs"}

#: qualitative statements with a rule (published ``test``, else the published value -> rule);
#: the others stay untested
QUALITATIVE_RULES = {"nonmodular": _rule_nonmodular, "no significant motifs": _rule_no_motifs,
                     "q-lower": _rule_lower("q", "Q"), "not different": _rule_not_different,
                     "all higher": _rule_all_higher, "more feedback": _rule_more_feedback,
                     "separates": _rule_separates, "single threshold": _rule_single_threshold,
                     "separates inputs": _rule_separates_inputs}


def apply_qualitative_rules(rows: list, results: list[dict], motifs: dict | None, load_other=None) -> None:
    """Replace, in place, the "not tested" verdict of each qualitative claim that has a rule in
    :data:`QUALITATIVE_RULES` and a ``reference`` treatment (published.toml) by the rule's;
    ``load_other(experiment)`` gives the results of a ``reference_experiment``.

    Examples
    --------
    >>> c = Claim("e/ctrl/motifs", "e", "qualitative", "motifs", "no significant motifs",
    ...           {"value": "no significant motifs", "reference": "mvg"}, treatment="ctrl")
    >>> rows = [Row(c, "-", Verdict(QUALITATIVE))]
    >>> prof = {"3": [{"id": 38, "n": 9, "z_mean": 0.3, "z_se": 0.2}]}
    >>> motifs = {"n_networks": {"ctrl": 9, "mvg": 9},
    ...           "treatments": {"ctrl": prof, "mvg": {"3": [{"id": 38, "n": 9, "z_mean": 3.0, "z_se": 0.2}]}}}
    >>> apply_qualitative_rules(rows, [], motifs); rows[0].verdict.label, rows[0].ours
    ('reproduced', '0 significant (n = 9 networks); mvg: 1 at that n')

    With nothing to test the statement on (here: no motif analysis) the verdict is "no data":

    >>> rows = [Row(c, "-", Verdict(QUALITATIVE))]
    >>> apply_qualitative_rules(rows, [], None); rows[0].verdict.label
    'no data'
    """
    groups = _groups(results)
    for k, row in enumerate(rows):
        c = row.claim
        rule = rule_of(c)
        if rule is None or row.verdict.label != QUALITATIVE:
            continue
        other = c.published.get("reference_experiment")
        tested = rule(c, groups, motifs, _groups(load_other(other)) if other and load_other else None)
        if tested is None:          # a testable statement with nothing to test it on
            runs_of = c.published.get("runs_of", c.treatment)
            tested = ("-", Verdict(NO_DATA, f"no run of {runs_of} has what the rule reads (e.g. no solved "
                                            "run, no motif analysis)"))
        rows[k] = Row(c, tested[0], tested[1])


def mole_verdict(maps: list[dict], reduced: str = "") -> tuple[str, Verdict]:
    """The MOLE map claim (Clune et al. 2013, Fig. 3) from merged maps: where the perfect networks
    (cells whose best performance is 1) lie, and whether, below a cost of
    :data:`MOLE_LOW_COST`, their Q falls as their cost rises: Spearman's rho over the perfect
    cells' (cost, Q) centres, {REPRODUCED} when negative with p < 0.05, {NOT} when positive with
    p < 0.05, else {INCONCLUSIVE} (also with fewer than :data:`MOLE_MIN_CELLS` such cells).

    Examples
    --------
    >>> q_edges, c_edges = np.linspace(0, 1, 11), np.linspace(0, 500, 21)
    >>> best = np.full((10, 20), np.nan)
    >>> for i in range(10):                      # perfect cells on a falling frontier
    ...     best[i, 4 - i // 2:] = 1.0
    >>> ours, v = mole_verdict([{"best": best, "q_edges": q_edges, "cost_edges": c_edges}])
    >>> v.label
    'reproduced'
    """
    from scipy.stats import spearmanr
    from .mole import merge_maps
    best = merge_maps(maps)
    qe, ce = maps[0]["q_edges"], maps[0]["cost_edges"]
    qc, cc = (qe[:-1] + qe[1:]) / 2, (ce[:-1] + ce[1:]) / 2
    rows, cols = np.nonzero(np.nan_to_num(best, nan=-1.0) >= 1.0)
    reached = int((~np.isnan(best)).sum())
    if rows.size == 0:
        return (f"no perfect network in {reached} cells reached{reduced}",
                Verdict(INCONCLUSIVE, "no cell of the map holds a perfect network: nothing to correlate"))
    q, cost = qc[rows], cc[cols]
    ours = (f"{rows.size} perfect cells of {reached} reached, Q {q.min():.2f}-{q.max():.2f}, cost "
            f"{cost.min():.0f}-{cost.max():.0f}")
    low = cost < MOLE_LOW_COST
    if low.sum() < MOLE_MIN_CELLS or np.unique(cost[low]).size < 2 or np.unique(q[low]).size < 2:
        return (ours + reduced, Verdict(INCONCLUSIVE, f"{int(low.sum())} perfect cells below cost "
                                                      f"{MOLE_LOW_COST:g}: too few to test the correlation"))
    rho, p = spearmanr(cost[low], q[low])
    why = (f"below cost {MOLE_LOW_COST:g}: Spearman rho(cost, Q) = {rho:.2f}, p = {p:.2g} over "
           f"{int(low.sum())} perfect cells")
    label = REPRODUCED if (rho < 0 and p < ALPHA) else NOT if (rho > 0 and p < ALPHA) else INCONCLUSIVE
    return ours + f"; rho = {rho:.2f} below cost {MOLE_LOW_COST:g}" + reduced, Verdict(label, why)


def apply_mole_rule(rows: list, experiment_dir: Path) -> None:
    """Replace, in place, the row of the MOLE map claim (treatment ``mole``, quantity ``map``) by
    :func:`mole_verdict` of the maps under ``<experiment>/mole/seed-N/map.json``, when there are
    any; a map smaller than the paper's (30 runs x 10,000 generations x 1000) says so.

    Examples
    --------
    >>> import tempfile
    >>> rows = [r for r in evaluate_results(load_claims(), []) if r.claim.treatment == "mole"]
    >>> apply_mole_rule(rows, Path(tempfile.mkdtemp()))        # no maps: rows left as they were
    >>> [r.verdict.label for r in rows]
    ['no data', 'no data']
    """
    from .mole import read_map
    paths = sorted(Path(experiment_dir, "mole").glob("seed-*/map.json"))
    if not paths:
        return
    maps = [read_map(p) for p in paths]
    gens = sorted({int(m.get("generations", 0)) for m in maps})
    pops = sorted({int(m.get("population", 0)) for m in maps})
    size = f"{len(maps)} runs x {'/'.join(map(str, gens))} generations x {'/'.join(map(str, pops))}"
    reduced = "" if (len(maps) >= 30 and min(gens) >= 10000 and min(pops) >= 1000) else \
        f" (reduced map: {size}; the paper 30 x 10,000 x 1000)"
    for k, row in enumerate(rows):
        if row.claim.treatment == "mole" and row.claim.quantity == "map":
            ours, v = mole_verdict(maps, reduced)
            rows[k] = Row(row.claim, ours, v)


def evaluate_results(claims: list[Claim], results: list[dict], adapt: dict | None = None,
                     protocols: Path = PROTOCOLS) -> list[Row]:
    """Each claim's row from a given set of finished runs (one experiment's, e.g. one multiverse
    variant's) and adaptation times.

    Examples
    --------
    >>> import tempfile
    >>> from replication.api import run_evolution
    >>> runs = Path(tempfile.mkdtemp()) / "runs"; exp = runs / "ka2005_logic"
    >>> small = {"selection.population": 20, "selection.elite": 6, "run.max_generations": 5}
    >>> for seed in (1, 2):
    ...     _ = run_evolution("ka2005_logic", "mvg", seed, exp / "mvg" / f"seed-{seed}", small)
    >>> from replication.analysis import load_results
    >>> claims = [c for c in load_claims() if c.id == "ka2005_logic/mvg/solved_runs"]
    >>> [(r.ours, r.verdict.label) for r in evaluate_results(claims, load_results(exp))]
    [('0/2', 'not comparable')]
    """
    groups, table = _groups(results), margins()
    return [_evaluate(c, groups, adapt or {}, table, protocols) for c in claims]


def claim_treatments(claims: list[Claim]) -> list[str]:
    """The treatments whose runs these claims need (in first-mention order).

    Examples
    --------
    >>> claim_treatments([c for c in load_claims() if c.experiment == "ka2005_logic"])[:2]
    ['fixed-g1', 'mvg']
    """
    out = []
    for c in claims:
        names = [c.a, c.b] if c.kind == "contrast" else [c.published.get("runs_of", c.treatment)]
        out += [t for t in names if t and t not in out]
    return out


def reads_motifs(c: Claim) -> bool:
    """Whether a claim's rule reads a motif analysis ("no significant motifs").

    Examples
    --------
    >>> [c.id for c in load_claims() if reads_motifs(c)][:2]
    ['ka2005_logic/rvg-g1-random/motifs', 'ka2005_logic/rvg-random/motifs']
    """
    return rule_of(c) is _rule_no_motifs


def rule_of(c: Claim):
    """The rule (:data:`QUALITATIVE_RULES`, by the published ``test``, else the value) that tests a
    statement in words, if it has one and what it needs to be tested against (a ``reference`` or
    ``higher`` treatment, or a rule in :data:`SELF_CONTAINED`); else None.

    Examples
    --------
    >>> [rule_of(c).__name__ for c in load_claims() if c.id == "ka2005_logic/q-only/feedback"]
    ['_rule_more_feedback']
    """
    key = c.published.get("test", c.published.get("value"))
    rule = QUALITATIVE_RULES.get(key) if c.kind == "qualitative" else None
    if rule is None or not ({"reference", "higher"} & set(c.published) or key in SELF_CONTAINED):
        return None
    return rule


def rule_treatments(claims: list[Claim], motifs: bool = False) -> list[str]:
    """The treatments whose runs the qualitative claims with a rule (:data:`QUALITATIVE_RULES`)
    need: the claim's own and the references of this experiment it is tested against (a
    ``reference_experiment`` is read from that experiment's main runs). Rules that read a motif
    analysis count only with ``motifs``.

    Examples
    --------
    The logic controls are tested against MVG; their motif statements need a motif analysis:

    >>> logic = [c for c in load_claims() if c.experiment == "ka2005_logic"]
    >>> rule_treatments(logic)
    ['rvg-g1-random', 'mvg', 'rvg-random', 'rvg-random-redraw', 'q-only']
    >>> rule_treatments([c for c in logic if c.quantity == "motifs"])
    []
    """
    out = []
    for c in claims:
        rule = rule_of(c)
        if rule is None or (rule is _rule_no_motifs and not motifs):
            continue
        names = [c.published.get("runs_of", c.treatment)]
        if not c.published.get("reference_experiment"):
            names += [c.published.get("reference")] + list(c.published.get("higher", []))
            names += list(c.published.get("lower", []))
        for t in names:
            if t and t not in out:
                out.append(t)
    return out


def _evaluate(c: Claim, groups, adapt, table, protocols) -> Row:
    pub_all = published(c.experiment)
    if c.kind == "contrast":
        ra, rb = groups.get(c.a, []), groups.get(c.b, [])
        if not ra or not rb:
            return Row(c, "-", Verdict(NO_DATA, f"no runs of {c.a if not ra else c.b}"))
        va = _contrast_values(c.quantity, ra, adapt, c.a)
        vb = _contrast_values(c.quantity, rb, adapt, c.b)
        counts = isinstance(va, tuple)
        ours = (f"{va[0]}/{va[1]} vs {vb[0]}/{vb[1]}" if counts else f"{_short(va)} vs {_short(vb)}")
        capped = ""
        for t, rs in ((c.a, ra), (c.b, rb)):
            why = shortened(rs, c.experiment, t, protocols) if not c.quantity.startswith("adapt_") else None
            if why and not (c.quantity in CAP_TOLERANT and _common_cap(ra + rb)):
                return Row(c, ours, Verdict(NOT_COMPARABLE, why))
            if why:
                capped = (f"; both treatments capped at {_common_cap(ra + rb):,} generations (unsolved runs "
                          f"ranked as slower than every solved one), shorter than the protocol's")
        pa, pb = pub_all.get(c.a, {}).get(c.quantity), pub_all.get(c.b, {}).get(c.quantity)
        effect = None if counts else _published_effect(c.quantity, pa, pb)
        ns = [p.get("n", p.get("of")) for p in (pa, pb) if p]
        pn = min(ns) if len(ns) == 2 and None not in ns else None
        rates = (tuple(_rate(p) for p in (pa, pb)) if counts and pa and pb else None)
        v = verdict_contrast(va, vb, c.direction, effect=effect, counts=counts, published_n=pn, rates=rates)
        return Row(c, ours, Verdict(v.label, v.why + capped) if capped else v)
    source = c.published.get("runs_of", c.treatment)
    rs = groups.get(source, [])
    if not rs:
        return Row(c, "-", Verdict(NO_DATA, f"no runs of {source}"))
    if c.kind == "qualitative":
        return Row(c, f"{len(rs)} runs: see the figures and tables",
                   Verdict(QUALITATIVE, "the paper states it in words; no statistical rule applies"))
    why = shortened(rs, c.experiment, source, protocols) if not c.quantity.startswith("adapt_") else None
    vals = values_of(c.quantity, rs, adapt, source)
    if c.quantity == "generations_to_solution":
        censored = verdict_censored([r.get("solved_generation") for r in rs], [_cap(r) for r in rs], c.published)
        if censored is not None:
            return Row(c, f"{len(_solved(rs))}/{len(rs)} solved within {min(_cap(r) for r in rs):,}", censored)
    capped = ""
    if why and c.quantity in CAP_TOLERANT:      # a solved network is the same whatever the cap
        capped, why = f"; {why} (solved runs only)", None
    if isinstance(vals, list) and not [v for v in vals if v is not None]:
        return Row(c, "-", Verdict(NO_DATA, NO_VALUES.get(c.quantity, f"no {c.quantity} in the runs of {source}")))
    if source != c.treatment:
        why = why and f"{why} (runs of {source})"
    ours = _fmt_ours(c.kind, vals)
    if c.quantity.startswith("adapt_"):
        ours = _fmt_adapt(_adapt_clusters(c.quantity, adapt, source))
    if why:
        return Row(c, ours, Verdict(NOT_COMPARABLE, why))
    margin = margin_for("rate" if c.kind in ("count", "fraction") else c.quantity, c.published, table)
    if c.kind in ("count", "fraction"):
        verdict = verdict_count(vals[0], vals[1], c.published, margin)
    elif c.kind == "mean":
        verdict = verdict_mean(mean_se(vals), c.published, margin, _contrast_ok(c, groups, adapt))
    elif c.kind == "median":
        clusters = _adapt_clusters(c.quantity, adapt, source) if c.quantity.startswith("adapt_") else None
        verdict = verdict_ci(vals, c.published, margin, _contrast_ok(c, groups, adapt), clusters)
    elif c.kind == "spread":
        verdict = verdict_spread(vals, c.published)
    else:
        verdict = verdict_value(vals, c.published)
    return Row(c, ours, Verdict(verdict.label, verdict.why + capped) if capped else verdict)


# Quantities that stay comparable under a shorter cap: the Qm of a *solved* network does not
# depend on how long unsolved runs would have gone on; times do when every run shares one cap
# (unsolved runs are then censored at the same point and rank as slower than any solved run).
CAP_TOLERANT = ("qm", "generations_to_solution")


def _common_cap(rs) -> int | None:
    caps = {_cap(r) for r in rs}
    return caps.pop() if len(caps) == 1 and None not in caps else None


def verdict_censored(times, caps, pub: dict) -> Verdict | None:
    """"Not reproduced" from unsolved runs alone, when it is decidable: if the published median
    time (centre + plus: the top of its stated range) lies below every run's cap, each run would
    solve within the cap with probability >= 1/2 were the published value right; so k unsolved
    runs of n give the one-sided binomial p = P(X >= k | n, 1/2).  p < ALPHA: not reproduced
    (our median is above the cap, hence above the published range).  None when that does not
    apply (fewer than half unsolved, a cap inside the published range, no range published), so
    the ordinary rules decide.

    Examples
    --------
    >>> pub = {"centre": 2800, "plus": 9500, "minus": 600}
    >>> v = verdict_censored([None] * 6, [20000] * 6, pub)
    >>> v.label, v.why.split(";")[0]
    ('not reproduced', '6 of 6 runs unsolved at 20,000 generations, above the published 2,800 (+9,500)')
    >>> verdict_censored([None] * 5 + [900], [20000] * 6, pub).label      # p = 7/64: cannot tell
    'inconclusive (n too small)'
    >>> verdict_censored([None, 900, 1200], [20000] * 3, pub) is None     # most runs solved
    True
    >>> verdict_censored([None] * 6, [10000] * 6, pub) is None            # cap inside the range
    True
    """
    centre = pub.get("centre", pub.get("value"))
    if centre is None or not times or None in caps:
        return None
    upper = centre + pub.get("plus", 0)
    n, k = len(times), sum(t is None for t in times)
    cap = min(caps)
    if 2 * k <= n or cap <= upper:
        return None
    p = sum(math.comb(n, j) for j in range(k, n + 1)) / 2 ** n
    why = (f"{k} of {n} runs unsolved at {cap:,} generations, above the published {centre:,} "
           f"(+{pub.get('plus', 0):,}); were the published median right, each run would solve within "
           f"{cap:,} with probability >= 1/2: binomial p = {p:.2g}")
    return Verdict(NOT if p < ALPHA else INCONCLUSIVE, why)


def _rate(pub: dict) -> float:
    return pub["value"] / pub["of"] if "of" in pub else float(pub["fraction"])


def _short(vals) -> str:
    v = [x for x in vals if x is not None]
    if not v:
        return "-"
    med = float(np.median(v))
    return f"{'unsolved' if math.isinf(med) else f'{med:.3g}'} (n = {len(v)})"


def _contrast_ok(c: Claim, groups, adapt) -> bool:
    """Whether the contrast this treatment's value belongs to holds in our runs (for DIRECTION)."""
    for con in load_claims():
        if con.kind == "contrast" and con.experiment == c.experiment and con.quantity == c.quantity \
                and c.treatment in (con.a, con.b):
            ra, rb = groups.get(con.a, []), groups.get(con.b, [])
            if not ra or not rb:
                return False
            v = verdict_contrast(_contrast_values(con.quantity, ra, adapt, con.a),
                                 _contrast_values(con.quantity, rb, adapt, con.b), con.direction)
            return v.label == REPRODUCED
    return False


def _fill_readings(rows: list[Row], runs: Path) -> None:
    """"Holds under N of M readings" from ``<experiment>/multiverse.csv`` (columns key, value,
    treatment, claim, published, ours, n, verdict), where the file exists."""
    tables = {}
    for row in rows:
        exp = row.claim.experiment
        if exp not in tables:
            path = runs / exp / "multiverse.csv"
            tables[exp] = list(csv.DictReader(open(path, newline=""))) if path.exists() else None
        data = tables[exp]
        if data is None:
            continue
        c = row.claim
        ident = c.id.split("/", 1)[1]
        t = c.treatment or f"{c.a}-vs-{c.b}"
        mine = [r for r in data if r.get("claim") in (c.id, ident)
                or (r.get("claim") == c.quantity and r.get("treatment") == t)]
        if mine and all(r.get("verdict") == NO_DATA for r in mine):   # e.g. runs but no adaptation runs
            row.readings = "not in the multiverse runs"
        elif mine:
            # a reading without data for this claim (e.g. its treatment not run there) was not tested
            by_reading = {r["reading"]: r for r in one_row_per_reading(mine) if r.get("verdict") != NO_DATA}
            verdicts = [r.get("verdict") for r in by_reading.values()]
            holds = sum(v == REPRODUCED for v in verdicts)
            ns = sorted({str(r.get("n")) for r in by_reading.values()}, key=int)
            undecided = sum(v in (INCONCLUSIVE, NOT_COMPARABLE) for v in verdicts)
            row.readings = (f"{holds} of {len(by_reading)}"
                            + (f" ({undecided} undecided)" if undecided else "")
                            + f"; n = {'/'.join(ns)} per reading")


def coverage_rows(runs: Path, protocols: Path = PROTOCOLS, adaptations: dict | None = None) -> list[dict]:
    """What was run against what the protocols ask: one row per treatment of every protocol
    file (finished runs found, the protocol's ``run.runs``: the paper's n where stated) and per
    adaptation (source networks, of the paper's 50). ``adaptations``: experiment ->
    :func:`adaptation_summary` rows, when the caller has them already (they read every
    adaptation run).

    Examples
    --------
    >>> import tempfile
    >>> from replication.store import run_dir, write_json
    >>> root = Path(tempfile.mkdtemp())
    >>> write_json(run_dir(root, "ka2005_retina", "mvg", 1) / "result.json", {"seed": 1})
    >>> rows = coverage_rows(root)
    >>> [r for r in rows if r["treatment"] == "mvg" and r["experiment"] == "ka2005_retina"]
    [{'experiment': 'ka2005_retina', 'treatment': 'mvg', 'runs': 1, 'protocol runs': 50, 'status': 'partial'}]
    >>> {r["status"] for r in rows if r["experiment"] == "clune2013_xor5"}
    {'not run'}
    """
    from .protocol import load_protocol, treatments_of
    out = []
    for exp, _title in EXPERIMENTS:
        path = Path(protocols) / f"{exp}.toml"
        if not path.is_file():
            continue
        for t in treatments_of(path):
            want = load_protocol(path, t).run.runs
            folder = Path(runs) / exp / t
            have = sum(1 for _ in iter_runs(folder)) if folder.is_dir() else 0
            out.append({"experiment": exp, "treatment": t, "runs": have, "protocol runs": want,
                        "status": "not run" if have == 0 else "partial" if have < want else "full size"})
        for a in (adaptations[exp] if adaptations is not None else adaptation_summary(Path(runs) / exp)):
            out.append({"experiment": exp, "treatment": f"adapt {a['adaptation']}",
                        "runs": f"{a['networks']} networks x {a['replicates']}", "protocol runs": "50 x 50",
                        "status": "full size" if a["networks"] >= 50 and a["replicates"] == "50" else "partial"})
    return out


# --------------------------------------------------------------------------- document
def _git_commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                              cwd=Path(__file__).parent, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def load_external(path: Path | None) -> dict:
    """Aggregates written by ``replication compare``: {(experiment, treatment): {"qm": (m, se, n)}}.

    ``{}`` when there is no such file.

    Examples
    --------
    >>> import json, tempfile
    >>> path = Path(tempfile.mkdtemp()) / "compare.json"
    >>> load_external(path), load_external(None)
    ({}, {})
    >>> _ = path.write_text(json.dumps({"aggregates": [
    ...     {"experiment": "ka2005_logic", "treatment": "mvg", "qm": [0.5, 0.02, 10]}]}))
    >>> load_external(path)
    {('ka2005_logic', 'mvg'): {'qm': (0.5, 0.02, 10)}}
    """
    if path is None or not Path(path).exists():
        return {}
    data = json.loads(Path(path).read_text())
    return {(a["experiment"], a["treatment"]): {"qm": tuple(a["qm"]) if a.get("qm") else None}
            for a in data.get("aggregates", [])}


def glossary(experiments, protocols: Path = PROTOCOLS) -> list[dict]:
    """Each treatment's name and description, from the protocol files (for the runs present).

    Examples
    --------
    >>> glossary([("ka2005_logic", ["mvg"])])
    [{'experiment': 'ka2005_logic', 'treatment': 'mvg', 'meaning': 'modularly varying goals: G1, G2, G1, ... every 20 generations'}]
    """
    rows = []
    for exp, treatments in experiments:
        path = Path(protocols) / f"{exp}.toml"
        if not path.exists():
            continue
        data = read_toml(path).get("treatments", {})
        for t in sorted(treatments):
            rows.append({"experiment": exp, "treatment": t,
                         "meaning": data.get(t, {}).get("description", "(not in the protocol file)")})
    return rows


def figure_captions(figures: Path, experiment: str) -> list[tuple[Path, str]]:
    """(PNG, caption) of each of an experiment's figures; the caption is the ``caption`` key of the
    figure's ``<name>.sources.json`` (written by ``replication figures``).

    Examples
    --------
    >>> import json, tempfile
    >>> figs = Path(tempfile.mkdtemp())
    >>> figure_captions(figs, "ka2005_logic")
    []
    """
    out = []
    for png in sorted(Path(figures).glob("*.png")):
        if not png.stem.startswith(FIGURE_PREFIX.get(experiment, (experiment,))):
            continue
        src = png.with_suffix(".sources.json")
        caption = ""
        if src.exists():
            try:
                caption = json.loads(src.read_text()).get("caption", "")
            except ValueError:
                caption = ""
        out.append((png, caption or "(no caption recorded in the figure's .sources.json)"))
    return out


def _cell(text) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def claim_summary(rows: list[Row]) -> str:
    """The claim-level summary: one line per published claim.

    Examples
    --------
    >>> c = next(c for c in load_claims() if c.id == "ka2005_logic/fixed-g1/solved_runs")
    >>> print(claim_summary(evaluate_results([c], [])))
    | claim | paper | ours | verdict | holds under N of M readings |
    |---|---|---|---|---|
    | fixed goal G1: a perfect circuit within 10^5 generations in 36 of 50 runs | 36/50 | - | **no data** | - |
    <BLANKLINE>
    """
    original = any(r.original != "-" for r in rows)
    head = "| claim | paper | ours | verdict | holds under N of M readings |"
    lines = [head + (" original code vs ours, matched generation |" if original else ""),
             "|---|---|---|---|---|" + ("---|" if original else "")]
    for r in rows:
        c = r.claim
        paper = c.published.get("published", format_published(c.published)) if c.kind == "contrast" \
            else format_published(c.published)
        lines.append(f"| {_cell(c.statement)} | {_cell(paper)} | {_cell(r.ours)} | **{r.verdict.label}** "
                     f"| {r.readings} |" + (f" {_cell(r.original)} |" if original else ""))
    return "\n".join(lines) + "\n"


# The claims the authors' program can speak to: its log gives the best network's performance and Q
ORIGINAL_QUANTITIES = {"q": "q_best", "performance": "best_performance"}


def fill_original(rows: list[Row], summary_csv: Path) -> None:
    """The "original code" cell of the 2013 claims on Q and performance (single treatments and
    contrasts) from a summary of the authors' program beside ours at a matched generation
    (``replication original2013``, columns program, treatment, generation, n, <field>_median,
    <field>_min, <field>_max).  The latest generation both programs have is used; the cell gives
    the original's median [range] (n) and ours at the same generation.

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "summary.csv"
    >>> _ = path.write_text("program,treatment,generation,n,q_best_median,q_best_min,q_best_max\\n"
    ...                     "original,pcc,100,3,0.45,0.4,0.5\\nreplication,pcc,100,20,0.2,0.1,0.3\\n")
    >>> c = next(c for c in load_claims() if c.id == "clune2013_retina/pcc/q")
    >>> rows = evaluate_results([c], [])
    >>> fill_original(rows, path)
    >>> rows[0].original
    'gen 100: original 0.45 [0.4-0.5] (n = 3) vs ours 0.2 [0.1-0.3] (n = 20)'
    """
    path = Path(summary_csv)
    if not path.exists():
        return
    table = list(csv.DictReader(open(path, newline="")))

    def cell(treatment, field):
        have = {}
        for r in table:
            if r["treatment"] == treatment and r.get(f"{field}_median") not in (None, ""):
                have.setdefault(int(r["generation"]), {})[r["program"]] = r
        both = [g for g, progs in have.items() if {"original", "replication"} <= set(progs)]
        if not both:
            return None
        g = max(both)

        def one(r):
            return (f"{float(r[f'{field}_median']):.3g} [{float(r[f'{field}_min']):.3g}-"
                    f"{float(r[f'{field}_max']):.3g}] (n = {r['n']})")
        return g, one(have[g]["original"]), one(have[g]["replication"])

    for row in rows:
        c = row.claim
        field = ORIGINAL_QUANTITIES.get(c.quantity)
        if c.experiment != "clune2013_retina" or field is None:
            continue
        if c.kind == "contrast":
            a, b = cell(c.a, field), cell(c.b, field)
            if a and b:
                row.original = (f"gen {min(a[0], b[0])}: original {a[1]} vs {b[1]}; "
                                f"ours {a[2]} vs {b[2]}")
        else:
            got = cell(c.treatment, field)
            if got:
                row.original = f"gen {got[0]}: original {got[1]} vs ours {got[2]}"


def claim_detail(rows: list[Row]) -> str:
    """The detailed claim table: treatment, quantity, published, ours, verdict and why.

    Examples
    --------
    >>> c = next(c for c in load_claims() if c.id == "ka2005_logic/fixed-g1/solved_runs")
    >>> print(claim_detail(evaluate_results([c], [])))
    | claim | treatment | quantity | paper | ours | verdict | why |
    |---|---|---|---|---|---|---|
    | fixed goal G1: a perfect circuit within 10^5 generations in 36 of 50 runs | fixed-g1 | runs solved | 36/50 | - | no data | no runs of fixed-g1 |
    <BLANKLINE>
    """
    lines = ["| claim | treatment | quantity | paper | ours | verdict | why |", "|---|---|---|---|---|---|---|"]
    for r in rows:
        c = r.claim
        paper = c.published.get("published", "") if c.kind == "contrast" else format_published(c.published)
        who = c.treatment + (f" (runs of {c.published['runs_of']})" if "runs_of" in c.published else "")
        lines.append(f"| {_cell(c.statement)} | {who or f'{c.a} vs {c.b}'} | "
                     f"{LABELS.get(c.quantity, c.quantity)} | {_cell(paper)} | {_cell(r.ours)} | "
                     f"{r.verdict.label} | {_cell(r.verdict.why)} |")
    return "\n".join(lines) + "\n"


def build_report(runs: Path, figures: Path, external: Path | None = None,
                 protocols: Path = PROTOCOLS) -> str:
    """The Markdown report: claim summary, glossary, rules, then each experiment in detail.

    Examples
    --------
    >>> import tempfile
    >>> from replication.api import run_evolution
    >>> runs = Path(tempfile.mkdtemp()) / "runs"; exp = runs / "ka2005_logic"
    >>> small = {"selection.population": 20, "selection.elite": 6, "run.max_generations": 5}
    >>> for seed in (1, 2):
    ...     _ = run_evolution("ka2005_logic", "mvg", seed, exp / "mvg" / f"seed-{seed}", small)
    >>> md = build_report(runs, runs.parent / "figures")
    >>> md.startswith("# Replication report"), "capped at 5 generations" in md
    (True, True)
    """
    runs, figures = Path(runs), Path(figures)
    if not has_runs(runs):
        raise ValueError(f"no finished runs under {runs}: no report written")
    ext = load_external(external)
    # the adaptation runs (thousands of folders) read once, for the claims and the summaries
    adapt_runs = {exp: read_adaptation_runs(runs / exp) for exp, _ in EXPERIMENTS}
    rows = evaluate_claims(runs, protocols=protocols, adaptation_runs=adapt_runs)
    fill_original(rows, figures / ORIGINAL_SUMMARY)
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    present = {}
    for exp, _ in EXPERIMENTS:
        if (runs / exp).is_dir():
            present[exp] = load_results(runs / exp)
    adaptations = {exp: adaptation_summary(runs / exp, adapt_runs[exp]) for exp, _ in EXPERIMENTS}
    with_runs = [r for r in rows if r.verdict.label != NO_DATA]
    counts = {}
    for r in with_runs:
        counts[r.verdict.label] = counts.get(r.verdict.label, 0) + 1
    out = ["# Replication report\n",
           f"Made {now} by `replication` {__version__} (git {_git_commit()}) from the run folders under "
           f"`{runs}/`; protocols in `original_protocol/` (parameters and their sources: `LEDGER.md`; "
           f"published numbers and the verdict margins: `published.toml`). Every figure has a "
           f"`.sources.json` naming its runs.\n",
           "## Claims at a glance\n",
           f"{len(rows)} published claims, {len(with_runs)} with runs to test them: "
           + ", ".join(f"{v} {k}" for k, v in sorted(counts.items())) + ". "
           "A verdict is only as strong as its sample: see *How the verdicts are decided*; the "
           "reason for each is in the experiment's section.\n",
           claim_summary(rows),
           "## Treatments\n",
           markdown_table(glossary([(e, sorted({r['treatment'] for r in rs})) for e, rs in present.items()],
                                   protocols)),
           "## What was run\n",
           "Finished runs per treatment against the protocol's `run.runs` (the paper's n where it states "
           "one; the ledger says where it does not), and the adaptation samples against the paper's "
           "50 x 50. Every verdict is made at the n found here.\n",
           markdown_table(coverage_rows(runs, protocols, adaptations)),
           "## How the verdicts are decided\n", VERDICT_RULES]
    for exp, title in EXPERIMENTS:
        results = present.get(exp, [])
        out.append(f"## {title}\n")
        if not results:
            out.append("No finished runs.\n")
            continue
        gens = sorted({r["generations_run"] for r in results})
        out.append(f"{len(results)} finished runs; generations run: {gens[0]:,} to {gens[-1]:,}.\n")
        out.append(markdown_table(summary_rows_2013(results, exp) if exp.startswith("clune")
                                  else summary_rows(results, exp)))
        exp_rows = [r for r in rows if r.claim.experiment == exp]
        contrasts = [r for r in exp_rows if r.claim.kind == "contrast"]
        if contrasts:
            out.append("**Does the paper's central contrast replicate here?** " + " ".join(
                f"{r.claim.statement}: **{r.verdict.label}** (ours: {r.ours})." for r in contrasts) + "\n")
        out.append("\n" + claim_detail(exp_rows))
        adapt_rows = adaptations[exp]
        if adapt_rows:
            out.append("\n### Adaptation samples (Fig. 4a)\n\nThe paper: 50 source networks x 50 replicates "
                       "per direction, the networks from additional trials run until 50 had a perfect "
                       "network (`replication adapt --networks 50 --fill`); unsolved runs count as the "
                       "5,000-generation cap. Our count is offspring generations until a perfect network "
                       "(1 = among the first children); the authors' program stops in epoch `_gen` "
                       "counted from 0, one less (which count the paper reports is not stated; the "
                       "verdicts use ours). The runs cloned from one network are not independent: our "
                       "95% CI resamples the source networks (a cluster bootstrap), and the contrasts "
                       "compare one median per network. The paper's CIs (a few generations wide at "
                       "50 x 50) look like CIs over runs taken as independent, the column beside ours; "
                       "so an absolute time is tested by whether the published median lies inside our "
                       "CI over networks, not by ours inside the paper's.\n")
            out.append(markdown_table(adapt_rows))
        for name, title in PILOT_TABLES.get(exp, ()):
            path = figures / name
            if path.exists():
                table = list(csv.DictReader(open(path, newline="")))
                out.append(f"\n### {title}\n\nFrom `figures/{name}` (a reduced pilot: its runs, sizes and "
                           f"commands are in `original_protocol/LEDGER.md`; not the decision runs).\n")
                out.append(markdown_table(table))
        extra = [(t, e) for (x, t), e in ext.items() if x == exp and e.get("qm")]
        if extra:
            out.append("\nNetworks from other programs (`replication compare`): " + "; ".join(
                f"{t}: Qm {e['qm'][0]:.3f} +- {e['qm'][1]:.3f} (n = {e['qm'][2]})" for t, e in extra) + "\n")
        mv = runs / exp / "multiverse.csv"
        if mv.exists():
            out.append("\n### Does the conclusion depend on our choices?\n\nEach column is one reading "
                       "of what the papers leave open (`[alternatives]` in the protocol file; one key "
                       "changed at a time, all others at their defaults); each cell the verdict under "
                       "that reading, our value and n. *holds*: readings under which the claim is "
                       "reproduced, of those tested.\n")
            mv_rows = list(csv.DictReader(open(mv, newline="")))
            if any("adapt_" in r["claim"] and r["verdict"] != NO_DATA for r in mv_rows):
                out.append("Adaptation times under a reading come from a few adaptation runs per perfect "
                           "network among that reading's own runs (`--adapt-replicates`; no additional "
                           "trials), so their n counts source networks.\n")
            answer = plain_answer(mv_rows, {r.claim.id: r.claim.statement for r in contrasts})
            if answer:
                out.append("**Plain answer, over the readings tested:**\n\n" + answer)
            out.append(multiverse_section(mv_rows))
        for png, caption in figure_captions(figures, exp):
            out.append(f"\n![{png.stem}]({png.name})\n\n*{png.stem}.* {caption}\n")
    return "\n".join(out)


# --------------------------------------------------------------------------- HTML
def markdown_to_html(text: str, figures: Path | None = None) -> str:
    """The Markdown this module writes (headings, paragraphs, lists, tables, images, emphasis,
    code) as a self-contained HTML page; images under ``figures`` are embedded as base64 PNG.

    Examples
    --------
    >>> "<td>1</td>" in markdown_to_html("| a |\\n|---|\\n| 1 |\\n")
    True
    """
    def inline(s: str) -> str:
        s = html.escape(s, quote=False)
        s = re.sub(r"`([^`]+)`", r"<code>\1</code>", s)
        s = re.sub(r"\*\*([^*]+)\*\*", r"<b>\1</b>", s)
        s = re.sub(r"(?<![\w*])\*([^*]+)\*(?![\w*])", r"<i>\1</i>", s)
        return s

    def image(alt, src):
        path = Path(figures) / src if figures else Path(src)
        if path.exists():
            data = base64.b64encode(path.read_bytes()).decode()
            return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'
        return f'<img alt="{html.escape(alt)}" src="{html.escape(src)}">'

    body, para, lines = [], [], text.splitlines()

    def flush():
        if para:
            body.append("<p>" + inline(" ".join(para)) + "</p>")
            para.clear()

    i = 0
    while i < len(lines):
        line = lines[i]
        m_img = re.fullmatch(r"!\[([^\]]*)\]\(([^)]+)\)", line.strip())
        if line.startswith("#"):
            flush()
            level = len(line) - len(line.lstrip("#"))
            body.append(f"<h{level}>{inline(line[level:].strip())}</h{level}>")
        elif m_img:
            flush()
            body.append(f"<figure>{image(*m_img.groups())}</figure>")
        elif line.startswith("|"):
            flush()
            block = []
            while i < len(lines) and lines[i].startswith("|"):
                block.append(lines[i])
                i += 1
            cells = [re.split(r"(?<!\\)\|", r.strip()[1:-1]) for r in block]
            head, rest = cells[0], [c for c in cells[1:] if not all(set(x.strip()) <= {"-"} for x in c)]
            body.append("<table><thead><tr>" + "".join(f"<th>{inline(h.strip())}</th>" for h in head)
                        + "</tr></thead><tbody>" + "".join(
                            "<tr>" + "".join(f"<td>{inline(x.strip().replace(chr(92) + '|', '|'))}</td>"
                                             for x in r) + "</tr>" for r in rest) + "</tbody></table>")
            continue
        elif line.startswith("- "):
            flush()
            items = []
            while i < len(lines) and (lines[i].startswith("- ") or lines[i].startswith("  ")):
                if lines[i].startswith("- "):
                    items.append(lines[i][2:])
                else:
                    items[-1] += " " + lines[i].strip()
                i += 1
            body.append("<ul>" + "".join(f"<li>{inline(x)}</li>" for x in items) + "</ul>")
            continue
        elif not line.strip():
            flush()
        else:
            para.append(line)
        i += 1
    flush()
    style = ("body{font-family:sans-serif;max-width:75em;margin:2em auto;line-height:1.4}"
             "table{border-collapse:collapse;font-size:90%;margin:1em 0}"
             "td,th{border:1px solid #ccc;padding:2px 6px;vertical-align:top}"
             "img{max-width:100%}figure{margin:1em 0}")
    return ("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Replication report</title>"
            f"<style>{style}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n")


def write_report(runs: Path, figures: Path, external: Path | None = None,
                 protocols: Path = PROTOCOLS) -> Path:
    """Write ``figures/REPORT.md`` and the self-contained ``figures/REPORT.html`` beside it.

    Raises ``ValueError`` (and writes nothing) when ``runs`` holds no finished run.

    Examples
    --------
    >>> import tempfile
    >>> from replication.api import run_evolution
    >>> runs = Path(tempfile.mkdtemp()) / "runs"; exp = runs / "ka2005_logic"
    >>> small = {"selection.population": 20, "selection.elite": 6, "run.max_generations": 5}
    >>> for seed in (1, 2):
    ...     _ = run_evolution("ka2005_logic", "mvg", seed, exp / "mvg" / f"seed-{seed}", small)
    >>> path = write_report(runs, runs.parent / "figures")
    >>> path.name, sorted(p.name for p in path.parent.iterdir())
    ('REPORT.md', ['REPORT.html', 'REPORT.md'])
    >>> try:
    ...     write_report(Path(tempfile.mkdtemp()), runs.parent / "empty")
    ... except ValueError:
    ...     print("no runs, no report:", (runs.parent / "empty").exists())
    no runs, no report: False
    """
    text = build_report(Path(runs), Path(figures), external, protocols)
    figures = Path(figures)
    figures.mkdir(parents=True, exist_ok=True)
    path = figures / "REPORT.md"
    from .store import write_atomic
    write_atomic(path, text)
    write_atomic(figures / "REPORT.html", markdown_to_html(text, figures))
    return path


# --------------------------------------------------------------------------- multiverse tables
def one_row_per_reading(rows: list[dict]) -> list[dict]:
    """One multiverse.csv row per (reading, claim), with ``reading`` filled in.

    A reading can be evaluated more than once: the default reading appears under every key,
    and calls at different run numbers (``--runs``) evaluate it on different samples.  The row
    kept is the one with data and the most runs (the most evidence), the first of equals.

    Examples
    --------
    >>> rows = [{"claim": "c", "reading": "default", "verdict": "not reproduced", "n": "40"},
    ...         {"claim": "c", "reading": "default", "verdict": "reproduced", "n": "100"},
    ...         {"claim": "c", "reading": "default", "verdict": "no data", "n": "200"},
    ...         {"claim": "c", "key": "k", "value": "v", "verdict": "reproduced", "n": ""}]
    >>> [(r["reading"], r["verdict"], r["n"]) for r in one_row_per_reading(rows)]
    [('default', 'reproduced', '100'), ('k=v', 'reproduced', '')]
    """
    best: dict[tuple[str, str], tuple[tuple, dict]] = {}
    for r in rows:
        reading = r.get("reading") or f"{r['key']}={r['value']}"
        n = str(r.get("n", "")).strip()
        rank = (r.get("verdict") != NO_DATA, int(n) if n.isdigit() else 0)
        key = (reading, r["claim"])
        if key not in best or rank > best[key][0]:
            best[key] = (rank, dict(r, reading=reading))
    return [r for _, r in best.values()]


def holds_table(rows: list[dict]) -> dict[str, tuple[int, int]]:
    """claim -> (readings under which it is reproduced, distinct readings tested).

    Each reading counts once, however many rows list it (the default reading appears under
    every key); a reading without data for the claim, or where it stayed untested (a statement
    in words the reading has no analysis for), does not count.

    Examples
    --------
    >>> rows = [{"claim": "c", "reading": "default", "verdict": "reproduced"},
    ...         {"claim": "c", "reading": "default", "verdict": "reproduced"},
    ...         {"claim": "c", "reading": "k=v", "verdict": "not reproduced"},
    ...         {"claim": "c", "reading": "k=w", "verdict": "no data"},
    ...         {"claim": "c", "reading": "k=x", "verdict": QUALITATIVE}]
    >>> holds_table(rows)
    {'c': (1, 2)}
    """
    verdicts: dict[str, dict[str, str]] = {}
    for r in one_row_per_reading(rows):
        by = verdicts.setdefault(r["claim"], {})
        if r["verdict"] not in (NO_DATA, QUALITATIVE):
            by[r["reading"]] = r["verdict"]
    return {c: (sum(v == "reproduced" for v in by.values()), len(by)) for c, by in verdicts.items()}



def plain_answer(rows: list[dict], contrasts: dict[str, str]) -> str:
    """One plain sentence per central contrast of an experiment: under which tested readings it
    is reproduced (or that none reproduces it), and the reading that reproduces the most claims.

    ``rows``: multiverse.csv rows; ``contrasts``: claim id -> its statement.  ``""`` without rows.

    Examples
    --------
    >>> rows = [{"claim": "e/fast", "reading": "default", "verdict": "not reproduced"},
    ...         {"claim": "e/fast", "reading": "k=v", "verdict": "reproduced"},
    ...         {"claim": "e/q", "reading": "default", "verdict": "reproduced"},
    ...         {"claim": "e/q", "reading": "k=v", "verdict": "reproduced"}]
    >>> print(plain_answer(rows, {"e/fast": "MVG is faster"}))
    - MVG is faster: reproduced under 1 of 2 tested readings (`k=v`).
    - Closest reading overall: `k=v` (2 of 2 tested claims reproduced; the default reading 1).
    <BLANKLINE>
    >>> print(plain_answer(rows[:1], {"e/fast": "MVG is faster"}))
    - MVG is faster: reproduced under none of the 1 tested readings.
    - Closest reading overall: `default` (0 of 1 tested claims reproduced; the default reading 0).
    <BLANKLINE>

    A tie for the closest reading goes to the default:

    >>> print(plain_answer(rows[2:], {}))
    - Closest reading overall: `default` (1 of 1 tested claims reproduced; the default reading 1).
    <BLANKLINE>

    A reading without data for a claim (e.g. no adaptation runs) does not count as tested:

    >>> plain_answer([dict(rows[0], verdict="no data")], {"e/fast": "MVG is faster"})
    ''
    
    """
    if not rows:
        return ""
    verdicts: dict[str, dict[str, str]] = {}
    for r in one_row_per_reading(rows):
        verdicts.setdefault(r["reading"], {})[r["claim"]] = r["verdict"]
    lines = []
    for claim, statement in contrasts.items():
        tested = [x for x, by in verdicts.items() if by.get(claim, NO_DATA) != NO_DATA]
        if not tested:
            continue
        ok = [x for x in tested if verdicts[x][claim] == REPRODUCED]
        lines.append(f"- {statement}: reproduced under "
                     + (f"{len(ok)} of {len(tested)} tested readings ("
                        + ", ".join(f"`{x}`" for x in ok) + ")." if ok
                        else f"none of the {len(tested)} tested readings."))

    def score(x):
        by = verdicts[x]
        return (sum(v == REPRODUCED for v in by.values()), -sum(v == NOT for v in by.values()))
    best = max(verdicts, key=lambda x: (score(x), x == "default"))     # a tie goes to the default
    default = verdicts.get("default", {})
    n_tested = sum(v != NO_DATA for v in verdicts[best].values())
    if n_tested:
        lines.append(f"- Closest reading overall: `{best}` ({score(best)[0]} of {n_tested} tested claims "
                     f"reproduced; the default reading {sum(v == REPRODUCED for v in default.values())}).")
    return "\n".join(lines) + "\n" if lines else ""


def multiverse_section(rows: list[dict]) -> str:
    """The report's "Does the conclusion depend on our choices?" table: claims as rows, readings as
    columns, verdict and our value in each cell.

    Markdown; the "holds" column is :func:`holds_table`.  No rows give ``""``.

    Examples
    --------
    >>> rows = [{"claim": "e/c", "reading": "default", "verdict": "reproduced", "effect": "0.5", "n": 10},
    ...         {"claim": "e/c", "reading": "k=v", "verdict": "not reproduced", "effect": "0.1", "n": 10}]
    >>> print(multiverse_section(rows))
    | claim | holds | `default` | `k=v` |
    |---|---|---|---|
    | c | 1 of 2 | reproduced (0.5; n = 10) | not reproduced (0.1; n = 10) |
    <BLANKLINE>
    >>> rows.append({"claim": "e/d", "reading": "default", "verdict": "no data", "effect": "", "n": 10})
    >>> multiverse_section(rows).splitlines()[-1]
    'Not in the multiverse runs (no data under any reading): d.'
    >>> multiverse_section([])
    ''
    >>> rows[1]["reading"] = "modularity.method=exact"
    >>> multiverse_section(rows).splitlines()[-1].split(":")[0]
    '`modularity.method=exact`'
    """
    # claims with no data under every reading (their treatments, or the adaptation runs they
    # need, were not run in the multiverse) are named under the table, not given a row
    untested = list(dict.fromkeys(r["claim"] for r in rows))
    tested = {r["claim"] for r in rows if r["verdict"] != NO_DATA}
    untested = [c for c in untested if c not in tested]
    rows = one_row_per_reading([r for r in rows if r["claim"] in tested])
    if not rows:
        return ""
    readings = list(dict.fromkeys(r["reading"] for r in rows))
    cells: dict[str, dict[str, str]] = {}
    for r in rows:
        cells.setdefault(r["claim"], {})[r["reading"]] = f"{r['verdict']} ({r['effect'] or '-'}; n = {r['n']})"
    holds = holds_table(rows)
    head = "| claim | holds | " + " | ".join(f"`{x}`" for x in readings) + " |"
    lines = [head, "|" + "---|" * (len(readings) + 2)]
    for claim, by in cells.items():
        ok, n = holds[claim]
        lines.append(f"| {claim.split('/', 1)[1]} | {ok} of {n} | "
                     + " | ".join(by.get(x, "-").replace("|", "/") for x in readings) + " |")
    if untested:
        lines.append(f"\nNot in the multiverse runs (no data under any reading): "
                     f"{', '.join(c.split('/', 1)[1] for c in untested)}.")
    reanalysed = [x for x in readings if x.split(".")[0] in ANALYSIS_SECTIONS]
    if reanalysed:      # multiverse.split_reanalysis: the same evolutions, another analysis
        lines.append(f"\n{', '.join(f'`{x}`' for x in reanalysed)}: the default reading's networks, "
                     "analysed again (a key only the analysis reads: the runs would evolve draw for draw "
                     "alike), with a Qmax calibration of their own.")
    return "\n".join(lines) + "\n"
