"""NSGA-II with stochastic Pareto dominance (Clune, Mouret & Lipson 2013; authors' pnsga.hpp).

Objectives are maximised: ``f0`` (performance) is always compared; ``f1`` (minus the
connection cost, or a random value) is compared only with probability ``p`` in each
comparison, the random number drawn afresh every time.  ``p = 1`` is ordinary Pareto
dominance; ``p = 0`` ignores ``f1``.  With one objective, pass ``n_obj = 1``.

Ranking (non-dominated sorting) of the 2N parents + children, as the authors' code does:
repeatedly, the remaining individuals that no other remaining individual dominates form
the next front.  With a fresh draw per comparison, "j dominates i" is an independent event
with probability 1 (f0_j > f0_i and f1_j >= f1_i), 1 - p (f0_j > f0_i and f1_j < f1_i),
p (f0_j == f0_i and f1_j > f1_i), else 0.  So in one round i is kept with probability
p^A_i (1 - p)^B_i (A_i, B_i the counts of the second and third kinds), or surely dropped if
the first kind exists.  ``stochastic_fronts`` samples exactly this distribution with sorting
and counting instead of the O(n^2) pairwise loop (``literal_fronts``, kept as the reference the
tests compare against): per round it visits only the individuals that can join the front
(O(f0 values + candidates)), making the same random draws in the same order as the plain O(n)
scan of all remaining individuals (``scan_fronts``), so the same fronts.

Survivors: whole fronts in order, the last one cut by crowding distance (largest first).
Parents: binary tournaments as in sferes: two random permutations, four tournaments per
four slots; a tournament is won by dominance (fresh draw), then by larger crowding
distance, then by a coin.
"""
from __future__ import annotations

import numpy as np
from numba import njit

from ..rng import mt_begin, mt_chance, mt_end, mt_permutation

BIG = 1e14          # crowding distance of a front's extremes (sferes' value)


@njit(cache=True, inline="always")
def _dominates(a0, a1, b0, b1, p, n_obj):
    """Stochastic test: does a dominate b?  (f1 considered with probability p.)"""
    use1 = n_obj > 1 and np.random.random() <= p
    if a0 < b0:
        return False
    if use1 and a1 < b1:
        return False
    return a0 > b0 or (use1 and a1 > b1)


@njit(cache=True)
def _sorted_order(f0, g1):
    """Indices by f0 descending, then g1 descending, then index (two stable sorts)."""
    order = np.argsort(-g1, kind="mergesort")
    return order[np.argsort(-f0[order], kind="mergesort")]


