"""NAND-gate circuits (Kashtan & Alon 2005): genome, bit-parallel evaluation, mutation.

Genome
------
A circuit has ``n_inputs`` inputs and ``n_gates`` two-input NAND gates.  Nodes are
addressed ``0 .. n_inputs-1`` (inputs) and ``n_inputs .. n_inputs+n_gates-1`` (gates);
with 4 inputs and 12 gates an address is exactly 4 bits.  A genome is a row of
``2*n_gates + 1`` small integers: the two source addresses of each gate, then the
address of the node that drives the circuit output.  Any gate may read any node,
itself included, so feedback and self-loops are possible.  A population is a 2-D
``int16`` array, one genome per row.

Several outputs (Kashtan & Alon 2005, Fig. 4): the genome ends with one output gene per
output (``2*n_gates + n_outputs`` fields); the protocol's goals then have one expression per
output and a circuit is scored on the (row, output) pairs it gets right.

The binary genome (KA05 "binary genome"; PKA08 B = 104 bits for 12 gates) is the
concatenation of the address fields, each ``address_bits(n_nodes)`` bits wide (4 bits for
4 inputs + 12 gates, 5 bits for 6 inputs + 26 gates): address ``a < n_inputs`` is input
``a``, address ``a >= n_inputs`` is gate ``a - n_inputs + 1`` (:func:`genome_to_bits`).
The population stores the decoded addresses; bit-flip operators act on their bits.

Mutation (``variation.mutation_operator``)
------------------------------------------
``redraw``
    with Pm per genome, one address field is re-drawn among the other addresses;
``bitflip``
    with Pm per genome, one of the B bits is flipped (KA05: "a random change in one of
    the connections", read on the binary genome);
``bitflip-locus``
    each of the B bits flips independently with Pm / B (Parter, Kashtan & Alon 2008).

Evaluation
----------
All ``2**n_inputs`` input rows are evaluated at once: a node's value is a 64-bit mask
with bit ``r`` = its value on row ``r``, and a NAND over all rows is ``~(a & b)``.
Gates are updated *synchronously* from ``initial_state``, for at most
``feedback_sweeps`` sweeps (stopping early at a fixed point).  A feed-forward circuit
reaches its combinational value after (depth) sweeps.  A row counts as *settled* when
the gates with a path to the output are at a fixed point on that row (one more sweep
would not change them); an unsettled (oscillating) row counts as wrong.

``circuit.feedback_rule = "ternary"`` (the kernels' ``initial_state`` = :data:`TERNARY`)
evaluates instead in Kleene's three-valued logic from all gates *unknown*: NAND(a, b) is 1
when an input is 0, 0 when both are 1, unknown otherwise; iterated to its least fixed point,
a row counts when the output is known there (the rule of re-implementations that evaluate
loops as 0/1/X, X wrong).  Feed-forward circuits give the same values under both rules; a
loop counts under ``ternary`` only where a controlling input (a 0) decides it, whatever the
gates held before.

Effective gates are the gates with a directed path to an output (the output nodes
included); the size penalty counts them.

Examples
--------
>>> g = genome_from_gates([(0, 1), (0, 2), (1, 2), (3, 4)], [5, 2], n_inputs=2)   # X XOR Y, X NAND Y
>>> out, ok, n_eff = evaluate_population_multi(g[None, :], 2, 12, 2, np.array([0b1100, 0b1010], np.uint64),
...                                            np.uint64(0b1111), 12, 0)
>>> [bin(int(v)) for v in out[0]], int(n_eff[0])
(['0b110', '0b111'], 4)
"""
from __future__ import annotations

import numpy as np
from numba import njit

from ..modularity import compact_matrix, greedy_labels
from ..rng import mt_begin, mt_below, mt_chance, mt_end, mt_random
from .base import Evaluation

GENE_DTYPE = np.int16

#: ``initial_state`` code of the three-valued rule (``circuit.feedback_rule = "ternary"``).
TERNARY = 2


# --------------------------------------------------------------------------- helpers
@njit(cache=True, inline="always")
def popcount64(x):
    """Number of set bits of a 64-bit word (SWAR bit count; counts right rows of a truth table).

    Examples
    --------
    >>> int(popcount64(np.uint64(0b1011))), int(popcount64(~np.uint64(0)))
    (3, 64)
    """
    x = np.uint64(x)
    x = x - ((x >> np.uint64(1)) & np.uint64(0x5555555555555555))
    x = (x & np.uint64(0x3333333333333333)) + ((x >> np.uint64(2)) & np.uint64(0x3333333333333333))
    x = (x + (x >> np.uint64(4))) & np.uint64(0x0F0F0F0F0F0F0F0F)
    return (x * np.uint64(0x0101010101010101)) >> np.uint64(56)


@njit(cache=True)
def _effective_mask(genome, n_inputs, n_gates, is_effective, stack, n_outputs=1, only_output=-1):
    """Mark gates with a directed path to an output; returns how many there are.

    The output genes are the last ``n_outputs`` fields; ``only_output >= 0`` marks the
    ancestors of that output alone."""
    for g in range(n_gates):
        is_effective[g] = False
    count = 0
    top = 0
    for o in range(n_outputs):
        if only_output >= 0 and o != only_output:
            continue
        out = genome[2 * n_gates + o]
        if out >= n_inputs and not is_effective[out - n_inputs]:
            is_effective[out - n_inputs] = True
            count += 1
            stack[top] = out - n_inputs
            top += 1
    while top > 0:
        top -= 1
        g = stack[top]
        for j in range(2):
            src = genome[2 * g + j]
            if src >= n_inputs:
                h = src - n_inputs
                if not is_effective[h]:
                    is_effective[h] = True
                    count += 1
                    stack[top] = h
                    top += 1
    return count


# --------------------------------------------------------------------------- evaluation
@njit(cache=True)
def _topological_order(genome, n_inputs, is_effective, n_gates, order, mark, stack):
    """Effective gates in dependency order; returns their count, or -1 if they contain a cycle.

    Iterative depth-first search; ``mark``: 0 new, 1 on the stack, 2 done.
    """
    for g in range(n_gates):
        mark[g] = 0
    n = 0
    for root in range(n_gates):
        if not is_effective[root] or mark[root] != 0:
            continue
        top = 0
        stack[0] = root
        top = 1
        mark[root] = 1
        while top > 0:
            g = stack[top - 1]
            pushed = False
            for j in range(2):
                src = genome[2 * g + j]
                if src >= n_inputs:
                    h = src - n_inputs
                    if mark[h] == 1:
                        return -1
                    if mark[h] == 0:
                        mark[h] = 1
                        stack[top] = h
                        top += 1
                        pushed = True
                        break
            if not pushed:
                mark[g] = 2
                order[n] = g
                n += 1
                top -= 1
    return n


