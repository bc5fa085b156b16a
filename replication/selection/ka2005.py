"""The selection scheme of Kashtan & Alon (2005), as described in Kashtan, Noor & Alon (2007) SI.

Each generation the population (size S) is ranked by fitness, ties in random order.
The best L ("elite") pass to the next generation unchanged; the worst L are replaced by
copies of the elite; the S - 2L in between survive.  Everyone except the unchanged
elite is then open to variation (crossover, mutation).  The population size is constant.

Returned as two arrays so that the scheme never touches a genome:
``parents[i]`` is the index (in the old population) whose genome fills slot ``i``,
``may_vary[i]`` says whether slot ``i`` may be mutated or recombined.
"""
from __future__ import annotations

import numpy as np
from numba import njit

from ..rng import mt_permutation


@njit(cache=True)
def stable_argsort(keys, max_distinct=256):
    """``np.argsort(keys, kind="mergesort")`` (the stable order, hence unique), by counting sort
    when ``keys`` take at most ``max_distinct`` distinct values (fitness values in the 2005 runs
    take a few dozen), else by the merge sort itself.  NaN keys fall back to the merge sort.

    Examples
    --------
    >>> k = np.array([0.5, -1.0, 0.5, 0.0, -0.0, -1.0])
    >>> stable_argsort(k).tolist() == np.argsort(k, kind="mergesort").tolist()
    True
    """
    n = keys.shape[0]
    cap = 16
    while cap < 2 * n:
        cap *= 2
    norm = np.empty(n, np.float64)
    for i in range(n):
        norm[i] = keys[i] + 0.0                  # -0.0 -> 0.0: equal keys, one bucket
    bits = norm.view(np.uint64)
    used = np.zeros(cap, np.bool_)
    slot_key = np.empty(cap, np.uint64)
    slot_value = np.empty(cap, np.int64)
    distinct = np.empty(max_distinct, np.float64)
    value_of = np.empty(n, np.int64)
    nd = 0
    mask = np.uint64(cap - 1)
    for i in range(n):
        v = norm[i]
        if v != v:
            return np.argsort(keys, kind="mergesort")
        b = bits[i]
        h = ((b ^ (b >> np.uint64(29))) * np.uint64(0xBF58476D1CE4E5B9)) >> np.uint64(20)
        pos = np.int64(h & mask)
        while used[pos] and slot_key[pos] != b:
            pos = (pos + 1) & (cap - 1)
        if not used[pos]:
            if nd == max_distinct:
                return np.argsort(keys, kind="mergesort")
            used[pos] = True
            slot_key[pos] = b
            slot_value[pos] = nd
            distinct[nd] = v
            nd += 1
        value_of[i] = slot_value[pos]
    rank = np.empty(nd, np.int64)
    by_value = np.argsort(distinct[:nd])
    for r in range(nd):
        rank[by_value[r]] = r
    start = np.zeros(nd + 1, np.int64)
    for i in range(n):
        start[rank[value_of[i]] + 1] += 1
    for r in range(nd):
        start[r + 1] += start[r]
    order = np.empty(n, np.int64)
    for i in range(n):
        r = rank[value_of[i]]
        order[start[r]] = i
        start[r] += 1
    return order


@njit(cache=True)
def rank_descending(fitness, random_ties):
    """Indices of the population from best to worst fitness.

    A stable sort on descending fitness.  With ``random_ties`` the population is first put in
    a random order (numba's generator, seeded by the caller's stream), so that individuals of
    equal fitness come out in random order, as Kashtan & Alon (2005) rank them; without it,
    ties keep index order.

    Parameters
    ----------
    fitness : float64 array, one value per individual
    random_ties : bool

    Returns
    -------
    int64 array : a permutation of ``range(len(fitness))``

    Examples
    --------
    >>> import numpy as np
    >>> rank_descending(np.array([0.2, 0.9, 0.5, 0.9]), False).tolist()
    [1, 3, 2, 0]
    >>> sorted(rank_descending(np.array([0.2, 0.9, 0.5, 0.9]), True)[:2].tolist())   # the tie
    [1, 3]
    """
    n = fitness.shape[0]
    if random_ties:
        perm = mt_permutation(n)             # = np.random.permutation(n), faster
    else:
        perm = np.arange(n)
    keys = np.empty(n, np.float64)
    for i in range(n):
        keys[i] = -fitness[perm[i]]
    order = stable_argsort(keys)                 # stable: keeps the random order among ties
    return perm[order]


