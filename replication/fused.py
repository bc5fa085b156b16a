"""Whole stretches of generations of the 2005 elite scheme over NAND circuits, inside numba.

The generation loop (:mod:`replication.evolve`) is one Python step per generation: seed the
generation's stream, assess, log, stop rule, select, mutate.  For the logic circuits a
generation's work is ~50 microseconds of kernels, so the Python around it dominated.  Here
the same steps run for a stretch of generations in one numba call, and give *the same
population, the same draws in the same order and the same log values* as the step-by-step
loop (``tests/test_golden.py`` and ``tests/test_fused.py`` check it):

* the stream of generation g is seeded inside numba with the same splitmix64 derivation as
  :func:`replication.rng.derive` (:func:`splitmix_seed`);
* selection and mutation are the very kernels the step-by-step loop calls
  (:func:`replication.selection.ka2005.select`, the circuit mutation kernels);
* evaluation is cached: a genome copied unchanged keeps its parent's record (outputs,
  settled rows, effective gates, connections, Q), and so does a genome whose mutation hit
  only the inputs of a gate with no path to the output (such a gate cannot change the output,
  the effective set, the wiring cost, or the effective-node graph);
* the log's mean fitness is NumPy's pairwise sum (:func:`numpy_mean`), bit for bit.

A stretch stops *before* a generation that needs the loop's Python bookkeeping: a first
solution of a goal the loop is watching, an epoch start or an unresolved epoch of the MVG
re-adaptation record, the stop rule, a checkpoint, the last generation.  The loop then runs
that generation step by step as before.

The 2013 NSGA-II loop runs one generation per numba call (:func:`nsga2_generation_2013`):
tournaments, mutation, the children's objectives and the survivors, with the draws and results
of :meth:`replication.algorithms.Nsga2Algorithm.assess` done step by step
(``tests/test_weighted_network.py`` checks it generation by generation).

Examples
--------
>>> from replication.rng import derive
>>> int(splitmix_seed(1, 0)) == derive(1, "generation", 0)
True
>>> a = np.array([0.1, 0.2, 0.3] * 50)
>>> bool(numpy_mean(a) == a.mean()), float(np.sum(a) / len(a)) == float(numpy_mean(a))
(True, True)
"""
from __future__ import annotations

import numpy as np
from numba import njit

from .genomes.nand_circuit import (_effective_mask, circuit_matrix, evaluate_rows, mutate_population,
                                   mutate_population_per_locus, popcount64)
from .genomes.weighted_network import children_objectives_2013, mutate_2013
from .modularity import greedy_labels
from .selection.ka2005 import select
from .selection.nsga2 import survivors, tournament_parents

_M = np.uint64(0xFFFFFFFF)


@njit(cache=True)
def splitmix_seed(seed, index):
    """:func:`replication.rng._splitmix` in numba (uint64 arithmetic wraps as the mask does).

    The seed of stream ``index`` of run ``seed``: splitmix64's finaliser (Steele, Lea & Flood
    2014) of ``seed * golden + index * c``, cut to 32 bits.

    Examples
    --------
    >>> from replication.rng import derive
    >>> [int(splitmix_seed(7, g)) == derive(7, "generation", g) for g in (0, 1, 1000)]
    [True, True, True]
    >>> 0 <= int(splitmix_seed(2**40, 3)) < 2**32
    True
    """
    x = (np.uint64(seed) * np.uint64(0x9E3779B97F4A7C15) + np.uint64(index) * np.uint64(0xD1B54A32D192ED03)
         + np.uint64(0x94D049BB133111EB))
    x ^= x >> np.uint64(30)
    x = x * np.uint64(0xBF58476D1CE4E5B9)
    x ^= x >> np.uint64(27)
    x = x * np.uint64(0x94D049BB133111EB)
    x ^= x >> np.uint64(31)
    return np.int64(x & _M)