@njit(cache=True)
def evaluate_population(genomes, n_inputs, n_gates, in_masks, full, sweeps, initial_state):
    """Output truth table, settled-row mask and effective-gate count of every genome.

    Only effective gates are simulated: they alone reach the output, and their
    predecessors are effective too, so their dynamics do not depend on the others.
    When they form no cycle and are at most ``sweeps`` in number, the synchronous
    update reaches the combinational value within ``sweeps`` sweeps whatever the start,
    so one pass in dependency order gives exactly the same result.

    The circuits of Kashtan & Alon (2005), all ``2**n_inputs`` rows at once (one bit per
    row); see the module docstring for the update and settling rules.  ``in_masks``: the
    inputs' truth tables (:func:`replication.tasks.input_masks`); ``full``: all rows;
    ``sweeps``: the most synchronous sweeps; ``initial_state``: 0 or 1, the gates' start,
    or :data:`TERNARY` (the three-valued rule of the module docstring).

    Returns
    -------
    outputs, settled : ndarray of uint64, shape (pop,)
        The output's truth table, and the rows on which it settled.
    n_effective : ndarray of int32
        Gates with a path to the output.

    Examples
    --------
    >>> from replication.tasks import input_masks, full_mask
    >>> masks, full = np.array(input_masks(4), np.uint64), np.uint64(full_mask(4))
    >>> xor = genome_from_gates([(0, 1), (0, 4), (1, 4), (5, 6)], 7)     # X XOR Y, 4 gates
    >>> ring = genome_from_gates([(4, 4)], 4)          # a gate inverting itself: oscillates
    >>> out, settled, n_eff = evaluate_population(np.stack([xor, ring]), 4, 12, masks, full, 12, 0)
    >>> int(out[0]) == int(masks[0] ^ masks[1]), hex(int(settled[0])), hex(int(settled[1]))
    (True, '0xffff', '0x0')
    >>> n_eff.tolist()
    [4, 1]
    """
    pop = genomes.shape[0]
    outputs = np.zeros(pop, np.uint64)
    settled = np.zeros(pop, np.uint64)
    n_effective = np.zeros(pop, np.int32)
    eff_bits = np.zeros(pop, np.uint64)
    rows = np.ones(pop, np.bool_)
    evaluate_rows(genomes, rows, n_inputs, n_gates, in_masks, full, sweeps, initial_state,
                  outputs, settled, n_effective, eff_bits)
    return outputs, settled, n_effective


@njit(cache=True)
def _ternary_fixpoint(genome, n_inputs, n_gates, is_eff, one, zero):
    """Kleene three-valued evaluation of the effective gates, in place: ``one`` / ``zero``
    hold per node the rows where it is known to be 1 / 0 (inputs set by the caller); the
    gates start unknown and are updated until none changes (the least fixed point: the
    update only ever adds knowledge, so the order of updates does not matter).

    Examples
    --------
    A latch, gate 1 = X NAND gate 2, gate 2 = gate 1 NAND Y, on the rows (X, Y) = 00, 01, 10, 11
    (bit r = row r): gate 1 is known except where X = Y = 1, where the latch would hold any value.

    >>> latch = genome_from_gates([(0, 5), (4, 1)], 4)
    >>> is_eff = np.zeros(12, np.bool_); is_eff[:2] = True
    >>> one, zero = np.zeros(16, np.uint64), np.zeros(16, np.uint64)
    >>> one[:2] = [0b1100, 0b1010]; zero[:2] = [0b0011, 0b0101]
    >>> _ternary_fixpoint(latch, 4, 12, is_eff, one, zero)
    >>> bin(int(one[4])), bin(int(zero[4]))                # 1 on rows 0, 1; 0 on row 2; row 3 unknown
    ('0b11', '0b100')
    """
    for g in range(n_gates):
        if is_eff[g]:
            one[n_inputs + g] = 0
            zero[n_inputs + g] = 0
    changed = True
    while changed:
        changed = False
        for g in range(n_gates):
            if is_eff[g]:
                a, b, node = genome[2 * g], genome[2 * g + 1], n_inputs + g
                o = zero[a] | zero[b]
                z = one[a] & one[b]
                if o != one[node] or z != zero[node]:
                    one[node] = o
                    zero[node] = z
                    changed = True


