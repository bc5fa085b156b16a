"""The statistics behind every table, figure and verdict: one module, one resample count.

Summaries: median with a bootstrap 95% CI (:func:`median_ci`), mean +- SE (:func:`mean_se`),
quartiles (:func:`quartiles`).  Tests: the Mann-Whitney rank-sum test (:func:`rank_sum_p`, the
test of Clune et al. 2013) and Fisher's exact test (:func:`fisher_p`).  What an honest verdict
needs besides a p-value: the power of Fisher's test at our n against the published count
(:func:`fisher_power`), the smallest p-value a rank-sum test can reach at our n
(:func:`rank_sum_min_p`), the approximate power of the rank-sum test against a published effect
(:func:`rank_sum_power`), and the minimum detectable difference of two means
(:func:`min_detectable_difference`).

Missing values (``None`` or NaN) are dropped everywhere.
"""
from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

RESAMPLES = 5000        # bootstrap resamples, everywhere
ALPHA = 0.05            # significance level, everywhere
POWER = 0.8             # the power a test must have before "no difference" means anything
MEDIAN_CI_MIN_N = 6     # below this a distribution-free 95% CI of a median does not exist (2 * 0.5**n > 0.05)


def clean(values) -> np.ndarray:
    """The finite values of ``values`` as a float array (``None`` and NaN dropped).

    Examples
    --------
    >>> clean([1, None, 2.5, float("nan")]).tolist()
    [1.0, 2.5]
    """
    v = np.asarray([x for x in values if x is not None], float)
    return v[np.isfinite(v)]


def quartiles(values) -> tuple[float, float, float] | None:
    """(Q1, median, Q3), linear interpolation (numpy's default); ``None`` without data.

    Examples
    --------
    >>> quartiles([1, 2, 3, 4, 5])
    (2.0, 3.0, 4.0)
    """
    v = clean(values)
    if v.size == 0:
        return None
    q1, med, q3 = np.percentile(v, [25, 50, 75])
    return float(q1), float(med), float(q3)


def mean_se(values) -> tuple[float, float, int] | None:
    """(mean, standard error of the mean, n); the SE is NaN for a single value.

    SE = s / sqrt(n) with the sample standard deviation s (ddof = 1), as Kashtan & Alon (2005)
    report Qm ("mean +- SE").

    Examples
    --------
    >>> mean_se([1.0, 2.0, 3.0])
    (2.0, 0.5773502691896258, 3)
    """
    v = clean(values)
    if v.size == 0:
        return None
    se = float(v.std(ddof=1) / math.sqrt(v.size)) if v.size > 1 else float("nan")
    return float(v.mean()), se, int(v.size)


def median_ci(values, seed: int = 0, resamples: int = RESAMPLES) -> tuple[float, float, float] | None:
    """(median, low, high): the median with the 95% percentile-bootstrap CI of the median.

    Clune, Mouret & Lipson (2013) report "medians ... 95% bootstrapped confidence intervals of
    the median".  Seeded, so the same values always give the same interval.

    Examples
    --------
    >>> m, lo, hi = median_ci([3, 1, 4, 1, 5, 9, 2, 6, 5, 3])
    >>> m, lo <= m <= hi
    (3.5, True)
    >>> median_ci([2, 2, 2])
    (2.0, 2.0, 2.0)
    """
    v = clean(values)
    if v.size == 0:
        return None
    if v.size == 1 or np.all(v == v[0]):
        return float(np.median(v)), float(v[0]), float(v[0])
    from scipy.stats import bootstrap
    res = bootstrap((v,), np.median, n_resamples=resamples, confidence_level=1 - ALPHA,
                    method="percentile", random_state=np.random.default_rng(seed))
    return float(np.median(v)), float(res.confidence_interval.low), float(res.confidence_interval.high)


def median_ci_clustered(clusters, seed: int = 0, resamples: int = RESAMPLES) -> tuple[float, float, float] | None:
    """(median, low, high): the median of all values pooled, with a 95% percentile-bootstrap CI
    that resamples whole clusters (a cluster bootstrap).

    For values that come in correlated groups, e.g. the 50 adaptation runs cloned from one source
    network (Clune et al. 2013, Fig. 4a: 50 networks x 50 replicates): resampling single runs
    would treat 2,500 runs as independent and give too narrow an interval; the source networks
    are the independent units.

    Examples
    --------
    >>> m, lo, hi = median_ci_clustered([[1, 2, 3], [10, 11, 12], [5, 6, 7], [2, 3, 4]])
    >>> m, lo <= m <= hi
    (4.5, True)
    >>> one = median_ci([v for c in [[1, 2, 3], [10, 11, 12], [5, 6, 7], [2, 3, 4]] for v in c])
    >>> hi - lo > one[2] - one[1]           # wider than if the 12 values were independent
    True
    >>> median_ci_clustered([[2, 2], [2]])
    (2.0, 2.0, 2.0)
    """
    key = tuple(tuple(float(v) for v in clean(c)) for c in clusters)
    return _median_ci_clustered(tuple(c for c in key if c), seed, resamples)