@njit(cache=True)
def stochastic_fronts(f0, f1, p, n_obj, n_needed):
    """Front index of each individual (-1: not reached) until ``n_needed`` are ranked.

    One sort (f0 descending, then f1 descending); each round walks the remaining
    individuals in that order.  i is surely dominated when some remaining j has higher f0
    and f1_j >= f1_i, i.e. when the largest f1 among higher-f0 individuals is >= f1_i.
    Otherwise *every* higher-f0 individual has a smaller f1, so A_i is simply how many
    remain with higher f0, and B_i counts those with equal f0 and larger f1.

    Samples the same distribution of fronts as :func:`literal_fronts` (the non-dominated
    sorting of NSGA-II, Deb et al., IEEE TEC 6:182 (2002), with the stochastic dominance of
    Clune, Mouret & Lipson, Proc. R. Soc. B 280:20122863 (2013)).

    The walk visits only what can join a front: the remaining individuals are kept in
    linked lists, one per f0 value (f1 descending), and within a list the candidates are a
    prefix (once the largest f1 of higher f0 is >= f1_i, it is >= every later f1), so a
    round costs O(f0 values + candidates) instead of O(n).  It makes the same random draws
    in the same order, and so gives the same fronts, as the plain scan over all remaining
    individuals (:func:`scan_fronts`, which it falls back to when an objective is NaN).

    Parameters
    ----------
    f0, f1 : float64 arrays, the objectives (maximised)
    p : float, probability that a comparison looks at ``f1``
    n_obj : int, 1 or 2
    n_needed : int, stop once at least this many individuals have a front

    Returns
    -------
    int64 array : front of each individual (0 = best), -1 where not reached

    Examples
    --------
    With ``p = 1`` this is ordinary Pareto sorting:

    >>> import numpy as np
    >>> f0 = np.array([3.0, 2.0, 1.0, 2.0])
    >>> f1 = np.array([0.0, 1.0, 2.0, 0.0])
    >>> stochastic_fronts(f0, f1, 1.0, 2, 4).tolist()
    [0, 0, 0, 1]
    >>> stochastic_fronts(f0, f1, 0.0, 2, 4).tolist()     # p = 0: f0 only
    [0, 1, 2, 1]
    >>> stochastic_fronts(f0, f1, 1.0, 2, 2).tolist()     # stops once 2 are ranked
    [0, 0, 0, -1]
    """
    n = f0.shape[0]
    g1 = f1 if n_obj > 1 else np.zeros(n)
    if np.isnan(f0).any() or np.isnan(g1).any():
        return scan_fronts(f0, f1, p, n_obj, n_needed)   # the sort order below assumes no NaN
    pp = p if n_obj > 1 else 0.0
    front = np.full(n, -1, np.int64)
    order = _sorted_order(f0, g1)
    v1 = np.empty(n)                    # g1 in sorted order (contiguous)
    nxt = np.empty(n, np.int64)         # next remaining position with the same f0, -1 at the end
    # the f0 values with anyone remaining, descending: first position, how many, largest g1
    head = np.empty(n, np.int64)
    size = np.empty(n, np.int64)
    top = np.empty(n)
    n_groups = 0
    q = 0
    while q < n:
        s = q
        f = f0[order[q]]
        while q < n and f0[order[q]] == f:
            v1[q] = g1[order[q]]
            nxt[q] = q + 1
            q += 1
        nxt[q - 1] = -1
        head[n_groups] = s
        size[n_groups] = q - s
        top[n_groups] = v1[s]
        n_groups += 1
    # pp ** k and (1 - pp) ** k, each computed once when first needed (same expression, same value)
    pow_a = np.full(n + 1, -1.0)
    pow_b = np.full(n + 1, -1.0)
    n_live = n
    ranked = 0
    level = 0
    mt, i = mt_begin()                  # draws through a cursor: np.random's numbers, faster
    while ranked < n_needed and n_live > 0:
        best1 = -np.inf                 # largest f1 among remaining with strictly higher f0
        higher = 0                      # how many remain with strictly higher f0
        n_new = 0
        for k in range(n_groups):
            group_best = top[k]
            sz = size[k]                # as the round started
            if group_best > best1:      # else every member is surely dominated: no draw
                # prob = 1.0, times pp ** higher if higher > 0, times (1 - pp) ** b if b > 0: as a
                # product of two factors that are 1.0 when absent (x * 1.0 == x exactly)
                fa = 1.0
                if higher > 0:
                    if pow_a[higher] < 0.0:
                        pow_a[higher] = pp ** higher
                    fa = pow_a[higher]
                fb = 1.0
                q = head[k]
                pq = -1
                b = 0
                run = 0
                prev1 = np.nan
                while q != -1:
                    v = v1[q]
                    if v != prev1:
                        b += run
                        run = 0
                        prev1 = v
                        if b > 0:
                            if pow_b[b] < 0.0:
                                pow_b[b] = (1.0 - pp) ** b
                            fb = pow_b[b]
                    run += 1
                    if best1 >= v:
                        break                              # surely dominated, and so is the rest
                    prob = fa * fb
                    nq = nxt[q]
                    joins = prob >= 1.0
                    if not joins:
                        joins, i = mt_chance(mt, i, prob)   # np.random.random() < prob
                    if joins:
                        front[order[q]] = level
                        n_new += 1
                        if pq == -1:                       # unlink: it is ranked
                            head[k] = nq
                        else:
                            nxt[pq] = nq
                        size[k] -= 1
                    else:
                        pq = q
                    q = nq
                best1 = group_best
            higher += sz
        if n_new > 0:                   # drop emptied f0 values; the others' largest g1 now
            m = 0
            for k in range(n_groups):
                q = head[k]
                if q != -1:
                    head[m] = q
                    size[m] = size[k]
                    top[m] = v1[q]
                    m += 1
            n_groups = m
        n_live -= n_new
        ranked += n_new
        level += 1
    mt_end(i)
    return front