@njit(cache=True)
def evaluate_rows(genomes, rows, n_inputs, n_gates, in_masks, full, sweeps, initial_state,
                  outputs, settled, n_effective, eff_bits):
    """:func:`evaluate_population` of the genomes where ``rows`` is true, written in place
    into ``outputs``, ``settled``, ``n_effective`` and ``eff_bits`` (bit ``g`` set when gate
    ``g`` is effective; ``n_gates`` <= 64).  A genome's record depends on its own genome only,
    so evaluating a subset gives the same records as evaluating everyone (evaluation caching:
    a mutation of a non-effective gate's inputs leaves the record as it was).

    Examples
    --------
    >>> from replication.tasks import input_masks, full_mask
    >>> masks, full = np.array(input_masks(4), np.uint64), np.uint64(full_mask(4))
    >>> xor = genome_from_gates([(0, 1), (0, 4), (1, 4), (5, 6)], 7)     # X XOR Y, 4 gates
    >>> outputs, settled = np.zeros(2, np.uint64), np.zeros(2, np.uint64)
    >>> n_eff, eff_bits = np.zeros(2, np.int32), np.zeros(2, np.uint64)
    >>> evaluate_rows(np.stack([xor, xor]), np.array([False, True]), 4, 12, masks, full, 12, 0,
    ...               outputs, settled, n_eff, eff_bits)
    >>> n_eff.tolist(), bin(int(eff_bits[1])), int(outputs[0])     # row 0 left untouched
    ([0, 4], '0b1111', 0)
    """
    pop = genomes.shape[0]
    n_nodes = n_inputs + n_gates
    vals = np.zeros(n_nodes, np.uint64)
    vals2 = np.zeros(n_nodes, np.uint64)
    vals3 = np.zeros(n_nodes, np.uint64)
    src_a = np.zeros(n_gates, np.int64)
    src_b = np.zeros(n_gates, np.int64)
    is_eff = np.zeros(n_gates, np.bool_)
    stack = np.zeros(n_gates, np.int64)
    order = np.zeros(n_gates, np.int64)
    mark = np.zeros(n_gates, np.int8)
    eff = np.zeros(n_gates, np.int64)
    dfs = np.zeros(n_gates + 1, np.int64)
    ternary = initial_state == TERNARY
    start = full if initial_state == 1 else np.uint64(0)
    known0 = np.zeros(n_nodes, np.uint64)          # ternary: rows where a node is known 0
    for i in range(n_inputs):
        vals[i] = in_masks[i]
        vals2[i] = in_masks[i]
        vals3[i] = in_masks[i]
        known0[i] = ~in_masks[i] & full
    for k in range(pop):
        if not rows[k]:
            continue
        genome = genomes[k]
        n_eff = _effective_mask(genome, n_inputs, n_gates, is_eff, stack)
        n_effective[k] = n_eff
        bits = np.uint64(0)
        for g in range(n_gates):
            if is_eff[g]:
                bits |= np.uint64(1) << np.uint64(g)
        eff_bits[k] = bits
        n_sorted = _topological_order(genome, n_inputs, is_eff, n_gates, order, mark, dfs) \
            if n_eff <= sweeps or ternary else -1
        if n_sorted >= 0:
            for t in range(n_sorted):
                g = order[t]
                vals[n_inputs + g] = ~(vals[genome[2 * g]] & vals[genome[2 * g + 1]]) & full
            settled[k] = full
        elif ternary:
            _ternary_fixpoint(genome, n_inputs, n_gates, is_eff, vals, known0)
            out = genome[2 * n_gates]
            outputs[k] = vals[out]
            settled[k] = vals[out] | known0[out]
            continue
        else:
            # synchronous sweeps over the effective gates, double-buffered (one pass a sweep);
            # a state equal to the one two sweeps before repeats with period 2 from there on,
            # so the remaining sweeps are known without running them
            m = 0
            for g in range(n_gates):
                if is_eff[g]:
                    src_a[m] = genome[2 * g]
                    src_b[m] = genome[2 * g + 1]
                    eff[m] = n_inputs + g
                    m += 1
            cur, nxt, old = vals, vals2, vals3
            for t in range(m):
                cur[eff[t]] = start
            converged = False
            done = 0
            period2 = False
            while done < sweeps:
                changed = np.uint64(0)
                same_as_old = True
                for t in range(m):
                    v = ~(cur[src_a[t]] & cur[src_b[t]]) & full
                    nxt[eff[t]] = v
                    changed |= v ^ cur[eff[t]]
                    if v != old[eff[t]]:
                        same_as_old = False
                done += 1
                old, cur, nxt = cur, nxt, old
                if changed == 0:
                    converged = True
                    break
                if same_as_old and done >= 2:
                    period2 = True
                    break
            if converged:
                settled[k] = full
            elif period2:
                # cur = state after `done` sweeps, old = the other state of the 2-cycle
                if (sweeps - done) % 2 == 1:
                    cur, old = old, cur
                unsettled = np.uint64(0)
                for t in range(m):
                    unsettled |= cur[eff[t]] ^ old[eff[t]]
                settled[k] = full & ~unsettled
            else:
                # one more sweep: rows where an effective gate would still change are unsettled
                unsettled = np.uint64(0)
                for t in range(m):
                    nxt_v = ~(cur[src_a[t]] & cur[src_b[t]]) & full
                    unsettled |= nxt_v ^ cur[eff[t]]
                settled[k] = full & ~unsettled
            outputs[k] = cur[genome[2 * n_gates]]
            continue
        outputs[k] = vals[genome[2 * n_gates]]


@njit(cache=True)
def evaluate_population_multi(genomes, n_inputs, n_gates, n_outputs, in_masks, full, sweeps,
                              initial_state):
    """Truth tables and settled-row masks of every output of every genome (several outputs).

    The same rule as :func:`evaluate_population`, for circuits whose last ``n_outputs``
    fields are output genes: the gates with a path to *any* output are simulated; a row of
    output ``o`` is settled when the ancestors of ``o`` are at a fixed point on it.
    Returns ``outputs`` and ``settled`` of shape (pop, n_outputs) and the effective-gate
    count (the union over the outputs, which the size penalty counts).

    Reference: Kashtan & Alon (2005), Fig. 4 (circuits with several outputs).

    Examples
    --------
    Two inputs X, Y (truth tables 1100 and 1010); outputs X XOR Y and X NAND Y.

    >>> g = genome_from_gates([(0, 1), (0, 2), (1, 2), (3, 4)], [5, 2], n_inputs=2)
    >>> out, ok, n_eff = evaluate_population_multi(g[None, :], 2, 12, 2, np.array([0b1100, 0b1010], np.uint64),
    ...                                            np.uint64(0b1111), 12, 0)
    >>> [bin(int(v)) for v in out[0]], [bin(int(v)) for v in ok[0]], int(n_eff[0])
    (['0b110', '0b111'], ['0b1111', '0b1111'], 4)
    """
    pop = genomes.shape[0]
    n_nodes = n_inputs + n_gates
    outputs = np.zeros((pop, n_outputs), np.uint64)
    settled = np.zeros((pop, n_outputs), np.uint64)
    n_effective = np.zeros(pop, np.int32)
    vals = np.zeros(n_nodes, np.uint64)
    new = np.zeros(n_gates, np.uint64)
    unsettled = np.zeros(n_gates, np.uint64)
    is_eff = np.zeros(n_gates, np.bool_)
    is_anc = np.zeros(n_gates, np.bool_)
    stack = np.zeros(n_gates, np.int64)
    order = np.zeros(n_gates, np.int64)
    mark = np.zeros(n_gates, np.int8)
    eff = np.zeros(n_gates, np.int64)
    dfs = np.zeros(n_gates + 1, np.int64)
    ternary = initial_state == TERNARY
    start = full if initial_state == 1 else np.uint64(0)
    known0 = np.zeros(n_nodes, np.uint64)          # ternary: rows where a node is known 0
    for i in range(n_inputs):
        vals[i] = in_masks[i]
        known0[i] = ~in_masks[i] & full
    for k in range(pop):
        genome = genomes[k]
        n_eff = _effective_mask(genome, n_inputs, n_gates, is_eff, stack, n_outputs, -1)
        n_effective[k] = n_eff
        n_sorted = _topological_order(genome, n_inputs, is_eff, n_gates, order, mark, dfs) \
            if n_eff <= sweeps or ternary else -1
        if n_sorted >= 0:
            for t in range(n_sorted):
                g = order[t]
                vals[n_inputs + g] = ~(vals[genome[2 * g]] & vals[genome[2 * g + 1]]) & full
            for o in range(n_outputs):
                settled[k, o] = full
                outputs[k, o] = vals[genome[2 * n_gates + o]]
            continue
        if ternary:
            _ternary_fixpoint(genome, n_inputs, n_gates, is_eff, vals, known0)
            for o in range(n_outputs):
                out = genome[2 * n_gates + o]
                outputs[k, o] = vals[out]
                settled[k, o] = vals[out] | known0[out]
            continue
        m = 0
        for g in range(n_gates):
            unsettled[g] = 0
            if is_eff[g]:
                eff[m] = g
                m += 1
                vals[n_inputs + g] = start
        converged = False
        for _ in range(sweeps):
            changed = np.uint64(0)
            for t in range(m):
                g = eff[t]
                new[g] = ~(vals[genome[2 * g]] & vals[genome[2 * g + 1]]) & full
            for t in range(m):
                g = eff[t]
                changed |= new[g] ^ vals[n_inputs + g]
                vals[n_inputs + g] = new[g]
            if changed == 0:
                converged = True
                break
        if not converged:
            for t in range(m):
                g = eff[t]
                nxt = ~(vals[genome[2 * g]] & vals[genome[2 * g + 1]]) & full
                unsettled[g] = nxt ^ vals[n_inputs + g]
        for o in range(n_outputs):
            outputs[k, o] = vals[genome[2 * n_gates + o]]
            bad = np.uint64(0)
            if not converged:
                _effective_mask(genome, n_inputs, n_gates, is_anc, stack, n_outputs, o)
                for g in range(n_gates):
                    if is_anc[g]:
                        bad |= unsettled[g]
            settled[k, o] = full & ~bad
    return outputs, settled, n_effective