@lru_cache(maxsize=32)
def _median_ci_clustered(clusters: tuple, seed: int, resamples: int):
    """:func:`median_ci_clustered` of clusters given as tuples, remembered: a report asks for the
    same adaptation sample's interval three times (the claim's value, its verdict, the table),
    and each is thousands of resamples."""
    groups = [np.array(c) for c in clusters]
    if not groups:
        return None
    pooled = np.concatenate(groups)
    if len(groups) == 1 or np.all(pooled == pooled[0]):
        m = float(np.median(pooled))
        return (m, m, m) if np.all(pooled == pooled[0]) else median_ci(pooled, seed, resamples)
    rng = np.random.default_rng(seed)
    k = len(groups)
    stats = np.empty(resamples)
    for b in range(resamples):
        stats[b] = np.median(np.concatenate([groups[i] for i in rng.integers(0, k, k)]))
    lo, hi = np.percentile(stats, [100 * ALPHA / 2, 100 * (1 - ALPHA / 2)])
    return float(np.median(pooled)), float(lo), float(hi)


def rank_sum_p(a, b) -> float | None:
    """Two-sided Mann-Whitney U (Wilcoxon rank-sum) p-value; ``None`` with fewer than 2 per group.

    ``None`` and NaN are dropped; infinite values are kept (they rank last or first: an unsolved
    run counted as slower than every solved one).

    Examples
    --------
    >>> round(rank_sum_p([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]), 4)
    0.0079
    >>> round(rank_sum_p([1, 2, 3, 4, 5], [6, 7, 8, float("inf"), float("inf")]), 4)
    0.0119
    """
    from scipy.stats import mannwhitneyu
    a, b = ([x for x in v if x is not None and x == x] for v in (a, b))
    a, b = np.asarray(a, float), np.asarray(b, float)
    if a.size < 2 or b.size < 2:
        return None
    return float(mannwhitneyu(a, b, alternative="two-sided").pvalue)


def rank_sum_min_p(n_a: int, n_b: int) -> float:
    """The smallest two-sided p-value the exact rank-sum test can give with these group sizes
    (complete separation): ``2 / C(n_a + n_b, n_a)``.  With 3 and 3 runs it is 0.1, so no
    difference can ever be significant.

    Examples
    --------
    >>> rank_sum_min_p(3, 3)
    0.1
    >>> round(rank_sum_min_p(4, 4), 4)
    0.0286
    >>> rank_sum_min_p(1750, 1200)          # C(n, k) beyond a float: the p underflows to 0
    0.0
    """
    if n_a < 1 or n_b < 1:
        return 1.0
    log_comb = math.lgamma(n_a + n_b + 1) - math.lgamma(n_a + 1) - math.lgamma(n_b + 1)
    if log_comb > 700:                          # 2 / C below 1e-300 (C itself overflows a float)
        return 0.0
    return min(1.0, 2.0 / math.comb(n_a + n_b, n_a))


def rank_sum_power(effect: float, n_a: int, n_b: int, alpha: float = ALPHA) -> float:
    """Approximate power of the two-sided rank-sum test to detect a shift of ``effect`` standard
    deviations between two normal samples of sizes ``n_a``, ``n_b``.

    The normal-theory power of the two-sample test, with the sample sizes scaled by the
    rank-sum test's asymptotic relative efficiency 3/pi against the t-test (Lehmann 1975);
    0 when the exact test cannot reach ``alpha`` at all (:func:`rank_sum_min_p`).

    Examples
    --------
    >>> rank_sum_power(3.0, 3, 3)
    0.0
    >>> 0.8 < rank_sum_power(1.0, 20, 20) < 0.9
    True
    """
    from scipy.stats import norm
    if rank_sum_min_p(n_a, n_b) > alpha:
        return 0.0
    are = 3 / math.pi
    ncp = abs(effect) / math.sqrt(1 / (are * n_a) + 1 / (are * n_b))
    z = norm.ppf(1 - alpha / 2)
    return float(norm.sf(z - ncp) + norm.cdf(-z - ncp))


