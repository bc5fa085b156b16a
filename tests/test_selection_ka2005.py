import numpy as np

from replication.rng import seed_numba
from replication.selection.ka2005 import rank_descending, select


def test_elite_pass_unchanged_and_worst_replaced_by_elite_copies():
    seed_numba(1, "generation", 0)
    rng = np.random.default_rng(0)
    fitness = rng.permutation(1000).astype(float)        # distinct values
    parents, may_vary = select(fitness, 300, True)
    assert len(parents) == 1000 and len(may_vary) == 1000   # constant size
    best = set(np.argsort(-fitness)[:300])
    worst = set(np.argsort(-fitness)[-300:])
    assert set(parents[:300]) == best and not may_vary[:300].any()
    assert set(parents[-300:]) == best and may_vary[-300:].all()   # copies, open to variation
    assert not worst & set(parents)                       # the worst L are gone
    middle = set(np.argsort(-fitness)[300:700])
    assert set(parents[300:700]) == middle and may_vary[300:700].all()


def test_ties_are_broken_at_random_but_reproducibly():
    fitness = np.zeros(50)
    seed_numba(1, "generation", 0)
    a = rank_descending(fitness, True)
    seed_numba(1, "generation", 0)
    b = rank_descending(fitness, True)
    seed_numba(2, "generation", 0)
    c = rank_descending(fitness, True)
    assert (a == b).all() and not (a == c).all()
    assert (rank_descending(fitness, False) == np.arange(50)).all()


def test_ranking_is_sorted_descending():
    seed_numba(3, "generation", 0)
    f = np.random.default_rng(1).integers(0, 5, 200).astype(float)
    order = rank_descending(f, True)
    assert (np.diff(f[order]) <= 0).all()