@njit(cache=True)
def correct_pairs(outputs, settled, targets, full):
    """Number of (row, output) pairs on which each circuit's settled outputs equal the targets
    (``outputs``, ``settled``: (pop, n_outputs); ``targets``: one truth table per output).

    An unsettled row counts as wrong.

    Examples
    --------
    >>> outputs = np.array([[0b0110, 0b0111]], np.uint64)
    >>> targets = np.array([0b0110, 0b0111], np.uint64)
    >>> all_rows = np.array([[0b1111, 0b1111]], np.uint64)
    >>> correct_pairs(outputs, all_rows, targets, np.uint64(0b1111)).tolist()
    [8]
    >>> correct_pairs(outputs, np.array([[0b1111, 0b0011]], np.uint64), targets, np.uint64(0b1111)).tolist()
    [6]
    """
    pop, n_out = outputs.shape
    counts = np.zeros(pop, np.int32)
    for k in range(pop):
        c = 0
        for o in range(n_out):
            c += popcount64(~(outputs[k, o] ^ targets[o]) & settled[k, o] & full)
        counts[k] = c
    return counts


@njit(cache=True)
def correct_rows(outputs, settled, target, full):
    """Number of rows on which each circuit's settled output equals the target.

    The circuits' performance (Kashtan & Alon 2005): right rows of the truth table, an
    unsettled (oscillating) row counting as wrong.

    Examples
    --------
    >>> outputs = np.array([0b0110, 0b0111], np.uint64)
    >>> settled = np.array([0b1111, 0b0011], np.uint64)
    >>> correct_rows(outputs, settled, np.uint64(0b0110), np.uint64(0b1111)).tolist()
    [4, 1]
    """
    pop = outputs.shape[0]
    counts = np.zeros(pop, np.int32)
    for k in range(pop):
        counts[k] = popcount64(~(outputs[k] ^ target) & settled[k] & full)
    return counts


@njit(cache=True)
def connection_counts(genomes, n_inputs, n_gates, n_outputs=1):
    """Distinct connections into the effective gates of each circuit (its wiring cost).

    A gate reading the same node twice has one connection.

    Examples
    --------
    >>> xor = genome_from_gates([(0, 1), (0, 4), (1, 4), (5, 6)], 7)
    >>> inverter = genome_from_gates([(0, 0)], 4)        # NOT x1: one input read twice
    >>> connection_counts(np.stack([xor, inverter]), 4, 12).tolist()
    [8, 1]
    """
    pop = genomes.shape[0]
    out = np.zeros(pop, np.int32)
    is_eff = np.zeros(n_gates, np.bool_)
    stack = np.zeros(n_gates, np.int64)
    for k in range(pop):
        _effective_mask(genomes[k], n_inputs, n_gates, is_eff, stack, n_outputs, -1)
        c = 0
        for g in range(n_gates):
            if is_eff[g]:
                c += 1 if genomes[k, 2 * g] == genomes[k, 2 * g + 1] else 2
        out[k] = c
    return out


@njit(cache=True)
def size_penalised_fitness(correct, n_rows, n_effective, penalty, free_gates):
    """Fraction of rows correct minus ``penalty`` per effective gate above ``free_gates``.

    The size-penalised fitness of Kashtan & Alon's (2005) circuits.

    Examples
    --------
    >>> size_penalised_fitness(np.array([16, 16, 8]), 16, np.array([4, 14, 4]), 0.01, 12).tolist()
    [1.0, 0.98, 0.5]
    """
    pop = correct.shape[0]
    fit = np.empty(pop, np.float64)
    for k in range(pop):
        extra = n_effective[k] - free_gates
        fit[k] = correct[k] / n_rows - (penalty * extra if extra > 0 else 0.0)
    return fit


# --------------------------------------------------------------------------- graphs + Q
@njit(cache=True)
def circuit_matrix(genome, n_inputs, n_gates, include_inputs, effective_only, self_loops,
                   directed, is_eff, stack, n_outputs=1):
    """Adjacency matrix of the circuit graph over the nodes kept by the rules, isolated
    nodes dropped.  Directed: m[i, j] = 1 for an edge i -> j; undirected: symmetric,
    self-loops 2 on the diagonal (networkx's convention).  Returns (matrix, node addresses).

    The rules are the ``[modularity]`` recipe's: ``include_inputs``, ``effective_only`` (only
    gates with a path to an output), ``self_loops``; ``is_eff`` and ``stack`` are work arrays
    of ``n_gates``.

    Examples
    --------
    >>> xor = genome_from_gates([(0, 1), (0, 4), (1, 4), (5, 6)], 7)
    >>> work = np.zeros(12, np.bool_), np.zeros(12, np.int64)
    >>> m, nodes = circuit_matrix(xor, 4, 12, True, True, False, True, *work)
    >>> nodes.tolist(), int(m.sum())            # inputs 2 and 3 are unused: dropped
    ([0, 1, 4, 5, 6, 7], 8)
    >>> circuit_matrix(xor, 4, 12, False, True, False, True, *work)[1].tolist()
    [4, 5, 6, 7]
    """
    n_nodes = n_inputs + n_gates
    full = np.zeros((n_nodes, n_nodes), np.float64)
    _effective_mask(genome, n_inputs, n_gates, is_eff, stack, n_outputs, -1)
    for g in range(n_gates):
        if effective_only and not is_eff[g]:
            continue
        dst = n_inputs + g
        for j in range(2):
            src = genome[2 * g + j]
            if src < n_inputs and not include_inputs:
                continue
            if src == dst and not self_loops:
                continue
            full[src, dst] = 1.0
    return compact_matrix(full, directed)


