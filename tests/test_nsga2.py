import numpy as np
import pytest
from numba import njit

from replication.rng import _draw, seed_numba
from replication.selection import nsga2 as N


def objectives(rng, n=300, levels=20):
    f0 = rng.integers(0, levels, n) / levels           # performance on a coarse grid: many ties
    f1 = -rng.integers(0, 40, n).astype(float)         # minus a cost
    return f0, f1


def test_dominance_with_p0_ignores_cost_and_p1_is_pareto():
    seed_numba(1, "generation", 0)
    for _ in range(200):
        # better performance, worse cost
        assert N._dominates(0.9, -10.0, 0.8, -5.0, 0.0, 2)
        assert not N._dominates(0.9, -10.0, 0.8, -5.0, 1.0, 2)
        # equal performance, better cost
        assert not N._dominates(0.8, -1.0, 0.8, -5.0, 0.0, 2)
        assert N._dominates(0.8, -1.0, 0.8, -5.0, 1.0, 2)
    # with p = 0.25 the cost is considered in about a quarter of the comparisons
    seed_numba(2, "generation", 0)
    hits = sum(N._dominates(0.8, -1.0, 0.8, -5.0, 0.25, 2) for _ in range(20000))
    assert 0.23 < hits / 20000 < 0.27


@pytest.mark.parametrize("p", [0.0, 1.0])
def test_fast_sort_equals_literal_sort_when_deterministic(p):
    rng = np.random.default_rng(3)
    for _ in range(5):
        f0, f1 = objectives(rng)
        assert (N.stochastic_fronts(f0, f1, p, 2, len(f0)) == N.literal_fronts(f0, f1, p, 2, len(f0))).all()


def test_fast_sort_matches_literal_sort_in_distribution():
    rng = np.random.default_rng(4)
    f0, f1 = objectives(rng, n=40, levels=5)
    first_fast, first_lit, n_fronts_fast, n_fronts_lit = [], [], [], []
    for s in range(1500):
        seed_numba(s, "generation", 0)
        a = N.stochastic_fronts(f0, f1, 0.25, 2, len(f0))
        seed_numba(s, "generation", 1)
        b = N.literal_fronts(f0, f1, 0.25, 2, len(f0))
        first_fast.append((a == 0).sum())
        first_lit.append((b == 0).sum())
        n_fronts_fast.append(a.max())
        n_fronts_lit.append(b.max())
    from scipy.stats import mannwhitneyu
    assert mannwhitneyu(first_fast, first_lit).pvalue > 0.01
    assert mannwhitneyu(n_fronts_fast, n_fronts_lit).pvalue > 0.01
    # each individual's mean front index agrees too
    ranks_fast = np.mean([N.stochastic_fronts(f0, f1, 0.25, 2, len(f0)) for _ in range(600)], axis=0)
    ranks_lit = np.mean([N.literal_fronts(f0, f1, 0.25, 2, len(f0)) for _ in range(600)], axis=0)
    assert np.abs(ranks_fast - ranks_lit).max() < 0.6


def test_ranks_and_crowding_match_deap_with_p1():
    pytest.importorskip("deap")
    from deap import base, creator, tools
    if not hasattr(creator, "FitRepl"):
        creator.create("FitRepl", base.Fitness, weights=(1.0, 1.0))
        creator.create("IndRepl", list, fitness=creator.FitRepl)
    rng = np.random.default_rng(5)
    f0 = rng.random(200)
    f1 = rng.random(200)                     # continuous: no ties, so crowding is unambiguous
    inds = []
    for k in range(200):
        ind = creator.IndRepl([k])
        ind.fitness.values = (f0[k], f1[k])
        inds.append(ind)
    fronts = tools.sortNondominated(inds, len(inds))
    ours = N.stochastic_fronts(f0, f1, 1.0, 2, len(f0))
    for level, front in enumerate(fronts):
        members = sorted(ind[0] for ind in front)
        assert sorted(np.flatnonzero(ours == level)) == members
        tools.emo.assignCrowdingDist(front)
        ref = {ind[0]: ind.fitness.crowding_dist for ind in front}
        m = np.array(members)
        d = N.crowding(f0, f1, 2, m)
        for k, idx in enumerate(m):
            if np.isinf(ref[idx]):
                assert d[k] >= N.BIG
            else:
                # DEAP divides each objective's term by the number of objectives; Deb's
                # definition and the authors' sferes code do not
                assert d[k] == pytest.approx(2 * ref[idx], rel=1e-9)


