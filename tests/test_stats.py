"""replication.stats against scipy (where scipy has the function) and against exact enumeration."""
import math

import numpy as np
import pytest
from scipy import stats as sps

from replication import stats as S


def test_rank_sum_and_fisher_agree_with_scipy():
    rng = np.random.default_rng(1)
    a, b = rng.normal(0, 1, 12), rng.normal(0.8, 1, 9)
    assert S.rank_sum_p(list(a) + [None], b) == pytest.approx(
        sps.mannwhitneyu(a, b, alternative="two-sided").pvalue)
    assert S.rank_sum_p([1.0], b) is None
    assert S.fisher_p(3, 10, 8, 12) == pytest.approx(sps.fisher_exact([[3, 7], [8, 4]])[1])
    assert S.fisher_p(0, 0, 1, 2) is None


def test_summaries_agree_with_numpy_and_scipy():
    v = [4.0, 1.0, None, 7.0, 2.0, float("nan"), 9.0]
    x = np.array([4.0, 1.0, 7.0, 2.0, 9.0])
    assert S.quartiles(v) == tuple(np.percentile(x, [25, 50, 75]))
    m, se, n = S.mean_se(v)
    assert (m, n) == (x.mean(), 5) and se == pytest.approx(sps.sem(x))
    med, lo, hi = S.median_ci(x)
    ref = sps.bootstrap((x,), np.median, n_resamples=S.RESAMPLES, method="percentile",
                        random_state=np.random.default_rng(0)).confidence_interval
    assert med == 4.0 and (lo, hi) == (ref.low, ref.high)
    assert S.quartiles([]) is None and S.mean_se([None]) is None and S.median_ci([]) is None


def test_rank_sum_min_p_is_the_p_of_complete_separation():
    for na, nb in ((3, 3), (4, 4), (3, 5), (6, 6)):
        p = sps.mannwhitneyu(range(na), range(100, 100 + nb), alternative="two-sided", method="exact").pvalue
        assert S.rank_sum_min_p(na, nb) == pytest.approx(p)
    assert S.rank_sum_power(10.0, 3, 3) == 0.0          # cannot reach 0.05 at all


def test_rank_sum_power_matches_a_simulation():
    rng = np.random.default_rng(7)
    n, effect, sims = 15, 1.0, 600
    hits = sum(sps.mannwhitneyu(rng.normal(0, 1, n), rng.normal(effect, 1, n)).pvalue < 0.05
               for _ in range(sims))
    assert S.rank_sum_power(effect, n, n) == pytest.approx(hits / sims, abs=0.07)


def test_fisher_power_is_the_binomial_sum_of_significant_outcomes():
    # brute force over our count k
    n, rate, k_pub, n_pub = 8, 0.1, 28, 50
    direct = sum(math.comb(n, k) * rate ** k * (1 - rate) ** (n - k)
                 for k in range(n + 1) if sps.fisher_exact([[k, n - k], [k_pub, n_pub - k_pub]])[1] < 0.05)
    assert S.fisher_power(n, rate, k_pub, n_pub) == pytest.approx(direct)
    # more runs, more power; the detectable difference shrinks with n
    assert S.fisher_power(50, 0.3, 36, 50) > S.fisher_power(5, 0.3, 36, 50)
    assert S.fisher_detectable(50, 36, 50) < S.fisher_detectable(10, 36, 50)


def test_min_detectable_difference_shrinks_with_n_and_grows_with_se():
    assert S.min_detectable_difference(0.02, 50) < S.min_detectable_difference(0.02, 5)
    assert S.min_detectable_difference(0.04, 50) == pytest.approx(2 * S.min_detectable_difference(0.02, 50))
    assert S.min_detectable_difference(0.02, 1) == math.inf
    assert S.min_detectable_difference(0.02, 1000) == pytest.approx(
        (sps.norm.ppf(0.975) + sps.norm.ppf(0.8)) * 0.02, rel=0.01)


def test_two_sample_fisher_power_matches_a_simulation():
    rng = np.random.default_rng(3)
    n_a, n_b, ra, rb, sims = 12, 10, 0.7, 0.2, 3000
    ka, kb = rng.binomial(n_a, ra, sims), rng.binomial(n_b, rb, sims)
    hits = np.mean([S.fisher_p(int(a), n_a, int(b), n_b) < 0.05 for a, b in zip(ka, kb)])
    assert S.fisher_power_two(n_a, ra, n_b, rb) == pytest.approx(hits, abs=0.03)
    assert S.fisher_power_two(0, 0.5, 5, 0.5) == 0.0