@njit(cache=True)
def population_q(genomes, n_inputs, n_gates, include_inputs, effective_only, self_loops, directed,
                 n_outputs=1):
    """Greedy-partition Q of every genome's circuit graph (the ``greedy`` recipe, in numba).

    Returns (Q, number of nodes) per genome; graphs of 0 or 1 node have Q = 0.  The graph is
    :func:`circuit_matrix`'s.

    Examples
    --------
    Two XOR modules combined by a third part (Kashtan & Alon 2005's modular solutions) are
    far more modular than one XOR alone.

    >>> xor = lambda a, b, f: [(a, b), (a, f), (b, f), (f + 1, f + 2)]
    >>> two = genome_from_gates(xor(0, 1, 4) + xor(2, 3, 8) + [(7, 7), (11, 11), (12, 13)], 14)
    >>> one = genome_from_gates(xor(0, 1, 4), 7)
    >>> qs, sizes = population_q(np.stack([two, one]), 4, 12, True, True, False, False)
    >>> np.round(qs, 3).tolist(), sizes.tolist()
    ([0.516, 0.117], [15, 6])
    """
    pop = genomes.shape[0]
    qs = np.zeros(pop)
    sizes = np.zeros(pop, np.int64)
    is_eff = np.zeros(n_gates, np.bool_)
    stack = np.zeros(n_gates, np.int64)
    for k in range(pop):
        m, keep = circuit_matrix(genomes[k], n_inputs, n_gates, include_inputs, effective_only,
                                 self_loops, directed, is_eff, stack, n_outputs)
        sizes[k] = keep.shape[0]
        if keep.shape[0] > 1:
            qs[k] = greedy_labels(m)[0]
    return qs, sizes


# --------------------------------------------------------------------------- variation
#: ``variation.mutation_operator`` -> kernel mode
MUTATION_OPERATORS = {"redraw": 0, "bitflip": 1, "bitflip-locus": 2}


@njit(cache=True)
def random_population(pop, n_inputs, n_gates, output_any, n_outputs=1):
    """Random genomes: every address uniform over its allowed range.

    Gate inputs may be any node; an output gene any node (``output_any``) or any gate.
    Draws from numba's generator.

    Examples
    --------
    >>> from replication.rng import seed_numba
    >>> seed_numba(0, "generation")
    >>> g = random_population(500, 4, 12, False)
    >>> g.shape, int(g.min()), int(g.max()), int(g[:, -1].min())     # the output is a gate
    ((500, 25), 0, 15, 4)
    """
    n_nodes = n_inputs + n_gates
    genomes = np.empty((pop, 2 * n_gates + n_outputs), np.int16)
    for k in range(pop):
        for j in range(2 * n_gates):
            genomes[k, j] = np.random.randint(0, n_nodes)
        for o in range(n_outputs):
            if output_any:
                genomes[k, 2 * n_gates + o] = np.random.randint(0, n_nodes)
            else:
                genomes[k, 2 * n_gates + o] = np.random.randint(n_inputs, n_nodes)
    return genomes


@njit(cache=True)
def address_bits(n_nodes):
    """Bits of one address field: the smallest ``b`` with ``2**b >= n_nodes``.

    Examples
    --------
    >>> address_bits(16), address_bits(32), address_bits(17)     # 4 + 12 nodes, 6 + 26 nodes
    (4, 5, 5)
    """
    n_bits = 0
    while (1 << n_bits) < n_nodes:
        n_bits += 1
    return n_bits


@njit(cache=True)
def mutate_population(genomes, may_mutate, probability, n_inputs, n_gates, output_any, bitflip,
                      n_outputs=1, touched=None):
    """With ``probability``, change one randomly chosen connection of each eligible genome.

    ``bitflip``: flip one random bit of the chosen address (every field has the same width,
    so this is one bit drawn uniformly among the genome's B bits); otherwise re-draw it
    uniformly among the *other* allowed addresses, so a mutation always changes the wiring.
    An output gene restricted to gates keeps its value when a flip would point it at an
    input.  Returns how many genomes were mutated.  ``touched`` (optional, int64 per row):
    receives the field changed in each row whose genome changed (the fused loop re-evaluates
    only what that field can change); other rows are left as they are.

    The draws are numba's ``np.random`` stream, taken at a cursor (:func:`replication.rng.mt_chance`,
    :func:`replication.rng.mt_below`): the same numbers as ``np.random.random() < probability``
    and ``np.random.randint``, without a call into numba's generator per number.

    Reference: Kashtan & Alon (2005), Methods (Pm per genome).

    Examples
    --------
    >>> from replication.rng import seed_numba
    >>> seed_numba(0, "generation")
    >>> g = random_population(5, 4, 12, True); before = g.copy()
    >>> may = np.array([True, True, True, True, False])
    >>> touched = np.full(5, -1)
    >>> mutate_population(g, may, 1.0, 4, 12, True, False, 1, touched)    # redraw
    4
    >>> (g != before).sum(axis=1).tolist()                         # one field each, row 4 kept
    [1, 1, 1, 1, 0]
    >>> touched.tolist() == [int(np.flatnonzero(g[k] != before[k])[0]) for k in range(4)] + [-1]
    True
    >>> before = g.copy(); _ = mutate_population(g, may, 1.0, 4, 12, True, True)   # bitflip
    >>> [bin(int(v)).count("1") for v in (g ^ before)[g != before]]  # one bit of one field
    [1, 1, 1, 1]
    """
    n_nodes = n_inputs + n_gates
    n_fields = 2 * n_gates + n_outputs
    n_bits = address_bits(n_nodes)
    mutated = 0
    mt, i = mt_begin()
    for k in range(genomes.shape[0]):
        if not may_mutate[k]:
            continue
        hit, i = mt_chance(mt, i, probability)
        if not hit:
            continue
        field, i = mt_below(mt, i, n_fields)
        lo = 0
        if field >= 2 * n_gates and not output_any:
            lo = n_inputs
        old = genomes[k, field]
        if bitflip:
            b, i = mt_below(mt, i, n_bits)
            new = old ^ (1 << b)
            if new < lo:        # output gene restricted to gates: flip lands on an input
                new = old
        else:
            r, i = mt_below(mt, i, n_nodes - lo - 1)
            new = lo + r
            if new >= old:
                new += 1
        genomes[k, field] = new
        if touched is not None and new != old:
            touched[k] = field
        mutated += 1
    mt_end(i)
    return mutated