def test_survivors_keep_whole_fronts_then_the_least_crowded():
    rng = np.random.default_rng(6)
    f0, f1 = rng.random(100), rng.random(100)
    seed_numba(1, "generation", 0)
    keep, crowd = N.survivors(f0, f1, 1.0, 2, 30)
    fronts = N.stochastic_fronts(f0, f1, 1.0, 2, 100)
    kept_levels = fronts[keep]
    last = kept_levels.max()
    assert set(np.flatnonzero(fronts < last)) <= set(keep)
    assert len(set(keep)) == 30


def test_tournaments_prefer_dominating_parents():
    f0 = np.array([1.0, 0.0] * 50)
    f1 = np.zeros(100)
    seed_numba(2, "generation", 0)
    parents = N.tournament_parents(f0, f1, np.zeros(100), 1.0, 1)
    assert len(parents) == 100
    assert (f0[parents] == 1.0).mean() > 0.7          # a good one wins every mixed pair


# ----- the fast sort and survivors make the very draws of the plain scan (bit-identical runs)
@njit
def _reference_crowding(f0, f1, n_obj, members):
    """The crowding distance as first written (a fresh sort per objective)."""
    m = members.shape[0]
    dist = np.zeros(m)
    for o in range(n_obj):
        vals = np.empty(m)
        for k in range(m):
            vals[k] = f0[members[k]] if o == 0 else f1[members[k]]
        order = np.argsort(vals, kind="mergesort")
        lo, hi = vals[order[0]], vals[order[m - 1]]
        dist[order[0]] = N.BIG
        dist[order[m - 1]] = N.BIG
        if hi > lo:
            for k in range(1, m - 1):
                if dist[order[k]] < N.BIG:
                    dist[order[k]] += (vals[order[k + 1]] - vals[order[k - 1]]) / (hi - lo)
    return dist


@njit
def _reference_survivors(f0, f1, p, n_obj, n_keep):
    """survivors() as first written: the plain scan, a sort by front, a crowding per front."""
    front = N.scan_fronts(f0, f1, p, n_obj, n_keep)
    ranked = np.flatnonzero(front >= 0)
    by_front = ranked[np.argsort(front[ranked], kind="mergesort")]
    chosen = np.empty(n_keep, np.int64)
    crowd_out = np.empty(n_keep)
    filled = 0
    start = 0
    while filled < n_keep:
        stop = start
        while stop < by_front.shape[0] and front[by_front[stop]] == front[by_front[start]]:
            stop += 1
        members = by_front[start:stop]
        d = _reference_crowding(f0, f1, n_obj, members)
        if filled + members.shape[0] <= n_keep:
            for k in range(members.shape[0]):
                chosen[filled] = members[k]
                crowd_out[filled] = d[k]
                filled += 1
        else:
            perm = np.random.permutation(members.shape[0])
            order = perm[np.argsort(-d[perm], kind="mergesort")]
            for k in range(n_keep - filled):
                chosen[filled] = members[order[k]]
                crowd_out[filled] = d[order[k]]
                filled += 1
        start = stop
    return chosen, crowd_out