@njit(cache=True)
def select(fitness, elite, random_ties):
    """One generation of the elite scheme of Kashtan & Alon (2005): who fills each slot.

    The population (size S) is ranked by :func:`rank_descending`.  The ``elite`` (L) best fill
    the first L slots unchanged and may not vary; the S - 2L middle ones survive in their rank
    order; the worst L slots are refilled with copies of the elite, which may vary.
    Reference: Kashtan & Alon, PNAS 102:13773 (2005); Kashtan, Noor & Alon, PNAS 104:13711
    (2007), SI.

    Parameters
    ----------
    fitness : float64 array of length S
    elite : int, L (2L <= S)
    random_ties : bool, break fitness ties in random order

    Returns
    -------
    parents : int64 array of length S, the old index whose genome fills each new slot
    may_vary : bool array of length S, False for the L unchanged elite slots

    Examples
    --------
    >>> import numpy as np
    >>> parents, may_vary = select(np.array([0.1, 0.7, 0.4, 0.9, 0.3]), 2, False)
    >>> parents.tolist()          # best two, the middle survivor, then copies of the best two
    [3, 1, 2, 3, 1]
    >>> may_vary.tolist()
    [False, False, True, True, True]
    """
    n = fitness.shape[0]
    ranked = rank_descending(fitness, random_ties)
    parents = np.empty(n, np.int64)
    may_vary = np.ones(n, np.bool_)
    for i in range(n - elite):          # elite (unchanged) then the middle survivors
        parents[i] = ranked[i]
    for i in range(elite):
        may_vary[i] = False
        parents[n - elite + i] = ranked[i]   # the worst L slots: copies of the elite
    return parents, may_vary


@njit(cache=True)
def select_elite_offspring(fitness, elite, random_ties, crossover_probability):
    """The "elite offspring" reading of the 2005 scheme: the best L pass unchanged; each of the
    other S - L slots is filled by an offspring of the elite: a uniformly drawn elite parent and,
    with ``crossover_probability``, a second, different elite parent to recombine with.

    Returns ``parents`` (first parent of each slot), ``mates`` (second parent, or -1: no
    crossover) and ``may_vary`` (False for the L unchanged elite).
    Reference: Kashtan & Alon, PNAS 102:13773 (2005) (one reading of its selection scheme).

    Examples
    --------
    >>> import numpy as np
    >>> fitness = np.array([0.1, 0.7, 0.4, 0.9, 0.3, 0.2])
    >>> parents, mates, may_vary = select_elite_offspring(fitness, 2, False, 0.0)
    >>> parents[:2].tolist(), may_vary.tolist()    # the elite first, unchanged
    ([3, 1], [False, False, True, True, True, True])
    >>> set(parents[2:].tolist()) <= {3, 1}, mates.tolist() == [-1] * 6   # no crossover at p = 0
    (True, True)
    >>> parents, mates, _ = select_elite_offspring(fitness, 2, False, 1.0)
    >>> all(m in (3, 1) and m != p for p, m in zip(parents[2:], mates[2:]))   # a different elite mate
    True
    """
    n = fitness.shape[0]
    ranked = rank_descending(fitness, random_ties)
    parents = np.empty(n, np.int64)
    mates = np.full(n, -1, np.int64)
    may_vary = np.ones(n, np.bool_)
    for i in range(elite):
        parents[i] = ranked[i]
        may_vary[i] = False
    for i in range(elite, n):
        r = np.random.randint(0, elite)
        parents[i] = ranked[r]
        if elite > 1 and np.random.random() < crossover_probability:
            m = np.random.randint(0, elite - 1)
            if m >= r:
                m += 1
            mates[i] = ranked[m]
    return parents, mates, may_vary