@njit(cache=True)
def mutate_population_per_locus(genomes, may_mutate, probability, n_inputs, n_gates, output_any,
                                n_outputs=1):
    """Every bit of every eligible genome flips independently with ``probability / B``.

    Parter, Kashtan & Alon (2008), Methods: "mutation Pm = 0.7/B per locus per genome"; the
    B bits are the ``2 * n_gates + n_outputs`` address fields of ``address_bits(n_nodes)``
    bits each, so a genome receives Binomial(B, Pm/B) flips (mean Pm, none with probability
    (1 - Pm/B)**B ~ exp(-Pm)).  Flip positions are drawn by geometric skips, which is exactly
    the same distribution as one Bernoulli draw per bit.  A flipped output gene restricted to
    gates that would point at an input keeps its old value.  Returns how many genomes had
    at least one bit flipped.

    Examples
    --------
    With ``probability = B`` every bit flips: each 4-bit address ``a`` becomes ``15 - a``.

    >>> from replication.rng import seed_numba
    >>> seed_numba(0, "generation")
    >>> g = random_population(3, 4, 12, True); before = g.copy()
    >>> mutate_population_per_locus(g, np.ones(3, bool), 25 * 4.0, 4, 12, True)
    3
    >>> bool((g == 15 - before).all())
    True
    >>> mutate_population_per_locus(g, np.ones(3, bool), 0.0, 4, 12, True)
    0
    """
    n_nodes = n_inputs + n_gates
    n_fields = 2 * n_gates + n_outputs
    n_bits = address_bits(n_nodes)
    total = n_fields * n_bits
    p = probability / total
    mutated = 0
    if p <= 0.0:
        return 0
    log_q = np.log1p(-p) if p < 1.0 else -np.inf
    mt, i = mt_begin()
    for k in range(genomes.shape[0]):
        if not may_mutate[k]:
            continue
        pos = -1
        flipped = False
        while True:
            if p >= 1.0:
                pos += 1
            else:
                x, i = mt_random(mt, i)                 # np.random.random() at the cursor
                u = 1.0 - x                             # in (0, 1]
                pos += 1 + int(np.floor(np.log(u) / log_q))
            if pos >= total:
                break
            field = pos // n_bits
            old = genomes[k, field]
            new = old ^ (1 << (pos % n_bits))
            if field >= 2 * n_gates and not output_any and new < n_inputs:
                continue
            genomes[k, field] = new
            flipped = True
        if flipped:
            mutated += 1
    mt_end(i)
    return mutated


def genome_to_bits(genome, n_nodes: int) -> np.ndarray:
    """The binary genome: every address field written as ``address_bits(n_nodes)`` bits, most
    significant bit first, fields in genome order (gate 1 input a, gate 1 input b, ...,
    output genes).  Address ``a < n_inputs`` is input ``a``; ``a >= n_inputs`` is gate
    ``a - n_inputs + 1`` (with 4 inputs and 12 gates: 0101 -> gate 2, 1011 -> gate 8).

    Examples
    --------
    >>> genome_to_bits(np.array([5, 11]), 16).tolist()
    [0, 1, 0, 1, 1, 0, 1, 1]
    >>> bits_to_genome(genome_to_bits(np.array([5, 11]), 16), 16).tolist()
    [5, 11]
    """
    b = int(address_bits(n_nodes))
    g = np.asarray(genome, np.int64)
    return ((g[:, None] >> np.arange(b - 1, -1, -1)) & 1).ravel().astype(np.uint8)


def bits_to_genome(bits, n_nodes: int) -> np.ndarray:
    """Inverse of :func:`genome_to_bits`; an address >= ``n_nodes`` is an error (it cannot
    arise when ``n_nodes`` is a power of two, the case of every protocol here).

    Examples
    --------
    >>> bits_to_genome([0, 1, 0, 1, 1, 0, 1, 1], 16).tolist()     # 0101 -> 5, 1011 -> 11
    [5, 11]
    >>> bits_to_genome([1, 1, 1], 6)
    Traceback (most recent call last):
    ...
    ValueError: address 7 is not a node (there are 6)
    """
    b = int(address_bits(n_nodes))
    bits = np.asarray(bits, np.int64).reshape(-1, b)
    genome = (bits << np.arange(b - 1, -1, -1)).sum(axis=1)
    if (genome >= n_nodes).any():
        raise ValueError(f"address {int(genome.max())} is not a node (there are {n_nodes})")
    return genome.astype(GENE_DTYPE)