@njit(cache=True)
def scan_fronts(f0, f1, p, n_obj, n_needed):
    """Front index of each individual by scanning all remaining ones each round: the reference.

    The plain form of :func:`stochastic_fronts` (same arguments, same result, the same random
    draws in the same order; O(n) per round): every round walks all remaining individuals
    sorted by f0 then f1 (both descending), skips the surely dominated, and draws for the
    others (Deb et al. 2002 with the stochastic dominance of Clune, Mouret & Lipson 2013).

    Examples
    --------
    >>> import numpy as np
    >>> from replication.rng import seed_numba
    >>> f0 = np.array([3.0, 2.0, 1.0, 2.0, 2.0]); f1 = np.array([0.0, 1.0, 2.0, 0.0, 1.0])
    >>> scan_fronts(f0, f1, 1.0, 2, 5).tolist()
    [0, 0, 0, 1, 0]
    >>> seed_numba(3, "generation", 0); a = scan_fronts(f0, f1, 0.25, 2, 5)
    >>> seed_numba(3, "generation", 0); b = stochastic_fronts(f0, f1, 0.25, 2, 5)
    >>> bool((a == b).all())
    True
    """
    n = f0.shape[0]
    front = np.full(n, -1, np.int64)
    g1 = f1 if n_obj > 1 else np.zeros(n)
    pp = p if n_obj > 1 else 0.0
    order = np.argsort(-g1, kind="mergesort")
    order = order[np.argsort(-f0[order], kind="mergesort")]
    live = order.copy()                 # remaining, in sorted order
    n_live = n
    ranked = 0
    level = 0
    while ranked < n_needed and n_live > 0:
        best1 = -np.inf                 # largest f1 among remaining with strictly higher f0
        higher = 0                      # how many remain with strictly higher f0
        start = 0
        n_new = 0
        while start < n_live:
            stop = start
            f0s = f0[live[start]]
            while stop < n_live and f0[live[stop]] == f0s:
                stop += 1
            b = 0
            run = 0
            prev1 = np.nan
            group_best = -np.inf
            for q in range(start, stop):
                i = live[q]
                if g1[i] != prev1:
                    b += run
                    run = 0
                    prev1 = g1[i]
                run += 1
                if g1[i] > group_best:
                    group_best = g1[i]
                if best1 >= g1[i]:
                    continue                               # surely dominated
                prob = 1.0
                if higher > 0:
                    prob *= pp ** higher
                if b > 0:
                    prob *= (1.0 - pp) ** b
                if prob >= 1.0 or np.random.random() < prob:
                    front[i] = level
                    n_new += 1
            higher += stop - start
            if group_best > best1:
                best1 = group_best
            start = stop
        k = 0
        for q in range(n_live):
            if front[live[q]] != level:
                live[k] = live[q]
                k += 1
        n_live = k
        ranked += n_new
        level += 1
    return front


@njit(cache=True)
def literal_fronts(f0, f1, p, n_obj, n_needed):
    """Fronts by the authors' pairwise sort, O(n^2) per front: the reference implementation.

    i joins the current front unless some remaining j dominates it (a fresh draw per
    comparison, stopping at the first dominator), as in the authors' ``pnsga.hpp``
    (Clune, Mouret & Lipson 2013).  Same arguments and result as :func:`stochastic_fronts`,
    which samples the same distribution faster.

    Examples
    --------
    >>> import numpy as np
    >>> f0 = np.array([3.0, 2.0, 1.0, 2.0])
    >>> f1 = np.array([0.0, 1.0, 2.0, 0.0])
    >>> literal_fronts(f0, f1, 1.0, 2, 4).tolist()
    [0, 0, 0, 1]
    >>> bool((literal_fronts(f0, f1, 1.0, 2, 4) == stochastic_fronts(f0, f1, 1.0, 2, 4)).all())
    True
    """
    n = f0.shape[0]
    front = np.full(n, -1, np.int64)
    remaining = list(range(n))
    ranked = 0
    level = 0
    while ranked < n_needed and len(remaining) > 0:
        cur = []
        rest = []
        for i in remaining:
            dominated = False
            for j in remaining:
                if j != i and _dominates(f0[j], f1[j], f0[i], f1[i], p, n_obj):
                    dominated = True
                    break
            if dominated:
                rest.append(i)
            else:
                cur.append(i)
        for i in cur:
            front[i] = level
        ranked += len(cur)
        remaining = rest
        level += 1
    return front