@njit(cache=True)
def _pairwise_block(a, lo, n):
    """NumPy's pairwise sum of a block of at most 128 values (8 accumulators)."""
    if n < 8:
        res = 0.0
        for i in range(lo, lo + n):
            res += a[i]
        return res
    r0, r1, r2, r3 = a[lo], a[lo + 1], a[lo + 2], a[lo + 3]
    r4, r5, r6, r7 = a[lo + 4], a[lo + 5], a[lo + 6], a[lo + 7]
    i = 8
    m = n - (n % 8)
    while i < m:
        r0 += a[lo + i]
        r1 += a[lo + i + 1]
        r2 += a[lo + i + 2]
        r3 += a[lo + i + 3]
        r4 += a[lo + i + 4]
        r5 += a[lo + i + 5]
        r6 += a[lo + i + 6]
        r7 += a[lo + i + 7]
        i += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        res += a[lo + i]
        i += 1
    return res


@njit(cache=True)
def _pairwise_sum(a, lo, n):
    """NumPy's pairwise summation of ``a[lo:lo+n]`` (numpy/_core/src/umath/loops_utils.h:
    blocks of <= 128 values, larger ranges split at n/2 rounded down to a multiple of 8, the
    two halves added).  The recursion is unrolled on an explicit stack (numba's on-disk cache
    does not reload recursive functions safely)."""
    los = np.empty(64, np.int64)
    ns = np.empty(64, np.int64)
    stage = np.zeros(64, np.int8)
    partial = np.empty(64, np.float64)
    top = 0
    los[0], ns[0] = lo, n
    ret = 0.0
    while top >= 0:
        l, m = los[top], ns[top]
        if m <= 128:
            ret = _pairwise_block(a, l, m)
            top -= 1
            continue
        n2 = m // 2
        n2 -= n2 % 8
        if stage[top] == 0:
            stage[top] = 1
            top += 1
            los[top], ns[top], stage[top] = l, n2, 0
        elif stage[top] == 1:
            partial[top] = ret
            stage[top] = 2
            top += 1
            los[top], ns[top], stage[top] = l + n2, m - n2, 0
        else:
            ret = partial[top] + ret
            top -= 1
    return ret


@njit(cache=True)
def numpy_mean(a):
    """``a.mean()`` of a 1-D float64 array, bit for bit (pairwise sum, then one division).

    NumPy sums blocks of up to 128 values with 8 accumulators and larger arrays by halving
    (``pairwise_sum``); a plain left-to-right sum can differ in the last bits.

    Examples
    --------
    >>> a = np.random.default_rng(0).random(1001)
    >>> bool(numpy_mean(a) == a.mean())
    True
    """
    return _pairwise_sum(a, 0, a.shape[0]) / a.shape[0]


# record columns (uint64): output mask, settled mask, effective gates, effective-gate bits, connections
_OUT, _SET, _NEFF, _BITS, _CONN = 0, 1, 2, 3, 4
N_RECORD = 5


#: entries of the per-run memo of circuit evaluations (direct-mapped, keyed by the effective genome)
MEMO_SLOTS = 1 << 14
_NOT_EFFECTIVE = 0xFF


def new_memo(n_fields: int, slots: int | None = None) -> dict:
    """An empty evaluation memo: ``keys`` (the effective genome, 8 bits a field), ``out``,
    ``settled`` and ``used`` per slot, and the same for Q (``qkeys``, ``q``, ``qused``);
    ~1.5 MB for 25 fields and the default 16,384 slots.

    Examples
    --------
    >>> memo = new_memo(25, slots=8)
    >>> memo["memo_keys"].shape, bool(memo["memo_used"].any())     # 25 fields: 4 words of 8
    ((8, 4), False)
    >>> new_memo(25)["memo_out"].shape
    (16384,)
    """
    slots = MEMO_SLOTS if slots is None else slots
    words = (n_fields + 7) // 8
    return dict(memo_keys=np.zeros((slots, words), np.uint64), memo_out=np.zeros(slots, np.uint64),
                memo_set=np.zeros(slots, np.uint64), memo_used=np.zeros(slots, np.bool_),
                memo_qkeys=np.zeros((slots, words), np.uint64), memo_q=np.zeros(slots),
                memo_qused=np.zeros(slots, np.bool_))