# --------------------------------------------------------------------------- python side
class NandCircuitModel:
    """The 2005 NAND-circuit genome bound to a protocol's ``[circuit]``, ``[fitness]``,
    ``[variation]`` and ``[cost]`` sections (interface: :mod:`replication.genomes.base`).

    Examples
    --------
    >>> from replication.protocol import load_protocol
    >>> m = NandCircuitModel(load_protocol("original_protocol/ka2005_logic.toml", "fixed-g1"))
    >>> g = genome_from_gates([(0, 1), (0, 4), (1, 4), (5, 6)], 7)      # X XOR Y, 4 gates
    >>> ev = m.evaluate(g[None, :], m.targets(["X ^ Y"]))
    >>> int(ev.correct[0, 0]), int(ev.n_effective[0])
    (16, 4)
    """

    kind = "circuits"
    gene_dtype = GENE_DTYPE

    def __init__(self, protocol):
        c = protocol.circuit
        self.n_inputs = c.n_inputs
        self.n_gates = c.n_gates
        self.n_nodes = c.n_inputs + c.n_gates
        from ..tasks import goal_outputs
        self.n_outputs = goal_outputs(protocol)
        self.n_rows = self.n_outputs << c.n_inputs        # (row, output) pairs per goal
        self.sweeps = c.feedback_sweeps
        # the kernels read the three-valued rule as a third start state (TERNARY)
        self.initial_state = TERNARY if c.feedback_rule == "ternary" else c.initial_state
        self.output_any = c.output_source == "any"
        from ..tasks import full_mask, input_masks
        self.full = np.uint64(full_mask(c.n_inputs))
        self.in_masks = np.array(input_masks(c.n_inputs), np.uint64)
        var = protocol.variation
        self.mutation_probability = var.mutation_probability
        self.mutation_operator = var.mutation_operator
        self.bitflip = var.mutation_operator == "bitflip"
        if var.crossover_probability > 0:
            raise NotImplementedError("crossover for circuits is not implemented; the 2005 circuit "
                                      "runs used mutation only (set variation.crossover_probability = 0)")
        self.input_names = tuple(protocol.inputs)
        fit = protocol.fitness
        self.penalty = fit.size_penalty
        self.free_gates = fit.free_gates
        self.cost_weight = protocol.cost.weight if protocol.cost is not None else 0.0

    # ----- task
    def targets(self, expressions) -> np.ndarray:
        """Truth tables (masks over the input rows) of the goals: shape (n_goals,) for one
        output, (n_goals, n_outputs) for several.  A goal is an expression (outputs separated
        by ``;``), or already a sequence of truth tables (one per output; random goals)."""
        from ..tasks import goal_tables
        tables = [goal_tables(e, self.input_names) if isinstance(e, str) else [int(t) for t in np.atleast_1d(e)]
                  for e in expressions]
        for e, t in zip(expressions, tables):
            if len(t) != self.n_outputs:
                raise ValueError(f"goal {e!r} has {len(t)} outputs; the circuits have {self.n_outputs}")
        arr = np.array(tables, np.uint64)
        return arr[:, 0].copy() if self.n_outputs == 1 else arr

    def start_run(self, seed: int) -> None:
        """Nothing per run: the circuit task is the same for every run."""

    # ----- population
    def random(self, pop: int) -> np.ndarray:
        if self.n_outputs == 1:          # the 1-output draws as before (golden runs)
            return random_population(pop, self.n_inputs, self.n_gates, self.output_any)
        return random_population(pop, self.n_inputs, self.n_gates, self.output_any, self.n_outputs)

    def evaluate(self, genomes, targets) -> Evaluation:
        """Correct rows per goal (for several outputs: correct (row, output) pairs)."""
        if self.n_outputs == 1:
            outputs, settled, n_eff = evaluate_population(genomes, self.n_inputs, self.n_gates, self.in_masks,
                                                          self.full, self.sweeps, self.initial_state)
            correct = np.stack([correct_rows(outputs, settled, t, self.full) for t in targets], axis=1)
        else:
            outputs, settled, n_eff = evaluate_population_multi(genomes, self.n_inputs, self.n_gates,
                                                                self.n_outputs, self.in_masks, self.full,
                                                                self.sweeps, self.initial_state)
            correct = np.stack([correct_pairs(outputs, settled, np.ascontiguousarray(t), self.full)
                                for t in targets], axis=1)
        extra = {"settled": settled}
        if self.cost_weight:
            extra["connections"] = connection_counts(genomes, self.n_inputs, self.n_gates, self.n_outputs)
        return Evaluation(correct=correct, outputs=outputs, n_effective=n_eff, extra=extra)

    def size_penalty(self, n_effective) -> np.ndarray:
        return self.penalty * np.maximum(0, np.asarray(n_effective) - self.free_gates)

    def fitness(self, evaluation: Evaluation, goal: int, targets=None) -> np.ndarray:
        """Fraction of rows right on goal ``goal``, minus the size penalty (and a connection cost)."""
        fit = size_penalised_fitness(np.ascontiguousarray(evaluation.correct[:, goal]), self.n_rows,
                                     evaluation.n_effective, self.penalty, self.free_gates)
        if self.cost_weight:
            fit -= self.cost_weight * evaluation.extra["connections"]
        return fit

    def vary(self, genomes, may_vary) -> int:
        """Mutate the rows where ``may_vary`` (``variation.mutation_operator``: ``redraw`` and
        ``bitflip`` change one connection with Pm per genome, ``bitflip-locus`` flips each of
        the B bits with Pm / B); returns how many genomes were mutated."""
        if self.mutation_operator == "bitflip-locus":
            return mutate_population_per_locus(genomes, may_vary, self.mutation_probability, self.n_inputs,
                                               self.n_gates, self.output_any, self.n_outputs)
        if self.n_outputs == 1:
            return mutate_population(genomes, may_vary, self.mutation_probability, self.n_inputs,
                                     self.n_gates, self.output_any, self.bitflip)
        return mutate_population(genomes, may_vary, self.mutation_probability, self.n_inputs,
                                 self.n_gates, self.output_any, self.bitflip, self.n_outputs)

    @property
    def genome_bits(self) -> int:
        """B, the length of the binary genome: every address field is ``address_bits`` wide."""
        return (2 * self.n_gates + self.n_outputs) * int(address_bits(self.n_nodes))

    def effective_gates(self, genome) -> np.ndarray:
        is_eff = np.zeros(self.n_gates, np.bool_)
        _effective_mask(np.asarray(genome, GENE_DTYPE), self.n_inputs, self.n_gates, is_eff,
                        np.zeros(self.n_gates, np.int64), self.n_outputs, -1)
        return np.flatnonzero(is_eff)

    # ----- phenotype as a graph
    def edges(self, genome, effective_only: bool = True) -> list[tuple[int, int]]:
        """Distinct directed edges source -> gate (node addresses), in genome order."""
        gates = self.effective_gates(genome) if effective_only else range(self.n_gates)
        seen, edges = set(), []
        for g in gates:
            for j in range(2):
                e = (int(genome[2 * g + j]), self.n_inputs + int(g))
                if e not in seen:
                    seen.add(e)
                    edges.append(e)
        return edges

    def output_node(self, genome) -> int:
        """The node driving the (first) output, address from 0."""
        return int(genome[2 * self.n_gates])

    def output_nodes(self, genome) -> list[int]:
        """The nodes driving each output, addresses from 0."""
        return [int(v) for v in genome[2 * self.n_gates:2 * self.n_gates + self.n_outputs]]

    def node_label(self, node: int, names=None) -> str:
        if node < self.n_inputs:
            return names[node] if names is not None else f"x{node + 1}"
        return f"g{node - self.n_inputs + 1}"

    def to_networkx(self, genome, effective_only: bool = True, names=None):
        """The circuit as a DiGraph: nodes are addresses with ``kind`` (input/gate), ``layer``
        (0 for inputs, 1 for gates) and ``label``; the node driving the output has ``output=True``."""
        import networkx as nx
        g = nx.DiGraph()
        outs = set(self.output_nodes(genome))
        nodes = outs.union(*self.edges(genome, effective_only))
        names = self.input_names if names is None else names
        for node in sorted(nodes):
            g.add_node(node, kind="input" if node < self.n_inputs else "gate", layer=int(node >= self.n_inputs),
                       label=self.node_label(node, names), output=node in outs)
        g.add_edges_from(self.edges(genome, effective_only))
        return g

    def graph_options(self, protocol) -> tuple:
        mod = protocol.modularity
        return (mod.include_inputs, mod.graph_nodes == "effective", mod.self_loops, mod.directed)

    def population_q(self, genomes, protocol):
        """Greedy Q of every genome (numba); the recipe's node rules, isolated nodes dropped."""
        if self.n_outputs == 1:
            return population_q(genomes, self.n_inputs, self.n_gates, *self.graph_options(protocol))
        return population_q(genomes, self.n_inputs, self.n_gates, *self.graph_options(protocol), self.n_outputs)

    def modularity_graph(self, genome, protocol):
        """The prepared graph (networkx) on which the protocol's Q recipe is computed."""
        from ..modularity import prepare_graph
        mod = protocol.modularity
        g = self.to_networkx(genome, effective_only=mod.graph_nodes == "effective",
                             names=protocol.inputs)
        return prepare_graph(g, include_inputs=mod.include_inputs, drop_isolated=mod.drop_isolated,
                             self_loops=mod.self_loops)

    def describe(self, genome, evaluation: Evaluation, index: int) -> dict:
        """What result.json records about the best genome (``output_node`` numbered from 0;
        with several outputs also ``output_nodes``, numbered from 1 as in the files)."""
        out = {"n_effective_gates": int(evaluation.n_effective[index]),
               "output_node": self.output_node(genome),
               "genome": [int(v) for v in genome]}
        if self.n_outputs > 1:
            out["output_nodes"] = [v + 1 for v in self.output_nodes(genome)]
        return out