def fisher_p(hits_a: int, n_a: int, hits_b: int, n_b: int) -> float | None:
    """Two-sided Fisher exact test of hits_a / n_a against hits_b / n_b; ``None`` if a group is empty.

    Examples
    --------
    >>> fisher_p(0, 50, 28, 50) < 1e-10            # 0/50 against the published 28/50
    True
    >>> round(fisher_p(0, 8, 28, 50), 4)            # our 8 runs against the published 50
    0.0047
    """
    from scipy.stats import fisher_exact
    if n_a == 0 or n_b == 0:
        return None
    return float(fisher_exact([[hits_a, n_a - hits_a], [hits_b, n_b - hits_b]])[1])


@lru_cache(maxsize=4096)
def _fisher_p_cached(hits_a, n_a, hits_b, n_b):
    return fisher_p(hits_a, n_a, hits_b, n_b)


def fisher_power(n: int, rate: float, published_hits: int, published_n: int,
                 alpha: float = ALPHA) -> float:
    """Power of Fisher's test of our k / n against the published count out of the published n, when
    our true success rate is ``rate``: P(p < alpha) with k ~ Binomial(n, rate), summed exactly.

    Examples
    --------
    >>> round(fisher_power(3, 0.47, 36, 50), 3)     # 3 runs can hardly tell 47% from 72%
    0.149
    >>> fisher_power(50, 0.2, 36, 50) > 0.99
    True
    """
    from scipy.stats import binom
    if n == 0:
        return 0.0
    ks = np.arange(n + 1)
    pk = binom.pmf(ks, n, rate)
    sig = np.array([_fisher_p_cached(int(k), n, published_hits, published_n) < alpha for k in ks])
    return float(pk[sig].sum())


def fisher_detectable(n: int, published_hits: int, published_n: int, power: float = POWER,
                      alpha: float = ALPHA) -> float | None:
    """The smallest difference in success rate (either side of the published rate) that Fisher's
    test at our n detects with the given power; ``None`` if no rate in [0, 1] is detected so often.

    Examples
    --------
    >>> fisher_detectable(3, 36, 50), fisher_detectable(50, 36, 50)
    (0.65, 0.21)
    """
    p0 = published_hits / published_n
    best = None
    for d in np.linspace(0.01, 1.0, 100):
        for rate in (p0 - d, p0 + d):
            if 0.0 <= rate <= 1.0 and fisher_power(n, rate, published_hits, published_n, alpha) >= power:
                best = float(round(d, 2))
                break
        if best is not None:
            break
    return best


def min_detectable_difference(se_a: float, n_a: int, se_b: float = 0.0, alpha: float = ALPHA,
                              power: float = POWER) -> float:
    """The smallest difference of two means that a two-sided test at ``alpha`` detects with
    ``power``, given their standard errors: (t_{1-alpha/2} + t_{power}) sqrt(se_a^2 + se_b^2),
    with Student's t on n_a - 1 degrees of freedom (our sample is the small one).

    Examples
    --------
    >>> round(min_detectable_difference(0.02, 50, 0.02), 3)
    0.081
    >>> min_detectable_difference(0.02, 3, 0.02) > 0.15    # the same SE from 3 runs means little
    True
    """
    from scipy.stats import t
    if n_a < 2 or not math.isfinite(se_a):
        return float("inf")
    df = n_a - 1
    return float((t.ppf(1 - alpha / 2, df) + t.ppf(power, df)) * math.hypot(se_a, se_b))


def fisher_power_two(n_a: int, rate_a: float, n_b: int, rate_b: float, alpha: float = ALPHA) -> float:
    """Power of Fisher's test comparing two groups of sizes ``n_a``, ``n_b`` whose true success
    rates are ``rate_a``, ``rate_b``: P(p < alpha), summed exactly over both binomial counts.

    Examples
    --------
    >>> round(fisher_power_two(50, 0.56, 50, 0.0), 3)      # the 2013 split contrast at the paper's n
    1.0
    >>> fisher_power_two(3, 0.56, 3, 0.0) < 0.2
    True
    """
    from scipy.stats import binom
    if n_a == 0 or n_b == 0:
        return 0.0
    pa = binom.pmf(np.arange(n_a + 1), n_a, rate_a)
    pb = binom.pmf(np.arange(n_b + 1), n_b, rate_b)
    total = 0.0
    for ka in range(n_a + 1):
        if pa[ka] < 1e-12:
            continue
        for kb in range(n_b + 1):
            if pb[kb] >= 1e-12 and _fisher_p_cached(ka, n_a, kb, n_b) < alpha:
                total += pa[ka] * pb[kb]
    return float(total)