def _random_objectives(rng, trial):
    n = int(rng.integers(1, 400))
    f0 = rng.integers(0, int(rng.integers(1, 30)), n) / 16
    f1 = -rng.integers(0, int(rng.integers(1, 60)), n).astype(float) if trial % 3 else rng.random(n)
    if trial % 7 == 0:
        f1[rng.random(n) < 0.3] = -0.0              # -0.0 and 0.0 compare equal: ties
    if trial % 13 == 0:
        f1[rng.random(n) < 0.1] = np.nan            # the walk falls back to the scan
    p = [0.0, 0.25, 0.5, 1.0, 0.9][trial % 5]
    return f0, f1, p, 1 if trial % 11 == 0 else 2, int(rng.integers(1, n + 1))


def test_the_walk_makes_the_draws_of_the_plain_scan():
    rng = np.random.default_rng(11)
    for trial in range(600):
        f0, f1, p, n_obj, need = _random_objectives(rng, trial)
        seed_numba(trial, "generation", 0)
        a, after_a = N.scan_fronts(f0, f1, p, n_obj, need), _draw()
        seed_numba(trial, "generation", 0)
        b, after_b = N.stochastic_fronts(f0, f1, p, n_obj, need), _draw()
        assert np.array_equal(a, b) and after_a == after_b, trial


def test_survivors_and_crowding_equal_their_first_form_bit_for_bit():
    rng = np.random.default_rng(12)
    for trial in range(600):
        f0, f1, p, n_obj, keep = _random_objectives(rng, trial)
        seed_numba(trial, "generation", 0)
        a, crowd_a = _reference_survivors(f0, f1, p, n_obj, keep)
        after_a = _draw()
        seed_numba(trial, "generation", 0)
        b, crowd_b = N.survivors(f0, f1, p, n_obj, keep)
        assert np.array_equal(a, b) and after_a == _draw(), trial
        assert np.array_equal(crowd_a.view(np.int64), crowd_b.view(np.int64)), trial
        members = rng.permutation(len(f0))[:int(rng.integers(1, len(f0) + 1))]
        assert np.array_equal(_reference_crowding(f0, f1, n_obj, members).view(np.int64),
                              N.crowding(f0, f1, n_obj, members).view(np.int64)), trial


def _lexicographic_crowding(f0, f1, n_obj, members):
    """Crowding with equal values ordered by the other objective (Python's sort of tuples)."""
    m = members.shape[0]
    dist = np.zeros(m)
    objs = (f0, f1)
    for o in range(n_obj):
        other = objs[1 - o] if n_obj == 2 else np.zeros_like(f0)
        order = sorted(range(m), key=lambda k: (objs[o][members[k]], other[members[k]], k))
        vals = [objs[o][members[k]] for k in order]
        dist[order[0]] = dist[order[-1]] = N.BIG
        if vals[-1] > vals[0]:
            for k in range(1, m - 1):
                if dist[order[k]] < N.BIG:
                    dist[order[k]] += (vals[k + 1] - vals[k - 1]) / (vals[-1] - vals[0])
    return dist


def test_crowding_ties_by_the_other_objective():
    """TIES_OTHER: equal members are ordered by the other objective (then index), so the
    cheapest of the best performers holds the performance extreme; one objective: no change."""
    rng = np.random.default_rng(21)
    for trial in range(300):
        n = int(rng.integers(2, 60))
        f0 = rng.integers(0, 4, n) / 4                      # few values: many ties
        f1 = -rng.integers(0, 6, n).astype(float)
        members = rng.permutation(n)[:int(rng.integers(2, n + 1))]
        for n_obj in (1, 2):
            got = N.crowding(f0, f1, n_obj, members, N.TIES_OTHER)
            assert np.allclose(got, _lexicographic_crowding(f0, f1, n_obj, members)), (trial, n_obj)
        assert np.array_equal(N.crowding(f0, f1, 1, members, N.TIES_OTHER), N.crowding(f0, f1, 1, members))
        best = [k for k in range(len(members)) if f0[members[k]] == f0[members].max()]
        cheapest = max(best, key=lambda k: (f1[members[k]], k))   # equal costs too: the last one
        assert N.crowding(f0, f1, 2, members, N.TIES_OTHER)[cheapest] == N.BIG