def python_reference_output(genome, n_inputs, n_gates, sweeps, initial_state):
    """Plain-Python, row-by-row evaluation (the naive reference for tests and benchmarks).

    Returns (output bits per row, settled per row) with the same synchronous-update rule.

    Row ``r`` sets input ``i`` to bit ``n_inputs - 1 - i`` of ``r`` (the first input is the
    most significant bit), as :func:`replication.tasks.input_masks` does.

    Examples
    --------
    >>> xor = genome_from_gates([(0, 1), (0, 4), (1, 4), (5, 6)], 7)      # X XOR Y of X, Y, Z, W
    >>> out, ok = python_reference_output(list(xor), 4, 12, 12, 0)
    >>> out[::4], all(ok)                       # rows 0, 4, 8, 12: XY = 00, 01, 10, 11
    ([0, 1, 1, 0], True)
    >>> python_reference_output(list(genome_from_gates([(4, 4)], 4)), 4, 12, 12, 0)[1][:3]   # oscillates
    [False, False, False]
    """
    out_bits, ok_bits = python_reference_outputs(genome, n_inputs, n_gates, 1, sweeps, initial_state)[0]
    return out_bits, ok_bits


def python_reference_outputs(genome, n_inputs, n_gates, n_outputs, sweeps, initial_state):
    """Plain-Python, row-by-row evaluation of a circuit with ``n_outputs`` output genes.

    Returns, per output, (output bit per row, settled per row): all gates are updated
    synchronously from ``initial_state`` until none changes or ``sweeps`` sweeps were made;
    a row of an output is settled when one more sweep would change none of its ancestors.
    ``initial_state`` = :data:`TERNARY`: Kleene's three-valued logic from all gates unknown
    (``sweeps`` unused); a row is settled where the output is known.

    Examples
    --------
    >>> g = genome_from_gates([(0, 1), (0, 2), (1, 2), (3, 4)], [5, 2], n_inputs=2)   # XOR, NAND
    >>> [out for out, ok in python_reference_outputs(list(g), 2, 12, 2, 12, 0)]
    [[0, 1, 1, 0], [1, 1, 1, 0]]
    """
    rows = 1 << n_inputs
    outs = [genome[2 * n_gates + o] for o in range(n_outputs)]

    def ancestors(o):
        eff, stack = set(), []
        if o >= n_inputs:
            eff.add(o - n_inputs)
            stack.append(o - n_inputs)
        while stack:
            g = stack.pop()
            for j in range(2):
                s = genome[2 * g + j]
                if s >= n_inputs and s - n_inputs not in eff:
                    eff.add(s - n_inputs)
                    stack.append(s - n_inputs)
        return eff

    anc = [ancestors(o) for o in outs]
    result = [([], []) for _ in outs]
    if initial_state == TERNARY:
        return _python_reference_ternary(genome, n_inputs, n_gates, outs)
    for r in range(rows):
        vals = [(r >> (n_inputs - 1 - i)) & 1 for i in range(n_inputs)] + [initial_state] * n_gates
        for _ in range(sweeps):
            new = [1 - (vals[genome[2 * g]] & vals[genome[2 * g + 1]]) for g in range(n_gates)]
            changed = new != vals[n_inputs:]
            vals[n_inputs:] = new
            if not changed:
                break
        nxt = [1 - (vals[genome[2 * g]] & vals[genome[2 * g + 1]]) for g in range(n_gates)]
        for k, o in enumerate(outs):
            result[k][0].append(vals[o])
            result[k][1].append(all(nxt[g] == vals[n_inputs + g] for g in anc[k]))
    return result


def _python_reference_ternary(genome, n_inputs, n_gates, outs):
    """Row by row, Kleene's three-valued logic (None = unknown) from all gates unknown, gates
    updated synchronously until none changes; per output (value per row, 0 where unknown;
    known per row)."""
    def nand(a, b):
        if a == 0 or b == 0:
            return 1
        return 0 if a == 1 and b == 1 else None

    result = [([], []) for _ in outs]
    for r in range(1 << n_inputs):
        vals = [(r >> (n_inputs - 1 - i)) & 1 for i in range(n_inputs)] + [None] * n_gates
        while True:
            new = [nand(vals[genome[2 * g]], vals[genome[2 * g + 1]]) for g in range(n_gates)]
            if new == vals[n_inputs:]:
                break
            vals[n_inputs:] = new
        for k, o in enumerate(outs):
            result[k][0].append(vals[o] or 0)
            result[k][1].append(vals[o] is not None)
    return result


def genome_from_gates(gates, output, n_inputs: int = 4, n_gates: int = 12) -> np.ndarray:
    """A genome from a list of gates ``(source_a, source_b)`` (addresses) and the output address.

    Gate ``i`` of the list gets address ``n_inputs + i``.  Unused gate genes read input 0
    twice; they have no path to the output, so they change nothing.  ``output`` may be a
    list of addresses (one output gene each).

    Examples
    --------
    >>> g = genome_from_gates([(0, 1), (0, 4), (1, 4), (5, 6)], 7)
    >>> g.shape, g[:8].tolist(), int(g[-1])
    ((25,), [0, 1, 0, 4, 1, 4, 5, 6], 7)
    >>> genome_from_gates([(0, 1)] * 13, 4)
    Traceback (most recent call last):
    ...
    ValueError: 13 gates do not fit in 12 gate genes
    """
    if len(gates) > n_gates:
        raise ValueError(f"{len(gates)} gates do not fit in {n_gates} gate genes")
    outputs = [output] if np.ndim(output) == 0 else list(output)
    genome = np.zeros(2 * n_gates + len(outputs), GENE_DTYPE)
    for i, (a, b) in enumerate(gates):
        genome[2 * i], genome[2 * i + 1] = a, b
    genome[2 * n_gates:] = outputs
    return genome
