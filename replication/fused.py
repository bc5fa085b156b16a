"""Whole stretches of generations of the 2005 elite scheme (NAND circuits, retina threshold networks), inside numba.

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

The 2005 retina (:func:`ka2005_retina_stretch`) works the same way, with its own record: the
value of every neuron of every network, interned in a store of distinct values, so that a
varied network re-evaluates only the neurons whose gene was mutated or whose inputs changed
(a neuron's value is a function of its gene and inputs: this is exact), and the retina's
bookkeeping (the environment's draw, the other solved criterion, the latest solutions of an
MVG run) in the kernel, in the order :meth:`replication.algorithms.Ka2005Algorithm.assess`
has it.

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
from .genomes.threshold_network import (GENE, N_WORDS, SLOTS, _neuron_table, _neuron_word, crossover_networks,
                                        crossover_once, mutate_networks, per_genome_partners,
                                        recombine_children, sample_balanced_mask, sample_mask)
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
    touched = np.empty(n, np.int64)
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
            for k in range(n):         # which copies changed in a way that can change their record
                if not may_vary[k]:
                    continue
                p = parents[k]
                changed = False
                effective = False
                for f in range(n_fields):
                    if spare[k, f] != pop[p, f]:
                        changed = True
                        if f >= 2 * n_gates or (rec2[k, _BITS] >> np.uint64(f // 2)) & np.uint64(1):
                            effective = True
                            break
                if effective:
                    dirty[k] = True
                if modularity and (effective or (changed and not effective_only)):
                    dirty_q[k] = True
        else:                          # one field at most a genome: the kernel says which
            touched[:] = -1
            mutate_population(spare, may_vary, probability, n_inputs, n_gates, output_any, mutation_mode == 1,
                              1, touched)
            for k in range(n):
                f = touched[k]
                if f < 0:
                    continue
                effective = f >= 2 * n_gates or (rec2[k, _BITS] >> np.uint64(f // 2)) & np.uint64(1)
                if effective:
                    dirty[k] = True
                if modularity and (effective or not effective_only):
                    dirty_q[k] = True
        pop, spare = spare, pop
        rec, rec2 = rec2, rec
        q, q2 = q2, q
        swapped = not swapped
        g += 1
    return g, swapped


# ============================================================================ the 2005 retina
# The fused retina loop keeps, for every network, the value (256 bits) of every neuron, so that
# a varied network re-evaluates only the neurons its variation can change.  Values are
# *interned*: a store holds each distinct value once, and a network holds, per node (the 8
# pixels, then the neurons), the index of its value's entry.  Equal values have equal indices,
# so "did this input change?" is an integer comparison, a copied network copies 23 integers,
# and a population's few hundred distinct values stay in cache.  Each entry also caches its
# patterns right per goal and, for the generation being assessed, on the environment (an
# output value is shared by many networks).
#
# Helpers inlined into the loops take scalars only: an inlined helper that takes arrays costs
# two atomic reference-count operations per array and call, which here cost more than the work.

# record columns (int64) of a retina network: effective neurons, effective connections
_R_NEFF, _R_CONN = 0, 1
N_RETINA_RECORD = 2
# columns of a store entry's ``info`` (int64): patterns right per goal known, the generation whose
# environment ``right`` counts, then the patterns right per goal
_I_OK, _I_STAMP, _I_RIGHT, _I_CORRECT = 0, 1, 2, 3
# crossover modes of the retina (variation.crossover_mode)
CROSSOVER_MODES = {"pairs": 0, "one-per-generation": 1, "per-genome": 2}
# environments (retina.patterns): a constant mask ("all", "fixed"), a fresh sample, a balanced sample
ENVIRONMENTS = {"all": 0, "fixed": 0, "resample": 1, "balanced": 2}
#: the smallest hash table of the value store (entries; it grows with the values held)
MIN_TABLE_BITS = 10
#: values held before the first collection of unreferenced ones (then 3x the values still used)
MIN_COLLECT = 2048


def new_value_store(n_rows: int, n_nodes: int, n_goals: int) -> dict:
    """An empty store of interned neuron values for populations of ``n_rows`` networks of
    ``n_nodes`` nodes: ``values`` (entry -> 4 words: 32 bytes, half a cache line), ``alive``,
    ``info`` (see ``_I_*``), and a hash ``table`` (-1: empty) of which the first ``2**meta[1]``
    slots are in use.  Entries from ``meta[3]`` on were never used; below it, the free ones are
    a stack (``free``, ``meta[0]`` of them, the lowest on top).

    The capacity (a power of two, at least twice ``n_rows * n_nodes``) leaves room for every
    value a generation can make besides those its parents hold.  A population holds a few
    hundred distinct values; entries no network refers to any more are collected
    (:func:`_collect_values`) once ``meta[2]`` entries are in use (or too few are free), so
    that the entries in use, and the hash table (sized for at most half full until the next
    collection), stay small enough to be in cache, and collecting costs little.

    Examples
    --------
    >>> st = new_value_store(600, 23, 2)
    >>> st["values"].shape, st["info"].shape, st["table"].shape, st["meta"].tolist()
    ((32768, 4), (32768, 5), (65536,), [0, 12, 2048, 0])
    """
    cap = 1
    while cap < 2 * n_rows * n_nodes + 64:
        cap *= 2
    info = np.zeros((cap, _I_CORRECT + n_goals), np.int64)
    info[:, _I_STAMP] = -1
    return dict(values=np.zeros((cap, N_WORDS), np.uint64), alive=np.zeros(cap, np.bool_), info=info,
                table=np.full(2 * cap, -1, np.int32), free=np.zeros(cap, np.int32),
                meta=np.array([0, _table_bits(MIN_COLLECT, 2 * cap), MIN_COLLECT, 0], np.int64))


def _table_bits(entries: int, most: int) -> int:
    """log2 of the hash table for up to ``entries`` entries (at most half full), at most ``most``."""
    bits = MIN_TABLE_BITS
    while (1 << bits) < 2 * entries and (2 << bits) <= most:
        bits += 1
    return bits


@njit(cache=True, inline="always")
def _hash4(w0, w1, w2, w3):
    """A 64-bit hash of a value (independent multiplies, then a mix that moves high bits down)."""
    h = (w0 * np.uint64(0x9E3779B97F4A7C15) + w1 * np.uint64(0xBF58476D1CE4E5B9)
         + w2 * np.uint64(0x94D049BB133111EB) + w3 * np.uint64(0xD1B54A32D192ED03))
    return h ^ (h >> np.uint64(32))


@njit(cache=True)
def _rehash(values, alive, table, bits, top):
    """Rebuild the first ``2**bits`` slots of the hash table from the entries in use (below ``top``)."""
    size = 1 << bits
    for pos in range(size):
        table[pos] = -1
    for e in range(top):
        if alive[e]:
            pos = np.int64(_hash4(values[e, 0], values[e, 1], values[e, 2], values[e, 3]) & np.uint64(size - 1))
            while table[pos] >= 0:
                pos = (pos + 1) & (size - 1)
            table[pos] = e


@njit(cache=True)
def _store_new(w0, w1, w2, w3, h, pos, values, alive, info, table, free, meta):
    """A new entry for the value (w0, w1, w2, w3), at the empty table slot ``pos`` (h: its hash)."""
    if meta[0] > 0:
        meta[0] -= 1
        e = free[meta[0]]
    else:
        e = meta[3]
        meta[3] += 1
    values[e, 0], values[e, 1], values[e, 2], values[e, 3] = w0, w1, w2, w3
    alive[e] = True
    info[e, _I_OK] = 0
    info[e, _I_STAMP] = -1
    table[pos] = e
    size = 1 << meta[1]
    if 2 * (meta[3] - meta[0]) > size and 2 * size <= table.shape[0]:   # keep it at most half full
        meta[1] += 1
        _rehash(values, alive, table, meta[1], meta[3])
    return e


@njit(cache=True)
def _intern(w0, w1, w2, w3, values, alive, info, table, free, meta):
    """The entry of the value (w0, w1, w2, w3), made if new (linear probing).  (The loop of
    :func:`_update_varied` has this look-up written out: a call passes every array.)"""
    h = _hash4(w0, w1, w2, w3)
    size = 1 << meta[1]
    pos = np.int64(h & np.uint64(size - 1))
    e = table[pos]
    while e >= 0:
        if values[e, 0] == w0 and values[e, 1] == w1 and values[e, 2] == w2 and values[e, 3] == w3:
            return e
        pos = (pos + 1) & (size - 1)
        e = table[pos]
    return _store_new(w0, w1, w2, w3, h, pos, values, alive, info, table, free, meta)


@njit(cache=True)
def _collect_values(nptr, values, alive, table, free, meta):
    """Free every entry no network of ``nptr`` refers to; the hash table shrinks to fit."""
    top = meta[3]
    for e in range(top):
        alive[e] = False
    for k in range(nptr.shape[0]):
        for j in range(nptr.shape[1]):
            alive[nptr[k, j]] = True
    while top > 0 and not alive[top - 1]:
        top -= 1
    n_free = 0
    for e in range(top - 1, -1, -1):                # the lowest free entry goes first
        if not alive[e]:
            free[n_free] = e
            n_free += 1
    meta[0] = n_free
    meta[3] = top
    used = top - n_free
    meta[2] = max(MIN_COLLECT, 3 * used)
    bits = MIN_TABLE_BITS
    while (1 << bits) < 2 * meta[2] and (2 << bits) <= table.shape[0]:
        bits += 1
    meta[1] = bits
    _rehash(values, alive, table, bits, top)


@njit(cache=True)
def _source_base(layer_start, neuron_layer, n_in):
    """Column of ``nptr`` where the sources of each neuron start (its previous layer's first node)."""
    base = np.empty(neuron_layer.shape[0], np.int64)
    for j in range(neuron_layer.shape[0]):
        lay = neuron_layer[j]
        base[j] = 0 if lay == 0 else n_in + layer_start[lay - 1]
    return base


@njit(cache=True, inline="always")
def _slot(src, first):
    """Column and keep-mask of an input slot: its source's column, or (an empty slot, src = -1)
    any valid column with a mask of 0 (an absent input is constant 0)."""
    return first + (src if src > 0 else 0), np.uint64(0) - np.uint64(src >= 0)


@njit(cache=True)
def _network_record(genomes, k, layer_start, neuron_layer, rec, row):
    """``rec[row]`` <- effective neurons and effective connections (distinct sources of each
    effective neuron: the edges :meth:`ThresholdNetworkModel.edges` lists) of the integer-encoded
    network ``genomes[k]``, as bit masks: a neuron's sources have lower numbers, so one pass
    from the output down finds every neuron with a path to it (the set
    :func:`threshold_network._effective` marks)."""
    n_neurons = neuron_layer.shape[0]
    eff = 1 << (n_neurons - 1)
    count = 0
    conn = 0
    for j in range(n_neurons - 1, -1, -1):
        if not (eff >> j) & 1:
            continue
        count += 1
        bits = 0
        for s in range(SLOTS):
            src = genomes[k, j * GENE + 2 * s]
            if src >= 0:
                bits |= 1 << src
        conn += popcount64(np.uint64(bits))
        lay = neuron_layer[j]
        if lay > 0:
            eff |= bits << layer_start[lay - 1]
    rec[row, _R_NEFF] = count
    rec[row, _R_CONN] = conn


@njit(cache=True)
def retina_records(pop, nptr, rec, values, alive, info, table, free, meta, pixels, layer_start, neuron_layer, at_least):
    """The fused retina loop's record of a population: the entry (in an empty store,
    :func:`new_value_store`) of the value of every node of every network, the 8 pixels first,
    then the neurons (``nptr``), and per network its effective neurons and effective
    connections (``rec``).

    Examples
    --------
    >>> from replication.protocol import load_protocol
    >>> from replication.genomes import genome_model
    >>> from replication.genomes.threshold_network import neuron_values
    >>> from replication.rng import seed_numba
    >>> p = load_protocol("original_protocol/ka2005_retina.toml", "mvg")
    >>> m = genome_model(p); seed_numba(1, "init"); pop = m.random(30)
    >>> st = new_value_store(30, 23, 2)
    >>> nptr, rec = np.zeros((30, 23), np.int32), np.zeros((30, 2), np.int64)
    >>> retina_records(pop, nptr, rec, **st, pixels=m.pixels, layer_start=m.layer_start,
    ...                neuron_layer=m.neuron_layer, at_least=True)
    >>> v = neuron_values(pop, m.pixels, m.layer_start, m.neuron_layer, True)
    >>> bool((st["values"][nptr[:, 8:], :4] == v).all())   # every neuron's value, through its entry
    True
    >>> bool((rec[:, 0] == m.evaluate(pop, m.targets(["L & R"])).n_effective).all())
    True
    >>> len(np.unique(nptr)) < nptr.size                   # equal values share an entry
    True
    """
    n_in = pixels.shape[0]
    first = _source_base(layer_start, neuron_layer, n_in)
    for k in range(pop.shape[0]):
        for i in range(n_in):
            nptr[k, i] = _intern(pixels[i, 0], pixels[i, 1], pixels[i, 2], pixels[i, 3], values, alive, info,
                                 table, free, meta)
        for j in range(neuron_layer.shape[0]):
            w0, w1, w2, w3 = _eval_through(pop, k, j, first[j], at_least, values, nptr, k)
            nptr[k, n_in + j] = _intern(w0, w1, w2, w3, values, alive, info, table, free, meta)
        _network_record(pop, k, layer_start, neuron_layer, rec, k)


@njit(cache=True)
def _eval_through(genomes, k, j, first, at_least, values, nptr, row):
    """Neuron j's value (4 words) in network ``genomes[k]``, its inputs read through the
    entries ``nptr[row]`` (columns ``first + source``): the neuron function of
    :mod:`..genomes.threshold_network` (:func:`_neuron_table`, :func:`_neuron_word`)."""
    base = j * GENE
    m0, m2, m4, m6, d0, d1, d2, d3 = _neuron_table(genomes[k, base + 1], genomes[k, base + 3],
                                                   genomes[k, base + 5], genomes[k, base + 6], at_least)
    ca, ka = _slot(genomes[k, base], first)
    cb, kb = _slot(genomes[k, base + 2], first)
    cc, kc = _slot(genomes[k, base + 4], first)
    ea, eb, ec = nptr[row, ca], nptr[row, cb], nptr[row, cc]
    return (_neuron_word(values[ea, 0] & ka, values[eb, 0] & kb, values[ec, 0] & kc, m0, m2, m4, m6, d0, d1, d2, d3),
            _neuron_word(values[ea, 1] & ka, values[eb, 1] & kb, values[ec, 1] & kc, m0, m2, m4, m6, d0, d1, d2, d3),
            _neuron_word(values[ea, 2] & ka, values[eb, 2] & kb, values[ec, 2] & kc, m0, m2, m4, m6, d0, d1, d2, d3),
            _neuron_word(values[ea, 3] & ka, values[eb, 3] & kb, values[ec, 3] & kc, m0, m2, m4, m6, d0, d1, d2, d3))


@njit(cache=True)
def _update_varied(parents, partner, taken, touched, nptr, nptr2, rec2, spare, values, alive, info, table, free,
                   meta, first_col, layer_start, neuron_layer, at_least):
    """The records of the varied rows of the new generation (``spare``, ``nptr2``, ``rec2``,
    which start as copies of their parents').

    A neuron's value is a function of its gene and its inputs only, so each neuron of a varied
    network keeps the entry it has in the network its gene came from (the parent, or for the
    genes of mask ``taken[k]`` the crossover partner ``partner[k]``) unless its gene was
    mutated or one of its inputs differs from that network's: only such neurons are evaluated
    again (this is exact).  The effective set and connections change only with a source.

    The neuron evaluation (:func:`_eval_through`), the look-up in the store (:func:`_intern`)
    and the wiring (:func:`_network_record`) are written out here: this is the hot loop (about
    half of a generation's time), and a call to a helper, inlined or not, costs more than the
    work (the arrays passed on are reference-counted, with atomic operations)."""
    n = parents.shape[0]
    n_neurons = neuron_layer.shape[0]
    n_in = nptr.shape[1] - n_neurons
    for k in range(n):
        t = taken[k]
        if t == 0 and touched[k] < 0:
            continue
        p = parents[k]
        r = parents[partner[k]] if partner[k] >= 0 else p
        mutated = touched[k] // GENE if touched[k] >= 0 else -1
        # neurons before the first changed gene keep the parent's entries
        first = mutated if mutated >= 0 else n_neurons
        cross = t != 0 and r != p      # (two copies of one network exchange identical genes)
        if cross:
            bits = t
            while bits:                # the genes taken from the partner, lowest first
                j = popcount64((bits & (np.uint64(0) - bits)) - np.uint64(1))
                bits &= bits - np.uint64(1)
                nptr2[k, n_in + j] = nptr[r, n_in + j]
                if j < first:
                    first = j
        for j in range(first, n_neurons):
            orow = r if cross and (t >> np.uint64(j)) & np.uint64(1) else p
            base = j * GENE
            c0 = first_col[j]
            ca, ka = _slot(spare[k, base], c0)
            cb, kb = _slot(spare[k, base + 2], c0)
            cc, kc = _slot(spare[k, base + 4], c0)
            # does an input differ from that of the network the gene came from?  (a layer-1 neuron's
            # inputs are pixels, never different)
            if not (j == mutated or ((nptr2[k, ca] != nptr[orow, ca]) and ka)
                    or ((nptr2[k, cb] != nptr[orow, cb]) and kb) or ((nptr2[k, cc] != nptr[orow, cc]) and kc)):
                continue
            # the neuron's value (as _eval_through)
            m0, m2, m4, m6, d0, d1, d2, d3 = _neuron_table(spare[k, base + 1], spare[k, base + 3],
                                                           spare[k, base + 5], spare[k, base + 6], at_least)
            ea, eb, ec = nptr2[k, ca], nptr2[k, cb], nptr2[k, cc]
            w0 = _neuron_word(values[ea, 0] & ka, values[eb, 0] & kb, values[ec, 0] & kc, m0, m2, m4, m6, d0, d1, d2, d3)
            w1 = _neuron_word(values[ea, 1] & ka, values[eb, 1] & kb, values[ec, 1] & kc, m0, m2, m4, m6, d0, d1, d2, d3)
            w2 = _neuron_word(values[ea, 2] & ka, values[eb, 2] & kb, values[ec, 2] & kc, m0, m2, m4, m6, d0, d1, d2, d3)
            w3 = _neuron_word(values[ea, 3] & ka, values[eb, 3] & kb, values[ec, 3] & kc, m0, m2, m4, m6, d0, d1, d2, d3)
            o = nptr2[k, n_in + j]         # the value in the network the gene came from
            if values[o, 0] == w0 and values[o, 1] == w1 and values[o, 2] == w2 and values[o, 3] == w3:
                if not cross and j == mutated:
                    break                  # a silent mutation: nothing else can change
                continue
            # its entry (as _intern)
            h = _hash4(w0, w1, w2, w3)
            size = 1 << meta[1]
            pos = np.int64(h & np.uint64(size - 1))
            e = table[pos]
            while e >= 0:
                if values[e, 0] == w0 and values[e, 1] == w1 and values[e, 2] == w2 and values[e, 3] == w3:
                    break
                pos = (pos + 1) & (size - 1)
                e = table[pos]
            if e < 0:
                e = _store_new(w0, w1, w2, w3, h, pos, values, alive, info, table, free, meta)
            nptr2[k, n_in + j] = e
        # the wiring (effective set, connections) changes only with a source (as _network_record)
        field = touched[k] % GENE if touched[k] >= 0 else -1
        if cross or (0 <= field < 2 * SLOTS and field % 2 == 0):
            _network_record(spare, k, layer_start, neuron_layer, rec2, k)


@njit(cache=True)
def ka2005_retina_stretch(pop, spare, nptr, nptr2, rec, rec2, values, alive, info, table, free, meta, gen, end,
                          seed, sched_epoch, sched_map, targets, layer_start, neuron_layer, prev_sizes, fanin,
                          tmin, tmax, at_least,
                          env_mode, env_mask, n_patterns, classes, penalty, free_neurons, cost_weight, elite,
                          random_ties, by_fitness, threshold, solved_on_env, track_other, other_solved_at,
                          track_solutions, solutions, solution_at, pm, pc, crossover_mode, uniform,
                          needs_solved, readapt_epoch, watch_until, resume_at,
                          log_best, log_mean, log_solved, log_correct):
    """Run generations ``gen, gen+1, ...`` of the 2005 retina (assess + advance each) until
    ``end`` or an event, as :func:`ka2005_circuit_stretch` does for the circuits.

    The population's evaluation record: ``nptr[k, i]`` is the entry, in the value store
    (:func:`new_value_store`), of the value of node i of network k (the 8 pixels, then the
    neurons: :func:`retina_records`), ``rec[k]`` its effective neurons and connections.  A
    varied network re-evaluates only the neurons whose gene was mutated or whose inputs changed
    (:func:`_update_varied`).  Per generation, as
    :meth:`replication.algorithms.Ka2005Algorithm.assess` and ``advance`` with the genome model
    :class:`replication.genomes.threshold_network.ThresholdNetworkModel` (integer encoding):
    the environment's draw, fitness, the solved criterion (and the other criterion's first
    solutions, ``other_solved_at``), the latest solution of the goal (``solutions``,
    ``solution_at``), the log values, then selection, crossover, mutation: the same kernels in
    the same order.  Returns ``(g, swapped)`` as :func:`ka2005_circuit_stretch` (``swapped``:
    the population, entries and records now live in ``spare``, ``nptr2``, ``rec2``).

    Examples
    --------
    Called through :meth:`replication.algorithms.Ka2005Algorithm.stretch`; five fused
    generations leave the same population as five steps of assess + advance:

    >>> from replication.protocol import load_protocol
    >>> from replication.genomes import genome_model
    >>> from replication.algorithms import make_algorithm
    >>> from replication.rng import seed_numba
    >>> p = load_protocol("original_protocol/ka2005_retina.toml", "mvg",
    ...                   [("selection.population", 20), ("selection.elite", 5)])
    >>> model = genome_model(p)
    >>> seed_numba(3, "init"); pop0 = model.random(20)
    >>> watch = dict(needs_solved=[False, False], readapt_epoch=0, watch_until=0)
    >>> fused = make_algorithm(p, model, ["AND", "OR"], seed=3); s1 = fused.initial(pop0.copy())
    >>> g, rows, event = fused.stretch(0, 5, s1, watch)
    >>> g, len(rows)
    (5, 5)
    >>> step = make_algorithm(p, model, ["AND", "OR"], seed=3); s2 = step.initial(pop0.copy())
    >>> for t in range(5):
    ...     seed_numba(3, "generation", t); step.advance(step.assess(t, 0, s2), s2)
    >>> bool((s1["population"] == s2["population"]).all())
    True
    """
    n = pop.shape[0]
    n_fields = pop.shape[1]
    n_neurons = neuron_layer.shape[0]
    n_nodes = nptr.shape[1]
    n_goals = targets.shape[0]
    last = n_nodes - 1
    first_col = _source_base(layer_start, neuron_layer, n_nodes - n_neurons)
    fitness = np.empty(n, np.float64)
    solved = np.zeros(n, np.bool_)
    partner = np.empty(n, np.int64)
    taken = np.empty(n, np.uint64)
    touched = np.empty(n, np.int64)
    swapped = False
    g = gen
    while g < end:
        np.random.seed(splitmix_seed(seed, g))
        gi = sched_map[0] if sched_epoch == 0 else sched_map[(g // sched_epoch) % sched_map.shape[0]]
        # assess: ThresholdNetworkModel.fitness draws the environment first
        if env_mode == 1:
            env = sample_mask(n_patterns)
        elif env_mode == 2:
            env = sample_balanced_mask(n_patterns, classes)
        else:
            env = env_mask
        n_env = 0
        for w in range(N_WORDS):
            n_env += popcount64(env[w])
        n_solved = 0
        any_other = False
        i = g - gen
        for t in range(n_goals):
            log_correct[i, t] = 0
        for k in range(n):
            e = nptr[k, last]
            if info[e, _I_STAMP] != g:     # the generation's environment (and goal) is a function of g
                c = 0
                for w in range(N_WORDS):
                    c += popcount64(~(values[e, w] ^ targets[gi, w]) & env[w])
                info[e, _I_RIGHT] = c
                info[e, _I_STAMP] = g
            if not info[e, _I_OK]:         # patterns right per goal, once per output value
                for t in range(n_goals):
                    c = 0
                    for w in range(N_WORDS):
                        c += popcount64(~(values[e, w] ^ targets[t, w]))
                    info[e, _I_CORRECT + t] = c
                info[e, _I_OK] = 1
            for t in range(n_goals):       # the log's best patterns right per goal
                if info[e, _I_CORRECT + t] > log_correct[i, t]:
                    log_correct[i, t] = info[e, _I_CORRECT + t]
            on_env = info[e, _I_RIGHT] / n_env
            extra = rec[k, _R_NEFF] - free_neurons
            fitness[k] = on_env - penalty * (extra if extra > 0 else 0)
            if cost_weight != 0.0:
                fitness[k] -= cost_weight * rec[k, _R_CONN]
            on_all = info[e, _I_CORRECT + gi] / 256
            if by_fitness:
                measure = fitness[k]
            elif solved_on_env:
                measure = on_env
                any_other |= on_all >= threshold
            else:
                measure = on_all
                any_other |= on_env >= threshold
            solved[k] = measure >= threshold
            if solved[k]:
                n_solved += 1
        if track_other and other_solved_at[gi] < 0 and any_other:
            other_solved_at[gi] = g
        if track_solutions and n_solved > 0:
            best = -1
            for k in range(n):         # argmax of the fitness of the solved: the first on ties
                if solved[k] and (best < 0 or fitness[k] > fitness[best]):
                    best = k
            for f in range(n_fields):
                solutions[gi, f] = pop[best, f]
            solution_at[gi] = g
        log_best[i] = fitness.max()
        log_mean[i] = numpy_mean(fitness)
        log_solved[i] = n_solved
        if g != resume_at:
            if n_solved > 0 and (needs_solved[gi] or g < watch_until):
                break
            if readapt_epoch > 0 and g % readapt_epoch == 0:
                break
        # advance: the kernels of Ka2005Algorithm.advance and ThresholdNetworkModel.vary, in order
        in_use = meta[3] - meta[0]
        if values.shape[0] - in_use < n * n_nodes or in_use > meta[2]:
            # room for every value this generation can make, and the values in use kept few
            _collect_values(nptr, values, alive, table, free, meta)
        parents, may_vary = select(fitness, elite, random_ties)
        for k in range(n):
            p = parents[k]
            for f in range(n_fields):
                spare[k, f] = pop[p, f]
            for j in range(n_nodes):
                nptr2[k, j] = nptr[p, j]
            for f in range(N_RETINA_RECORD):
                rec2[k, f] = rec[p, f]
            partner[k] = -1
            taken[k] = 0
            touched[k] = -1
        if pc > 0:
            if crossover_mode == 0:
                crossover_networks(spare, may_vary, pc, uniform, partner, taken)
            elif crossover_mode == 1:
                crossover_once(spare, may_vary, pc, uniform, partner, taken)
            else:
                mates = per_genome_partners(may_vary, pc)
                recombine_children(spare, spare[np.maximum(mates, 0)], mates >= 0, uniform, taken)
                for k in range(n):
                    partner[k] = mates[k]
        mutate_networks(spare, may_vary, pm, prev_sizes, neuron_layer, fanin, tmin, tmax, touched)
        _update_varied(parents, partner, taken, touched, nptr, nptr2, rec2, spare, values, alive, info, table, free,
                       meta, first_col, layer_start, neuron_layer, at_least)
        pop, spare = spare, pop
        nptr, nptr2 = nptr2, nptr
        rec, rec2 = rec2, rec
        swapped = not swapped
        g += 1
    return g, swapped


# --------------------------------------------------------------------------- one NSGA-II generation (2013)
#: the second objective of :func:`nsga2_generation_2013`: the structural costs are
#: :func:`replication.genomes.weighted_network.population_costs`' kinds 0-2
COST_NONE, COST_RANDOM, COST_HERITABLE = 3, 4, 5


@njit(cache=True)
def nsga2_generation_2013(pop, correct, cost, crowd, words, goal, n_rows, p, n_obj, ties, cost_mode,
                          n_conn, n_nodes, weight_mut, bias_rate, bias_step, add_rate, del_rate, n_biases,
                          pair_start, pair_size, n_in,
                          src, dst, in_start, in_conn, weights, biases, inputs, want, flip, n_out, xs, ys,
                          all_pop, all_correct, all_cost, all_words, memo_keys, memo_costs):
    """One generation of the 2013 loop (:meth:`replication.algorithms.Nsga2Algorithm.assess`
    after the first) in one numba call, with the same draws in the same order and the same
    results: N parents by tournaments, N mutated children, their objectives, N survivors of
    the 2N by stochastic non-dominated sorting and crowding (``ties``: the crowding sorts'
    order among equals, :data:`replication.selection.nsga2.CROWDING_TIES`).

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
    keep, new_crowd = survivors(all_correct[:, goal] / n_rows, -all_cost, p, n_obj, n, ties)
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