@njit(cache=True)
def _genome_key(genome, is_eff, n_gates, effective_only, key):
    """``key`` <- the genome, 8 bits a field, fields of non-effective gates blanked when
    ``effective_only``; returns its hash."""
    n_words = key.shape[0]
    for w in range(n_words):
        key[w] = 0
    for f in range(genome.shape[0]):
        v = genome[f] if (not effective_only or f >= 2 * n_gates or is_eff[f // 2]) else _NOT_EFFECTIVE
        key[f >> 3] |= np.uint64(v & 0xFF) << np.uint64(8 * (f & 7))
    h = np.uint64(0x9E3779B97F4A7C15)
    for w in range(n_words):
        h = (h ^ key[w]) * np.uint64(0xBF58476D1CE4E5B9)
        h ^= h >> np.uint64(31)
    return h


@njit(cache=True)
def _refresh(pop, rec, q, dirty, dirty_q, memo_keys, memo_out, memo_set, memo_used,
             memo_qkeys, memo_q, memo_qused, n_inputs, n_gates, in_masks, full, sweeps, initial_state,
             modularity, include_inputs, effective_only, self_loops, directed):
    """Bring the records of the rows marked dirty up to date (and, for the Q objective, Q).

    A circuit's output and settled masks depend only on its *effective genome* (the fields
    of its effective gates and its output gene; the other gates cannot reach the output), so
    they are looked up in a memo keyed by it, and only circuits not found are simulated
    (:func:`replication.genomes.nand_circuit.evaluate_rows`).  Q likewise: the greedy Q of
    the circuit graph (no randomness) depends only on the effective genome when the graph
    keeps effective gates only, else on the whole genome."""
    n = pop.shape[0]
    n_words = memo_keys.shape[1]
    mask = memo_keys.shape[0] - 1
    is_eff = np.zeros(n_gates, np.bool_)
    stack = np.zeros(n_gates, np.int64)
    miss = np.zeros(n, np.bool_)
    slot = np.zeros(n, np.int64)
    row_keys = np.zeros((n, n_words), np.uint64)
    any_miss = False
    for k in range(n):
        if not dirty[k]:
            continue
        n_eff = _effective_mask(pop[k], n_inputs, n_gates, is_eff, stack)
        bits = np.uint64(0)
        c = 0
        for g in range(n_gates):
            if is_eff[g]:
                bits |= np.uint64(1) << np.uint64(g)
                c += 1 if pop[k, 2 * g] == pop[k, 2 * g + 1] else 2
        rec[k, _NEFF] = np.uint64(n_eff)
        rec[k, _BITS] = bits
        rec[k, _CONN] = np.uint64(c)
        h = _genome_key(pop[k], is_eff, n_gates, True, row_keys[k])
        s = np.int64(h & np.uint64(mask))
        hit = memo_used[s]
        if hit:
            for w in range(n_words):
                if memo_keys[s, w] != row_keys[k, w]:
                    hit = False
                    break
        if hit:
            rec[k, _OUT] = memo_out[s]
            rec[k, _SET] = memo_set[s]
        else:
            miss[k] = True
            slot[k] = s
            any_miss = True
        dirty[k] = False
    if any_miss:
        out = np.zeros(n, np.uint64)
        sett = np.zeros(n, np.uint64)
        neff = np.zeros(n, np.int32)
        bits_ = np.zeros(n, np.uint64)
        evaluate_rows(pop, miss, n_inputs, n_gates, in_masks, full, sweeps, initial_state,
                      out, sett, neff, bits_)
        for k in range(n):
            if miss[k]:
                rec[k, _OUT] = out[k]
                rec[k, _SET] = sett[k]
                s = slot[k]
                for w in range(n_words):
                    memo_keys[s, w] = row_keys[k, w]
                memo_out[s] = out[k]
                memo_set[s] = sett[k]
                memo_used[s] = True
    if modularity:
        qmask = memo_qkeys.shape[0] - 1
        key = np.zeros(n_words, np.uint64)
        for k in range(n):
            if not dirty_q[k]:
                continue
            dirty_q[k] = False
            _effective_mask(pop[k], n_inputs, n_gates, is_eff, stack)
            s = np.int64(_genome_key(pop[k], is_eff, n_gates, effective_only, key) & np.uint64(qmask))
            hit = memo_qused[s]
            if hit:
                for w in range(n_words):
                    if memo_qkeys[s, w] != key[w]:
                        hit = False
                        break
            if hit:
                q[k] = memo_q[s]
                continue
            m, keep = circuit_matrix(pop[k], n_inputs, n_gates, include_inputs, effective_only,
                                     self_loops, directed, is_eff, stack, 1)
            q[k] = greedy_labels(m)[0] if keep.shape[0] > 1 else 0.0
            for w in range(n_words):
                memo_qkeys[s, w] = key[w]
            memo_q[s] = q[k]
            memo_qused[s] = True


@njit(cache=True)
def ka2005_circuit_stretch(pop, spare, rec, rec2, q, q2, dirty, dirty_q, memo_keys, memo_out, memo_set,
                           memo_used, memo_qkeys, memo_q, memo_qused, gen, end, seed,
                           sched_epoch, sched_map, targets, n_inputs, n_gates, in_masks, full, sweeps,
                           initial_state, n_rows, penalty, free_gates, cost_weight, modularity,
                           include_inputs, effective_only, self_loops, directed, elite, random_ties,
                           by_fitness, threshold, mutation_mode, probability, output_any,
                           needs_solved, readapt_epoch, watch_until, resume_at,
                           log_best, log_mean, log_solved, log_correct):
    """Run generations ``gen, gen+1, ...`` (assess + advance each) until ``end`` or an event.

    Returns ``(g, swapped)``: generations ``gen .. g-1`` were run; if ``g < end`` generation g
    was assessed, found to need the loop's bookkeeping (an event, see the module docstring)
    and left as it was (no draw made after seeding its stream); a call with ``resume_at = g``
    then runs it on without stopping there.  ``swapped``: the population and records now live
    in ``spare``, ``rec2``, ``q2``.  Per generation assessed, ``log_*[g - gen]`` hold the best
    and mean fitness, the number solved and the best correct count per goal.

    Examples
    --------
    Called through :meth:`replication.algorithms.Ka2005Algorithm.stretch`; five fused
    generations leave the same population as five steps of assess + advance:

    >>> from replication.protocol import load_protocol
    >>> from replication.genomes import genome_model
    >>> from replication.algorithms import make_algorithm
    >>> from replication.rng import seed_numba
    >>> p = load_protocol("original_protocol/ka2005_logic.toml", "fixed-g1",
    ...                   [("selection.population", 20), ("selection.elite", 4)])
    >>> model = genome_model(p)
    >>> seed_numba(3, "init"); pop0 = model.random(20)
    >>> fused = make_algorithm(p, model, ["G1"], seed=3); s1 = fused.initial(pop0.copy())
    >>> g, rows, event = fused.stretch(0, 5, s1, dict(needs_solved=[False], readapt_epoch=0, watch_until=0))
    >>> g
    5
    >>> step = make_algorithm(p, model, ["G1"], seed=3); s2 = step.initial(pop0.copy())
    >>> for t in range(5):
    ...     seed_numba(3, "generation", t); step.advance(step.assess(t, 0, s2), s2)
    >>> bool((s1["population"] == s2["population"]).all())
    True
    """
    n = pop.shape[0]
    n_goals = targets.shape[0]
    correct = np.zeros((n, n_goals), np.int64)
    fitness = np.empty(n, np.float64)
    swapped = False
    g = gen
    while g < end:
        np.random.seed(splitmix_seed(seed, g))
        _refresh(pop, rec, q, dirty, dirty_q, memo_keys, memo_out, memo_set, memo_used, memo_qkeys, memo_q,
                 memo_qused, n_inputs, n_gates,
                 in_masks, full, sweeps, initial_state, modularity, include_inputs, effective_only, self_loops,
                 directed)
        gi = sched_map[0] if sched_epoch == 0 else sched_map[(g // sched_epoch) % sched_map.shape[0]]
        n_solved = 0
        for k in range(n):
            o, s = rec[k, _OUT], rec[k, _SET]
            for t in range(n_goals):
                correct[k, t] = popcount64(~(o ^ targets[t]) & s & full)
            extra = np.int64(rec[k, _NEFF]) - free_gates
            if modularity:
                fitness[k] = q[k] - penalty * (extra if extra > 0 else 0)
            else:
                fitness[k] = correct[k, gi] / n_rows - (penalty * extra if extra > 0 else 0.0)
                if cost_weight != 0.0:
                    fitness[k] -= cost_weight * np.int32(rec[k, _CONN])
            measure = fitness[k] if by_fitness else correct[k, gi] / n_rows
            if measure >= threshold:
                n_solved += 1
        i = g - gen
        log_best[i] = fitness.max()
        log_mean[i] = numpy_mean(fitness)
        log_solved[i] = n_solved
        for t in range(n_goals):
            best = correct[0, t]
            for k in range(1, n):
                if correct[k, t] > best:
                    best = correct[k, t]
            log_correct[i, t] = best
        if g != resume_at:
            if n_solved > 0 and (needs_solved[gi] or g < watch_until):
                break
            if readapt_epoch > 0 and g % readapt_epoch == 0:
                break
        # advance: the same kernels, in the same order, as Ka2005Algorithm.advance
        parents, may_vary = select(fitness, elite, random_ties)
        n_fields = pop.shape[1]
        for k in range(n):
            p = parents[k]
            for f in range(n_fields):
                spare[k, f] = pop[p, f]
            for f in range(N_RECORD):
                rec2[k, f] = rec[p, f]
            q2[k] = q[p]
        if mutation_mode == 2:
            mutate_population_per_locus(spare, may_vary, probability, n_inputs, n_gates, output_any)
        else:
            mutate_population(spare, may_vary, probability, n_inputs, n_gates, output_any, mutation_mode == 1)
        for k in range(n):             # which copies changed in a way that can change their record
            if not may_vary[k]:
                continue
            p = parents[k]
            changed = False
            effective = False
            for f in range(pop.shape[1]):
                if spare[k, f] != pop[p, f]:
                    changed = True
                    if f >= 2 * n_gates or (rec2[k, _BITS] >> np.uint64(f // 2)) & np.uint64(1):
                        effective = True
                        break
            if effective:
                dirty[k] = True
            if modularity and (effective or (changed and not effective_only)):
                dirty_q[k] = True
        pop, spare = spare, pop
        rec, rec2 = rec2, rec
        q, q2 = q2, q
        swapped = not swapped
        g += 1
    return g, swapped


# --------------------------------------------------------------------------- one NSGA-II generation (2013)
#: the second objective of :func:`nsga2_generation_2013`: the structural costs are
#: :func:`replication.genomes.weighted_network.population_costs`' kinds 0-2
COST_NONE, COST_RANDOM, COST_HERITABLE = 3, 4, 5


@njit(cache=True)
def nsga2_generation_2013(pop, correct, cost, crowd, words, goal, n_rows, p, n_obj, cost_mode,
                          n_conn, n_nodes, weight_mut, bias_rate, bias_step, add_rate, del_rate, n_biases,
                          pair_start, pair_size, n_in,
                          src, dst, in_start, in_conn, weights, biases, inputs, want, flip, n_out, xs, ys,
                          all_pop, all_correct, all_cost, all_words, memo_keys, memo_costs):
    """One generation of the 2013 loop (:meth:`replication.algorithms.Nsga2Algorithm.assess`
    after the first) in one numba call, with the same draws in the same order and the same
    results: N parents by tournaments, N mutated children, their objectives, N survivors of
    the 2N by stochastic non-dominated sorting and crowding.

    ``pop``, ``correct``, ``cost``, ``crowd``: the current population and its values;
    ``words``: its simplified networks as bits (children whose simplified network or whole
    function is their parent's take the parent's cost or answers, see
    :func:`~replication.genomes.weighted_network.children_objectives_2013`); ``cost_mode``:
    0-2 a structural cost, :data:`COST_NONE` (PA), :data:`COST_RANDOM` (drawn afresh),
    :data:`COST_HERITABLE` (the parent's value + gaussian(0, 0.1), as the authors' code); the
    mutation and network arguments as :func:`~replication.genomes.weighted_network.mutate_2013`
    and ``children_objectives_2013`` take them; ``all_*``: work arrays for the 2N (reused
    from one generation to the next); ``memo_*``: the run's memo of costs by simplified network
    (:func:`~replication.genomes.weighted_network.new_cost_memo`).  Returns the survivors'
    population, correct answers, costs, crowding distances and words, and how many children
    were evaluated and costed.

    Examples
    --------
    >>> from replication.protocol import load_protocol
    >>> from replication.genomes import genome_model
    >>> from replication.rng import seed_numba
    >>> from replication.algorithms import make_algorithm
    >>> p = load_protocol("original_protocol/clune2013_retina.toml", "pcc", [("selection.population", 8)])
    >>> algo = make_algorithm(p, genome_model(p), ["AND"], seed=1)
    >>> seed_numba(1, "init"); state = algo.initial(algo.model.random(8))
    >>> seed_numba(1, "generation", 0); a = algo.assess(0, 0, state)    # ranks, then this kernel
    >>> a.population.shape, state["crowd"].shape
    ((8, 121), (8,))
    """
    n = pop.shape[0]
    f0 = correct[:, goal] / n_rows
    f1 = -cost
    parents = tournament_parents(f0, f1, crowd, p, n_obj)
    children = all_pop[n:]
    L = pop.shape[1]
    for k in range(n):                  # explicit loops: numba's row assignment is slow for short rows
        pk = parents[k]
        for f in range(L):
            children[k, f] = pop[pk, f]
    mutate_2013(children, n_conn, n_nodes, weight_mut, bias_rate, bias_step, add_rate, del_rate, n_biases,
                pair_start, pair_size, n_in)
    inherited = np.empty(0)
    if cost_mode == COST_HERITABLE:                  # drawn after the mutation, as the step-by-step loop
        gauss = np.random.standard_normal(n)
        inherited = np.empty(n)
        for k in range(n):
            inherited[k] = -cost[parents[k]] + 0.1 * gauss[k]
    n_eval, n_cost = children_objectives_2013(children, parents, pop, correct, cost, words, src, dst, in_start,
                                              in_conn, weights, biases, inputs, want, flip, n_out, xs, ys,
                                              cost_mode if cost_mode <= 2 else -1, all_correct[n:],
                                              all_cost[n:], all_words[n:], memo_keys, memo_costs)
    if cost_mode == COST_RANDOM:
        u = np.random.random(n)
        for k in range(n):
            all_cost[n + k] = -u[k]
    elif cost_mode == COST_HERITABLE:
        for k in range(n):
            all_cost[n + k] = -inherited[k]
    elif cost_mode == COST_NONE:
        for k in range(n):
            all_cost[n + k] = 0.0
    n_goals = correct.shape[1]
    n_words = words.shape[1]
    for k in range(n):
        for f in range(L):
            all_pop[k, f] = pop[k, f]
        for t in range(n_goals):
            all_correct[k, t] = correct[k, t]
        all_cost[k] = cost[k]
        for w in range(n_words):
            all_words[k, w] = words[k, w]
    keep, new_crowd = survivors(all_correct[:, goal] / n_rows, -all_cost, p, n_obj, n)
    new_pop = np.empty_like(pop)
    new_correct = np.empty_like(correct)
    new_cost = np.empty_like(cost)
    new_words = np.empty_like(words)
    for k in range(n):
        j = keep[k]
        for f in range(L):
            new_pop[k, f] = all_pop[j, f]
        for t in range(n_goals):
            new_correct[k, t] = all_correct[j, t]
        new_cost[k] = all_cost[j]
        for w in range(n_words):
            new_words[k, w] = all_words[j, w]
    return new_pop, new_correct, new_cost, new_crowd, new_words, n_eval, n_cost