@njit(cache=True)
def crowding(f0, f1, n_obj, members, ties=0):
    """Crowding distance of each member of one front (Deb et al. 2002, NSGA-II).

    For each objective the members are sorted; the two extremes get :data:`BIG`, every other
    member adds the gap between its two neighbours divided by the objective's range.

    Parameters
    ----------
    f0, f1 : float64 arrays, the objectives of the whole population
    n_obj : int, 1 or 2
    members : int64 array, the indices of the front's members
    ties : int, :data:`TIES_INDEX` or :data:`TIES_OTHER` (members equal on an objective)

    Returns
    -------
    float64 array : one distance per member, in the order of ``members``

    Examples
    --------
    >>> import numpy as np
    >>> f0 = np.array([0.0, 1.0, 3.0, 4.0])
    >>> f1 = np.array([4.0, 3.0, 1.0, 0.0])
    >>> crowding(f0, f1, 2, np.arange(4)).tolist()
    [100000000000000.0, 1.5, 1.5, 100000000000000.0]

    Three equal best performers with costs 3, 1, 2 (f1 = -cost): by index the last of them
    (cost 2) holds the performance extreme, by the other objective the cheapest (cost 1) does:

    >>> f0 = np.array([0.5, 1.0, 1.0, 1.0]); f1 = -np.array([0.0, 3.0, 1.0, 2.0])
    >>> crowding(f0, f1, 2, np.arange(4)).round(3).tolist()
    [100000000000000.0, 100000000000000.0, 0.667, 100000000000000.0]
    >>> crowding(f0, f1, 2, np.arange(4), 1).round(3).tolist()
    [100000000000000.0, 100000000000000.0, 100000000000000.0, 0.667]
    """
    m = members.shape[0]
    dist = np.empty(m)
    _crowding_into(f0, f1, n_obj, members, dist, np.empty(m), np.empty(m, np.int64), ties)
    return dist


@njit(cache=True)
def _stable_argsort_into(vals, m, order):
    """``order[:m]`` = np.argsort(vals[:m], kind="mergesort") (the same permutation: a stable
    sort's order is unique), by insertion for short arrays without NaN, else by that call."""
    if m > 24:
        order[:m] = np.argsort(vals[:m], kind="mergesort")
        return
    for k in range(m):
        if vals[k] != vals[k]:                  # NaN: let NumPy's rule place it
            order[:m] = np.argsort(vals[:m], kind="mergesort")
            return
    for k in range(m):
        v = vals[k]
        j = k
        while j > 0 and vals[order[j - 1]] > v:     # strictly greater: equal values keep their order
            order[j] = order[j - 1]
            j -= 1
        order[j] = k


#: :func:`crowding`'s order among members equal on the sorted objective: ``TIES_INDEX`` their
#: order in the population (ours); ``TIES_OTHER`` the other objective, better last, so that the
#: "best" extreme of the performance sort is the cheapest of the best performers (the authors'
#: sferes2 code sorts each front in place by one objective after the other, crowd.hpp)
TIES_INDEX, TIES_OTHER = 0, 1
CROWDING_TIES = {"index": TIES_INDEX, "other-objective": TIES_OTHER}


@njit(cache=True)
def _crowding_into(f0, f1, n_obj, members, dist, vals, order, ties=0):
    """:func:`crowding` of ``members`` into ``dist[:m]``, with the caller's work arrays
    (``vals``, ``order``: at least m long), so that a generation's many fronts allocate nothing
    (``ties`` = :data:`TIES_OTHER` allocates: a lexicographic sort)."""
    m = members.shape[0]
    for k in range(m):
        dist[k] = 0.0
    for o in range(n_obj):
        for k in range(m):
            vals[k] = f0[members[k]] if o == 0 else f1[members[k]]
        if ties == TIES_OTHER and n_obj == 2:
            other = np.empty(m)
            for k in range(m):
                other[k] = f1[members[k]] if o == 0 else f0[members[k]]
            by_other = np.argsort(other, kind="mergesort")
            within = np.argsort(vals[:m][by_other], kind="mergesort")   # stable: keeps other's order
            order[:m] = by_other[within]
        else:
            _stable_argsort_into(vals, m, order)
        lo, hi = vals[order[0]], vals[order[m - 1]]
        dist[order[0]] = BIG
        dist[order[m - 1]] = BIG
        if hi > lo:
            for k in range(1, m - 1):
                if dist[order[k]] < BIG:
                    dist[order[k]] += (vals[order[k + 1]] - vals[order[k - 1]]) / (hi - lo)


@njit(cache=True)
def survivors(f0, f1, p, n_obj, n_keep, ties=0):
    """Indices of the ``n_keep`` survivors and their crowding distances (NSGA-II truncation).

    Whole fronts (from :func:`stochastic_fronts`) are kept in order; the front that does not
    fit is cut by crowding distance, largest first, ties in random order (Deb et al. 2002).

    Returns
    -------
    chosen : int64 array of length ``n_keep``, indices into the population
    crowd : float64 array of length ``n_keep``, each survivor's crowding distance in its front

    Examples
    --------
    >>> import numpy as np
    >>> f0 = np.array([3.0, 2.0, 1.0, 2.0, 0.0])
    >>> f1 = np.array([0.0, 1.0, 2.0, 0.0, 0.0])
    >>> chosen, crowd = survivors(f0, f1, 1.0, 2, 4)
    >>> sorted(chosen.tolist())          # front 0 (three) and front 1 (one); the dominated 4 goes
    [0, 1, 2, 3]
    """
    front = stochastic_fronts(f0, f1, p, n_obj, n_keep)
    n = front.shape[0]
    # members grouped by front, each front in index order (a counting sort: what a stable sort
    # of the ranked indices by front gives)
    n_levels = 0
    for i in range(n):
        if front[i] + 1 > n_levels:
            n_levels = front[i] + 1
    first = np.zeros(n_levels + 1, np.int64)
    for i in range(n):
        if front[i] >= 0:
            first[front[i] + 1] += 1
    for lv in range(n_levels):
        first[lv + 1] += first[lv]
    by_front = np.empty(first[n_levels], np.int64)
    fill = first[:n_levels].copy()
    for i in range(n):
        if front[i] >= 0:
            by_front[fill[front[i]]] = i
            fill[front[i]] += 1
    chosen = np.empty(n_keep, np.int64)
    crowd_out = np.empty(n_keep)
    d = np.empty(n)                     # work arrays shared by every front's crowding
    vals = np.empty(n)
    work = np.empty(n, np.int64)
    filled = 0
    lv = 0
    while filled < n_keep and lv < n_levels:
        members = by_front[first[lv]:first[lv + 1]]
        m = members.shape[0]
        _crowding_into(f0, f1, n_obj, members, d, vals, work, ties)
        if filled + m <= n_keep:
            for k in range(m):
                chosen[filled] = members[k]
                crowd_out[filled] = d[k]
                filled += 1
        else:
            perm = mt_permutation(m)           # random order among equal distances (= np.random.permutation)
            order = perm[np.argsort(-d[:m][perm], kind="mergesort")]
            for k in range(n_keep - filled):
                chosen[filled] = members[order[k]]
                crowd_out[filled] = d[order[k]]
                filled += 1
        lv += 1
    return chosen, crowd_out


@njit(cache=True)
def _tournament(a, b, f0, f1, crowd, p, n_obj):
    if _dominates(f0[a], f1[a], f0[b], f1[b], p, n_obj):
        return a
    if _dominates(f0[b], f1[b], f0[a], f1[a], p, n_obj):
        return b
    if crowd[a] > crowd[b]:
        return a
    if crowd[b] > crowd[a]:
        return b
    return a if np.random.random() < 0.5 else b


@njit(cache=True)
def tournament_parents(f0, f1, crowd, p, n_obj):
    """N parents by binary tournaments, sferes-style (N a multiple of 4).

    Two random permutations of the population; each consecutive pair plays one tournament,
    won by (stochastic) dominance, then by the larger crowding distance, then by a coin
    (Deb et al. 2002; the sferes2 NSGA-II used by Clune, Mouret & Lipson 2013).

    Returns
    -------
    int64 array of length N : the index of each parent

    Examples
    --------
    Individual 0 dominates everyone and wins both its tournaments; 3 is dominated by all and
    never wins:

    >>> import numpy as np
    >>> f0 = np.array([4.0, 3.0, 2.0, 1.0]); f1 = np.array([4.0, 3.0, 2.0, 1.0])
    >>> parents = tournament_parents(f0, f1, np.zeros(4), 1.0, 2)
    >>> int((parents == 0).sum()) >= 2, bool((parents != 3).all()), len(parents)
    (True, True, 4)
    """
    n = f0.shape[0]
    a1 = mt_permutation(n)             # = np.random.permutation(n), faster
    a2 = mt_permutation(n)
    parents = np.empty(n, np.int64)
    for i in range(0, n - 3, 4):
        parents[i] = _tournament(a1[i], a1[i + 1], f0, f1, crowd, p, n_obj)
        parents[i + 1] = _tournament(a1[i + 2], a1[i + 3], f0, f1, crowd, p, n_obj)
        parents[i + 2] = _tournament(a2[i], a2[i + 1], f0, f1, crowd, p, n_obj)
        parents[i + 3] = _tournament(a2[i + 2], a2[i + 3], f0, f1, crowd, p, n_obj)
    for i in range(n - n % 4, n):
        parents[i] = _tournament(a1[i], a2[i], f0, f1, crowd, p, n_obj)
    return parents
