"""The retina networks of Clune, Mouret & Lipson (2013), as in the authors' code of that time.

Task: 8 inputs; pattern ``s`` (0..255) sets input ``i`` to +1 when bit ``i`` of ``s`` is set,
else -1.  Inputs 0-3 are the left half (``s & 0xF``), 4-7 the right (``s & 0xF0``); a half is
an object when its value is in the protocol's list (clune2013.md C.1).

Network: layers 8-8-4-2-1 (inputs, three hidden layers, one output); connections only
from a layer to the next (106 possible); weights in {-2,-1,1,2}, biases in
{-2,-1,0,1,2}; y = tanh(20 (sum w y + b)).  With integer weights and biases every sum is an
integer and tanh(20 k) in float64 is exactly +1 or -1 for k != 0 and 0 for k = 0, so a
node's output is sign(sum + b): evaluated here in integers, bit for bit the same as the
float model (tested).  An answer is right only when the output is > 0 for "true" and < 0
for "false" (the code's rule; an output of 0 is wrong either way).

Genome: 106 connection genes (0 = absent, k = 1..4: weight index into the weight list)
followed by one bias index per non-input node (15).

Mutation, per offspring (gen_spatial.hpp / gen_dnn.hpp): each existing connection's weight
with probability ``weight_mutations / n_connections`` moves to a neighbouring value in the
ordered weight list (clamped at the ends); each bias with probability ``bias_rate`` is
re-drawn uniformly (code; the paper says +-1: option); then with probability
``add_connection`` one new connection between unconnected nodes of consecutive layers,
and with probability ``remove_connection`` one random connection is removed.
Initial genomes: random biases, and ``U{0 .. init_max_connections - 1}`` connection-add
attempts with random weights.
"""
from __future__ import annotations

import numpy as np
from numba import njit

from ..rng import mt_begin, mt_below, mt_chance, mt_end, mt_skip
from ..modularity import separates_groups
from .base import Evaluation

N_IN = 8


def connection_table(layers):
    """(src, dst) node indices of every possible connection, layer by layer.

    Nodes are numbered layer after layer (inputs first); every node of a layer may connect
    to every node of the next one and to nothing else (Clune, Mouret & Lipson 2013: layers
    8-8-4-2-1, 106 possible connections).  Connections are listed in the order of their
    genes: by source layer, then source node, then target node.

    Parameters
    ----------
    layers : sequence of int
        Nodes per layer, inputs first.

    Returns
    -------
    src, dst : ndarray of int64
        Source and target node of each possible connection.

    Examples
    --------
    >>> src, dst = connection_table((8, 8, 4, 2, 1))
    >>> len(src)
    106
    >>> (int(src[0]), int(dst[0])), (int(src[-1]), int(dst[-1]))
    ((0, 8), (21, 22))
    >>> [a.tolist() for a in connection_table((2, 2, 1))]
    [[0, 0, 1, 1, 2, 3], [2, 3, 2, 3, 4, 4]]
    """
    starts = np.cumsum((0,) + tuple(layers[:-1]))
    src, dst = [], []
    for l in range(len(layers) - 1):
        for a in range(layers[l]):
            for b in range(layers[l + 1]):
                src.append(starts[l] + a)
                dst.append(starts[l + 1] + b)
    return np.array(src, np.int64), np.array(dst, np.int64)


def object_mask(values, half_mask) -> int:
    """256-bit mask of the patterns whose half (``s & half_mask``) is one of ``values``.

    Bit ``s`` of the result is set when the retina pattern ``s`` (0..255) shows an object on
    that half: ``s & half_mask`` is in ``values`` (clune2013.md C.1; left half ``0x0F``,
    right half ``0xF0``, the right half's values shifted accordingly).

    Examples
    --------
    >>> m = object_mask([0b0111], 0x0F)
    >>> bin(m).count("1")          # the 16 patterns whose left half is 0111
    16
    >>> m >> 0b0111 & 1, m >> 0b1000 & 1
    (1, 0)
    >>> bin(object_mask([0x10, 0x20], 0xF0)).count("1")
    32
    """
    vals = set(values)
    return sum(1 << s for s in range(256) if (s & half_mask) in vals)


# --------------------------------------------------------------------------- evaluation
@njit(cache=True)
def _forward(g, src, dst, layer_end, n_nodes, weights, biases, inputs, acc, vals):
    """All node outputs of one network into ``vals`` (n_nodes, n_patterns), layer by layer:
    a layer's outputs are final once every connection into it has been added.  The inputs
    are the first ``inputs.shape[0]`` nodes."""
    n_conn = src.shape[0]
    n_in = inputs.shape[0]
    n_pat = inputs.shape[1]
    for i in range(n_in):
        for p in range(n_pat):
            vals[i, p] = inputs[i, p]
    for v in range(n_in, n_nodes):
        b = biases[g[n_conn + v - n_in]]
        for p in range(n_pat):
            acc[v, p] = b
    c = 0
    lo = n_in
    for hi in layer_end[1:]:
        # connections into nodes lo..hi-1 all come from the previous layer, listed before c moves on
        while c < n_conn and dst[c] < hi:
            wi = g[c]
            if wi != 0:
                w = weights[wi - 1]
                s = src[c]
                d = dst[c]
                for p in range(n_pat):
                    acc[d, p] += w * vals[s, p]
            c += 1
        for v in range(lo, hi):
            for p in range(n_pat):
                a = acc[v, p]
                vals[v, p] = 1 if a > 0 else (-1 if a < 0 else 0)
        lo = hi


@njit(cache=True)
def _right(o, t, rule):
    """Is output ``o`` (-1, 0 or 1) the right answer to target ``t``?  rule 0 (strict):
    > 0 for true, < 0 for false, 0 wrong; 1: >= 0 true; 2: > 0 true, <= 0 false."""
    if rule == 0:
        return (o > 0 and t) or (o < 0 and not t)
    if rule == 1:
        return (o >= 0) == t
    return (o > 0) == t


@njit(cache=True)
def evaluate_2013(genomes, src, dst, layer_end, n_nodes, weights, biases, inputs, targets, n_out, rule):
    """Correct answers (out of n_out x n_patterns) of every network on every target, and the outputs.

    Each node computes tanh(20 (sum w y + b)) with integer weights and biases, evaluated
    exactly as sign(sum w y + b) in integers (Clune, Mouret & Lipson 2013; see the module
    docstring).  ``inputs``: (n_in, n_patterns) int8 of +-1; ``targets``: (n_goals, n_out *
    n_patterns) bool, output ``k``'s answer to pattern ``p`` at ``k * n_patterns + p``; the
    outputs are the last ``n_out`` nodes.  Outputs in {-1, 0, 1}, judged by ``rule`` (0:
    strict, > 0 true and < 0 false, 0 always wrong; 1: >= 0 true; 2: > 0 true, <= 0 false).

    Returns
    -------
    correct : ndarray, shape (n_genomes, n_goals), int32
    outputs : ndarray, shape (n_genomes, n_out * n_patterns), int8

    Examples
    --------
    A 2-1 network (genes: two weight indices into ``weights``, one bias index): weights
    +1, +1 and bias -1 compute AND; bias 0 outputs 0 when exactly one input is on.

    >>> src, dst = connection_table((2, 1))
    >>> weights = np.array([-2, -1, 1, 2], np.int16)
    >>> biases = np.array([-2, -1, 0, 1, 2], np.int16)
    >>> g = np.array([[3, 3, 1], [3, 3, 2]], np.int8)
    >>> args = (src, dst, np.array([2, 3]), 3, weights, biases, pattern_inputs(2))
    >>> AND, OR = [False, False, False, True], [False, True, True, True]
    >>> correct, outs = evaluate_2013(g, *args, np.array([AND, OR]), 1, 0)
    >>> outs.tolist()
    [[-1, -1, -1, 1], [-1, 0, 0, 1]]
    >>> correct.tolist()             # strict rule: an output of 0 is wrong
    [[4, 2], [2, 2]]
    >>> evaluate_2013(g, *args, np.array([AND, OR]), 1, 1)[0].tolist()   # 0 counts as true
    [[4, 2], [2, 4]]
    """
    pop = genomes.shape[0]
    n_pat = inputs.shape[1]
    n_goals = targets.shape[0]
    correct = np.zeros((pop, n_goals), np.int32)
    outs = np.zeros((pop, n_out * n_pat), np.int8)
    acc = np.zeros((n_nodes, n_pat), np.int16)
    vals = np.zeros((n_nodes, n_pat), np.int8)
    for k in range(pop):
        _forward(genomes[k], src, dst, layer_end, n_nodes, weights, biases, inputs, acc, vals)
        for j in range(n_out):
            node = n_nodes - n_out + j
            for p in range(n_pat):
                o = vals[node, p]
                outs[k, j * n_pat + p] = o
                for t in range(n_goals):
                    if _right(o, targets[t, j * n_pat + p], rule):
                        correct[k, t] += 1
    return correct, outs


@njit(cache=True)
def node_outputs_2013(genome, src, dst, layer_end, n_nodes, weights, biases, inputs):
    """All node outputs (n_nodes, n_patterns) of one network (for sub-solution analysis).

    Row ``v`` holds node ``v``'s output (-1, 0 or 1) on every pattern; the input rows are the
    inputs themselves.  Same arguments as :func:`evaluate_2013`, for one genome.

    Examples
    --------
    >>> src, dst = connection_table((2, 1))
    >>> weights = np.array([-2, -1, 1, 2], np.int16)
    >>> biases = np.array([-2, -1, 0, 1, 2], np.int16)
    >>> g = np.array([3, 3, 1], np.int8)          # weights +1, +1, bias -1: AND
    >>> node_outputs_2013(g, src, dst, np.array([2, 3]), 3, weights, biases, pattern_inputs(2)).tolist()
    [[-1, 1, -1, 1], [-1, -1, 1, 1], [-1, -1, -1, 1]]
    """
    acc = np.zeros((n_nodes, inputs.shape[1]), np.int16)
    vals = np.zeros((n_nodes, inputs.shape[1]), np.int8)
    _forward(genome, src, dst, layer_end, n_nodes, weights, biases, inputs, acc, vals)
    return vals


# --------------------------------------------------------------------------- variation
@njit(cache=True)
def _draws_per_try(n_pairs, pair_size):
    """32-bit outputs one try of :func:`_add_connection` takes when it fails, or -1 when that
    depends on the values drawn: ``np.random.randint(0, n)`` takes none for n = 1, exactly one
    for a power of two n >= 2, a random number otherwise (rejection)."""
    if n_pairs & (n_pairs - 1) != 0:
        return -1
    per = 1 if n_pairs > 1 else 0
    for l in range(n_pairs):
        size = pair_size[l]
        if size < 2 or size & (size - 1) != 0:
            return -1
    return per + 1


@njit(cache=True)
def _add_connection_at(g, pair_start, pair_size, n_nodes, mt, i):
    """:func:`_add_connection` drawing through the cursor ``(mt, i)`` of
    :mod:`replication.rng`; returns (added, the cursor's new index)."""
    n_pairs = pair_start.shape[0]
    tries = n_nodes * n_nodes
    for t in range(tries):
        l, i = mt_below(mt, i, n_pairs)
        r, i = mt_below(mt, i, pair_size[l])
        c = pair_start[l] + r
        if g[c] == 0:
            w, i = mt_below(mt, i, 4)            # np.random.randint(1, 5)
            g[c] = 1 + w
            return True, i
        if t == 0:
            per = _draws_per_try(n_pairs, pair_size)
            if per >= 0:
                full = True
                for c in range(pair_start[n_pairs - 1] + pair_size[n_pairs - 1]):
                    if g[c] == 0:
                        full = False
                        break
                if full:                         # every other try fails too: skip their draws
                    return False, mt_skip(i, per * (tries - 1))
    return False, i


@njit(cache=True)
def _add_connection(g, pair_start, pair_size, n_nodes):
    """Add one connection as the authors' code does: a pair of consecutive layers chosen
    uniformly, then a source and a target in them uniformly; retried (all three draws) while
    the chosen connection exists, at most n_nodes**2 times.  (Not uniform over the 106 slots:
    each of the 2 slots into the output is drawn with probability 1/8.)

    On a full network every try fails: after the first, the draws of the other tries are
    skipped (:func:`replication.rng.mt_skip`) where their number is fixed, leaving the
    generator as the tries would."""
    mt, i = mt_begin()
    added, i = _add_connection_at(g, pair_start, pair_size, n_nodes, mt, i)
    mt_end(i)
    return added


@njit(cache=True)
def random_2013(pop, n_conn, n_nodes, init_max, n_biases, pair_start, pair_size, n_in):
    """Initial genomes of the 2013 networks, drawn from numba's generator.

    Each genome gets a uniformly random bias index per non-input node, then
    ``U{0 .. init_max - 1}`` connection-add attempts, each with a random weight index 1..4
    (the authors' code, Clune, Mouret & Lipson 2013).  ``pair_start``/``pair_size``: first
    gene and number of genes of each pair of consecutive layers.

    Returns
    -------
    ndarray, shape (pop, n_conn + n_nodes - n_in), int8
        Connection genes (0 = absent, 1..4 = weight index), then bias indices.

    Examples
    --------
    >>> from replication.rng import seed_numba
    >>> starts, sizes = np.array([0, 64, 96, 104]), np.array([64, 32, 8, 2])   # 8-8-4-2-1
    >>> seed_numba(0, "generation", 0)
    >>> g = random_2013(50, 106, 23, 20, 5, starts, sizes, 8)
    >>> g.shape, int(g[:, :106].max()) <= 4, int(g[:, 106:].max()) <= 4
    ((50, 121), True, True)
    >>> int((g[:, :106] != 0).sum(axis=1).max()) < 20     # at most init_max - 1 connections
    True
    >>> seed_numba(0, "generation", 0)
    >>> bool((random_2013(50, 106, 23, 20, 5, starts, sizes, 8) == g).all())   # reproducible
    True
    """
    genomes = np.zeros((pop, n_conn + n_nodes - n_in), np.int8)
    for k in range(pop):
        for v in range(n_nodes - n_in):
            genomes[k, n_conn + v] = np.random.randint(0, n_biases)
        for _ in range(np.random.randint(0, init_max)):
            _add_connection(genomes[k], pair_start, pair_size, n_nodes)
    return genomes


@njit(cache=True)
def mutate_2013(genomes, n_conn, n_nodes, weight_mut, bias_rate, bias_step, add_rate, del_rate,
                n_biases, pair_start, pair_size, n_in):
    """Mutate every genome in place, as the authors' code does (Clune, Mouret & Lipson 2013).

    Per genome: each existing connection's weight index moves one step up or down with
    probability ``weight_mut / n_connections`` (clamped to 1..4); each bias index with
    probability ``bias_rate`` is redrawn (or, with ``bias_step``, moved by +-1, out-of-range
    steps ignored); then with probability ``add_rate`` one connection is added, and with
    probability ``del_rate`` one existing connection (counted before the addition) is removed.

    Examples
    --------
    >>> from replication.rng import seed_numba
    >>> starts, sizes = np.array([0, 64, 96, 104]), np.array([64, 32, 8, 2])   # 8-8-4-2-1
    >>> seed_numba(0, "generation", 0)
    >>> g = np.zeros((3, 121), np.int8)
    >>> mutate_2013(g, 106, 23, 0.0, 0.0, False, 1.0, 0.0, 5, starts, sizes, 8)   # add only
    >>> (g[:, :106] != 0).sum(axis=1).tolist()
    [1, 1, 1]
    >>> mutate_2013(g, 106, 23, 0.0, 0.0, False, 0.0, 1.0, 5, starts, sizes, 8)   # remove only
    >>> (g[:, :106] != 0).sum(axis=1).tolist()
    [0, 0, 0]
    """
    # every draw through one cursor on numba's generator (replication.rng): the same numbers as
    # np.random.random() / randint, in the same order, without a memory round trip per draw;
    # mt_chance(p) is np.random.random() < p, computing the number only as far as it matters
    mt, i = mt_begin()
    for k in range(genomes.shape[0]):
        g = genomes[k]
        n_edges = 0
        for c in range(n_conn):
            if g[c] != 0:
                n_edges += 1
        if n_edges > 0:
            pw = weight_mut / n_edges
            for c in range(n_conn):
                if g[c] != 0:
                    hit, i = mt_chance(mt, i, pw)
                    if hit:
                        up, i = mt_chance(mt, i, 0.5)
                        v = g[c] + (1 if up else -1)
                        if 1 <= v <= 4:             # ordered list, clamped at the ends
                            g[c] = v
        for v in range(n_nodes - n_in):
            hit, i = mt_chance(mt, i, bias_rate)
            if hit:
                if bias_step:
                    up, i = mt_chance(mt, i, 0.5)
                    b = g[n_conn + v] + (1 if up else -1)
                    if 0 <= b < n_biases:        # out-of-range steps are ignored (paper)
                        g[n_conn + v] = b
                else:
                    r, i = mt_below(mt, i, n_biases)
                    g[n_conn + v] = r
        hit, i = mt_chance(mt, i, add_rate)
        if hit:
            added, i = _add_connection_at(g, pair_start, pair_size, n_nodes, mt, i)
        hit, i = mt_chance(mt, i, del_rate)
        if hit and n_edges > 0:
            pick, i = mt_below(mt, i, n_edges)
            for c in range(n_conn):
                if g[c] != 0:
                    if pick == 0:
                        g[c] = 0
                        break
                    pick -= 1
    mt_end(i)


# --------------------------------------------------------------------------- structure + cost
@njit(cache=True)
def simplified_edges(genome, src, dst, n_nodes, n_in=8, n_out=1):
    """Edges of the simplified network: hidden nodes without a directed path to an output
    are removed (inputs stay); returns a mask over connections and a node mask (nodes left
    with at least one edge).  Inputs are the first ``n_in`` nodes, outputs the last ``n_out``.

    The authors measure Q and connection cost on this simplified network (Clune, Mouret &
    Lipson 2013).

    Examples
    --------
    Layers 2-2-1 (inputs 0, 1; hidden 2, 3; output 4): node 3 has an input but no path to
    the output, so its connection goes.

    >>> src, dst = connection_table((2, 2, 1))
    >>> g = np.array([3, 0, 0, 3, 3, 0, 1, 1, 1], np.int8)   # 0->2, 1->3, 2->4; three biases
    >>> keep, nodes = simplified_edges(g, src, dst, 5, 2, 1)
    >>> [(int(a), int(b)) for a, b in zip(src[keep], dst[keep])]
    [(0, 2), (2, 4)]
    >>> np.flatnonzero(nodes).tolist()
    [0, 2, 4]
    """
    n_conn = src.shape[0]
    reach = np.zeros(n_nodes, np.bool_)
    for v in range(n_nodes - n_out, n_nodes):
        reach[v] = True
    for c in range(n_conn - 1, -1, -1):          # later layers first
        if genome[c] != 0 and reach[dst[c]]:
            reach[src[c]] = True
    keep = np.zeros(n_conn, np.bool_)
    nodes = np.zeros(n_nodes, np.bool_)
    for c in range(n_conn):
        if genome[c] != 0 and reach[dst[c]] and (src[c] < n_in or reach[src[c]]):
            keep[c] = True
            nodes[src[c]] = True
            nodes[dst[c]] = True
    return keep, nodes


@njit(cache=True)
def _solve2(a, bx, by, n):
    """Solve a x = bx and a y = by in place (a: symmetric positive definite, small) by
    Gaussian elimination without pivoting (safe for such matrices)."""
    for k in range(n):
        piv = a[k, k]
        for i in range(k + 1, n):
            f = a[i, k] / piv
            if f != 0.0:
                for j in range(k, n):
                    a[i, j] -= f * a[k, j]
                bx[i] -= f * bx[k]
                by[i] -= f * by[k]
    for k in range(n - 1, -1, -1):
        sx = bx[k]
        sy = by[k]
        for j in range(k + 1, n):
            sx -= a[k, j] * bx[j]
            sy -= a[k, j] * by[j]
        bx[k] = sx / a[k, k]
        by[k] = sy / a[k, k]


@njit(cache=True)
def placement_cost(genome, src, dst, n_nodes, xs, ys, optimal, n_in=8, n_out=1):
    """Summed squared length of the simplified network's connections.  ``optimal``: hidden
    nodes placed where that sum is smallest (each at the mean of its neighbours; inputs and
    outputs fixed), a linear solve per axis; else at their layer coordinates.

    The connection cost of Clune, Mouret & Lipson (2013), computed on the simplified network
    (:func:`simplified_edges`); ``xs``, ``ys``: each node's layer coordinates.

    Examples
    --------
    A chain 0 -> 2 -> 4 (layers 2-2-1): at the layer coordinates it costs 1 + 2 = 3; the
    hidden node placed at the mean of its neighbours, (-0.5, 1), costs 1.25 + 1.25.

    >>> src, dst = connection_table((2, 2, 1))
    >>> g = np.array([3, 0, 0, 3, 3, 0, 1, 1, 1], np.int8)   # 1->3 is simplified away
    >>> xs = np.array([-1., 1., -1., 1., 0.]); ys = np.array([0., 0., 1., 1., 2.])
    >>> placement_cost(g, src, dst, 5, xs, ys, False, 2, 1), placement_cost(g, src, dst, 5, xs, ys, True, 2, 1)
    (3.0, 2.5)
    """
    keep, nodes = simplified_edges(genome, src, dst, n_nodes, n_in, n_out)
    # the hidden nodes left in the simplified network are those with a path to an output:
    # the same placement and sum as the fused loop's _kept_cost, in fresh buffers
    n = n_nodes
    return _kept_cost(keep, nodes, src, dst, xs, ys, 0 if optimal else 1, n_in, n_out,
                      np.empty(n, np.int64), np.empty((n, n)), np.empty(n), np.empty(n), np.empty(n), np.empty(n))


@njit(cache=True)
def population_costs(genomes, src, dst, n_nodes, xs, ys, kind, n_in=8, n_out=1):
    """Connection cost of every genome: one of three measures, all on the simplified network.

    kind 0: squared length, optimal placement; 1: squared length, fixed coordinates;
    2: number of connections of the simplified network (see :func:`placement_cost`).

    Examples
    --------
    >>> src, dst = connection_table((2, 2, 1))
    >>> g = np.array([[3, 0, 0, 3, 3, 0, 1, 1, 1]], np.int8)   # 0->2->4 kept, 1->3 dropped
    >>> xs = np.array([-1., 1., -1., 1., 0.]); ys = np.array([0., 0., 1., 1., 2.])
    >>> [population_costs(g, src, dst, 5, xs, ys, kind, 2, 1).tolist() for kind in (0, 1, 2)]
    [[2.5], [3.0], [2.0]]
    """
    pop = genomes.shape[0]
    out = np.zeros(pop)
    for k in range(pop):
        if kind == 2:
            keep, _ = simplified_edges(genomes[k], src, dst, n_nodes, n_in, n_out)
            out[k] = keep.sum()
        else:
            out[k] = placement_cost(genomes[k], src, dst, n_nodes, xs, ys, kind == 0, n_in, n_out)
    return out


# --------------------------------------------------------------------------- the NSGA-II loop's kernels
# A generation of the 2013 loop evaluates N children, each a mutated copy of one parent.  These
# kernels give exactly what evaluate_2013 and population_costs give, faster:
# * only nodes with a path to an output are computed (no other node can change an output);
# * node values are int8 rows, a node's inputs summed into one int8 row when no sum can leave
#   [-127, 127] (integer sums: the order of the additions cannot matter), so the pattern loops
#   are plain SIMD over contiguous bytes;
# * a child whose output-relevant genes (the simplified network's connections, their weights,
#   the biases of its nodes) equal its parent's has its parent's correct answers, and one whose
#   simplified network is its parent's has its parent's cost (the cost depends on that
#   network alone); nothing is recomputed then;
# * other costs come from a memo by simplified network kept over the run, else are computed
#   in buffers allocated once per call, with the very arithmetic, in the same order, of
#   placement_cost (the same float64 bits).
# (Tried and dropped, no faster on this machine: branch-free structure and comparison loops,
# gathering a node's connections to add four rows at a time, rows pre-multiplied by each
# weight.  The pattern loops run at the SIMD units' pace already.)


def input_table(src, dst, n_nodes):
    """Incoming connections of every node: ``conn[start[v]:start[v + 1]]`` are the genes of the
    connections into node ``v``, in gene order.

    Examples
    --------
    >>> src, dst = connection_table((2, 2, 1))
    >>> start, conn = input_table(src, dst, 5)
    >>> start.tolist(), conn.tolist()
    ([0, 0, 0, 2, 4, 6], [0, 2, 1, 3, 4, 5])
    """
    order = np.argsort(dst, kind="stable")
    start = np.zeros(n_nodes + 1, np.int64)
    np.add.at(start, dst + 1, 1)
    return np.cumsum(start), order.astype(np.int64)


def target_codes(targets, rule):
    """(want, flip) such that output ``o`` is right exactly when ``(o == want) != flip``.

    Encodes :func:`_right`'s rules for the outputs -1, 0, 1 as byte arrays the scoring loop
    compares in SIMD: strict (rule 0) wants +1 for true and -1 for false; "non-negative true"
    (1) is right unless ``o == -1`` for a true answer or ``o != -1`` for a false one; "positive
    true" (2) is right when ``o == 1`` matches the answer.

    Examples
    --------
    >>> t = np.array([[True, False]])
    >>> [(w.tolist(), f.tolist()) for w, f in (target_codes(t, r) for r in (0, 1, 2))]
    [([[1, -1]], [[False, False]]), ([[-1, -1]], [[True, False]]), ([[1, 1]], [[False, True]])]
    """
    targets = np.asarray(targets, np.bool_)
    if rule == 0:
        return np.where(targets, 1, -1).astype(np.int8), np.zeros(targets.shape, np.bool_)
    if rule == 1:
        return np.full(targets.shape, -1, np.int8), targets.copy()
    return np.ones(targets.shape, np.int8), ~targets


@njit(cache=True)
def _structure(g, src, dst, n_nodes, n_out, reach, keep, words):
    """The simplified network of genome ``g`` (as :func:`simplified_edges`): ``reach[v]``, node
    v has a path to an output; ``keep[c]``, connection c is present and ends at such a node;
    ``words``, ``keep`` as bits."""
    n_conn = src.shape[0]
    for v in range(n_nodes - n_out):
        reach[v] = False
    for v in range(n_nodes - n_out, n_nodes):
        reach[v] = True
    for w in range(words.shape[0]):
        words[w] = 0
    for c in range(n_conn - 1, -1, -1):          # later layers first: reach[dst] is final
        if g[c] != 0 and reach[dst[c]]:
            reach[src[c]] = True
            keep[c] = True
            words[c >> 6] |= np.uint64(1) << np.uint64(c & 63)
        else:
            keep[c] = False


@njit(cache=True)
def _same_function(g, parent, keep, reach, n_in, n_nodes):
    """With the parent's simplified network: are the weights of its connections and the
    biases of its nodes the parent's too (then every output is the parent's)?"""
    n_conn = keep.shape[0]
    for c in range(n_conn):
        if keep[c] and g[c] != parent[c]:
            return False
    for v in range(n_in, n_nodes):
        if reach[v] and g[n_conn + v - n_in] != parent[n_conn + v - n_in]:
            return False
    return True


@njit(cache=True)
def _output_correct(g, src, in_start, in_conn, weights, biases, n_in, n_out, reach, vals, acc, want, flip,
                    out):
    """Correct answers of one network per goal into ``out``, computing only the nodes that
    reach an output (``vals``: node rows, the inputs' rows already filled; ``acc``: one row
    of the accumulator type, ``weights`` of that type)."""
    n_conn = src.shape[0]
    n_nodes = vals.shape[0]
    n_pat = vals.shape[1]
    for v in range(n_in, n_nodes):
        if not reach[v]:
            continue
        b = biases[g[n_conn + v - n_in]]
        for p in range(n_pat):
            acc[p] = b
        for j in range(in_start[v], in_start[v + 1]):
            c = in_conn[j]
            wi = g[c]
            if wi == 0:
                continue
            w = weights[wi - 1]
            vs = vals[src[c]]
            for p in range(n_pat):
                acc[p] += w * vs[p]
        row = vals[v]
        for p in range(n_pat):
            a = acc[p]
            row[p] = (a > 0) - (a < 0)
    for t in range(want.shape[0]):
        cnt = 0
        for j in range(n_out):
            o = vals[n_nodes - n_out + j]
            x = want[t, j * n_pat:(j + 1) * n_pat]
            f = flip[t, j * n_pat:(j + 1) * n_pat]
            for p in range(n_pat):
                cnt += (o[p] == x[p]) != f[p]
        out[t] = cnt


@njit(cache=True)
def simplified_words(genomes, src, dst, n_nodes, n_out):
    """Each genome's simplified network (:func:`simplified_edges`' connections) as bits:
    bit ``c % 64`` of word ``c // 64`` is set when connection ``c`` is kept.

    Examples
    --------
    >>> src, dst = connection_table((2, 2, 1))
    >>> g = np.array([[3, 0, 0, 3, 3, 0, 1, 1, 1]], np.int8)   # 0->2->4 kept, 1->3 dropped
    >>> simplified_words(g, src, dst, 5, 1).tolist()             # connections 0 and 4
    [[17]]
    """
    n_conn = src.shape[0]
    words = np.zeros((genomes.shape[0], (n_conn + 63) // 64), np.uint64)
    reach = np.zeros(n_nodes, np.bool_)
    keep = np.zeros(n_conn, np.bool_)
    for k in range(genomes.shape[0]):
        _structure(genomes[k], src, dst, n_nodes, n_out, reach, keep, words[k])
    return words


@njit(cache=True)
def _kept_cost(keep, reach, src, dst, xs, ys, kind, n_in, n_out, hidden, lap, bx, by, px, py):
    """:func:`population_costs`' value for one simplified network (``keep``, ``reach`` from
    :func:`_structure`, or :func:`simplified_edges`' edge and node masks), in the caller's
    buffers (``lap`` at least h x h for h hidden nodes).  kind 0: squared length after optimal
    placement of the hidden nodes, 1: at the layer coordinates, 2: number of connections.
    :func:`placement_cost` is this in fresh buffers."""
    n_conn = src.shape[0]
    n_nodes = reach.shape[0]
    if kind == 2:
        n = 0
        for c in range(n_conn):
            if keep[c]:
                n += 1
        return float(n)
    for v in range(n_nodes):
        px[v] = xs[v]
        py[v] = ys[v]
    if kind == 0:
        h = 0
        for v in range(n_nodes):
            hidden[v] = -1
        for v in range(n_in, n_nodes - n_out):
            if reach[v]:                 # a hidden node of the simplified network
                hidden[v] = h
                h += 1
        if h > 0:
            for i in range(h):
                bx[i] = 0.0
                by[i] = 0.0
                for j in range(h):
                    lap[i, j] = 0.0
            for c in range(n_conn):
                if not keep[c]:
                    continue
                a, b = src[c], dst[c]
                if hidden[a] >= 0:
                    lap[hidden[a], hidden[a]] += 1.0
                    if hidden[b] >= 0:
                        lap[hidden[a], hidden[b]] -= 1.0
                    else:
                        bx[hidden[a]] += xs[b]
                        by[hidden[a]] += ys[b]
                if hidden[b] >= 0:
                    lap[hidden[b], hidden[b]] += 1.0
                    if hidden[a] >= 0:
                        lap[hidden[b], hidden[a]] -= 1.0
                    else:
                        bx[hidden[b]] += xs[a]
                        by[hidden[b]] += ys[a]
            _solve2(lap, bx, by, h)
            for v in range(n_nodes):
                if hidden[v] >= 0:
                    px[v] = bx[hidden[v]]
                    py[v] = by[hidden[v]]
    cost = 0.0
    for c in range(n_conn):
        if keep[c]:
            dx = px[src[c]] - px[dst[c]]
            dy = py[src[c]] - py[dst[c]]
            cost += dx * dx + dy * dy
    return cost


def new_cost_memo(n_conn: int, slots: int = 4096) -> tuple:
    """An empty memo of connection costs by simplified network, for
    :func:`children_objectives_2013`: (keys, costs), a slot empty while its cost is NaN.

    The cost of a network is a function of its simplified network alone (for fixed input
    coordinates), so a memo kept across generations gives the same costs; late in a P&CC run
    most children's networks are one of a few hundred neighbours of the population's.

    Examples
    --------
    >>> keys, costs = new_cost_memo(106, slots=8)
    >>> keys.shape, bool(np.isnan(costs).all())
    ((8, 2), True)
    """
    if slots & (slots - 1):
        raise ValueError("the memo needs a power-of-two number of slots")
    return np.zeros((slots, (n_conn + 63) // 64), np.uint64), np.full(slots, np.nan)


@njit(cache=True)
def _memo_slot(keys, costs, words):
    """The slot of ``words`` in the memo: where they are stored, else an empty slot to store
    them in (open addressing, 8 probes), else the first probe (to overwrite)."""
    n_words = words.shape[0]
    h = np.uint64(0x9E3779B97F4A7C15)
    for w in range(n_words):
        h = (h ^ words[w]) * np.uint64(0xBF58476D1CE4E5B9)
        h ^= h >> np.uint64(31)
    mask = keys.shape[0] - 1
    home = np.int64(h & np.uint64(mask))
    for probe in range(8):
        slot = (home + probe) & mask
        if np.isnan(costs[slot]):
            return slot
        same = True
        for w in range(n_words):
            if keys[slot, w] != words[w]:
                same = False
                break
        if same:
            return slot
    return home


@njit(cache=True)
def children_objectives_2013(genomes, parent_of, parents, parent_correct, parent_cost, parent_words,
                             src, dst, in_start, in_conn, weights, biases, inputs, want, flip, n_out,
                             xs, ys, kind, correct, cost, words, memo_keys, memo_costs):
    """Correct answers, connection cost and simplified network of every genome, reusing a
    parent's values where they cannot differ: what :func:`evaluate_2013` (its ``correct``) and
    :func:`population_costs` give, bit for bit.

    ``parent_of[k]``: the row of ``parents`` that genome k was copied from before its mutation
    (-1: none, evaluate afresh); ``parent_correct``, ``parent_cost``, ``parent_words``: that
    population's values.  ``weights``: the weight values in the accumulator's integer type
    (int8 when no node's sum can leave [-127, 127]); ``want``, ``flip``: :func:`target_codes`;
    ``kind``: 0, 1, 2 as :func:`population_costs`, -1 for no cost (``cost`` left as it is);
    ``memo_keys``, ``memo_costs``: :func:`new_cost_memo` (no rows: no memo).
    Fills ``correct`` (n, n_goals), ``cost`` (n,) and ``words`` (n, ceil(n_conn / 64)): the
    simplified network's connections as bits.  Returns how many networks were evaluated and
    how many costs computed (the others were their parents').

    Examples
    --------
    Layers 2-1 with AND's weights; the child differs only in a bias, so it is evaluated, but
    its cost is its parent's:

    >>> src, dst = connection_table((2, 1))
    >>> start, conn = input_table(src, dst, 3)
    >>> weights = np.array([-2, -1, 1, 2], np.int8); biases = np.array([-2, -1, 0, 1, 2], np.int16)
    >>> want, flip = target_codes(np.array([[False, False, False, True]]), 0)
    >>> xs = np.array([-1.0, 1.0, 0.0]); ys = np.array([0.0, 0.0, 1.0])
    >>> args = (src, dst, start, conn, weights, biases, pattern_inputs(2), want, flip, 1, xs, ys, 0)
    >>> g = np.array([[3, 3, 1]], np.int8)
    >>> c, k, w = np.zeros((1, 1), np.int32), np.zeros(1), np.zeros((1, 1), np.uint64)
    >>> memo = new_cost_memo(2, slots=4)
    >>> children_objectives_2013(g, np.array([-1]), g, c, k, w, *args, c, k, w, *memo)
    (1, 1)
    >>> c.tolist(), k.tolist(), w.tolist()
    ([[4]], [4.0], [[3]])
    >>> child = np.array([[3, 3, 2]], np.int8)
    >>> c2, k2, w2 = np.zeros((1, 1), np.int32), np.zeros(1), np.zeros((1, 1), np.uint64)
    >>> children_objectives_2013(child, np.array([0]), g, c, k, w, *args, c2, k2, w2, *memo)
    (1, 0)
    >>> c2.tolist(), k2.tolist()
    ([[2]], [4.0])
    """
    n = genomes.shape[0]
    n_conn = src.shape[0]
    n_nodes = xs.shape[0]
    n_in = inputs.shape[0]
    n_pat = inputs.shape[1]
    n_words = words.shape[1]
    reach = np.zeros(n_nodes, np.bool_)
    keep = np.zeros(n_conn, np.bool_)
    vals = np.zeros((n_nodes, n_pat), np.int8)
    for i in range(n_in):
        for p in range(n_pat):
            vals[i, p] = inputs[i, p]
    acc = np.zeros(n_pat, weights.dtype)
    hidden = np.empty(n_nodes, np.int64)
    lap = np.empty((n_nodes, n_nodes))
    bx = np.empty(n_nodes)
    by = np.empty(n_nodes)
    px = np.empty(n_nodes)
    py = np.empty(n_nodes)
    n_eval = 0
    n_cost = 0
    for k in range(n):
        g = genomes[k]
        _structure(g, src, dst, n_nodes, n_out, reach, keep, words[k])
        pk = parent_of[k]
        same = pk >= 0
        if same:
            for w in range(n_words):
                if words[k, w] != parent_words[pk, w]:
                    same = False
                    break
        if same and _same_function(g, parents[pk], keep, reach, n_in, n_nodes):
            for t in range(correct.shape[1]):
                correct[k, t] = parent_correct[pk, t]
        else:
            _output_correct(g, src, in_start, in_conn, weights, biases, n_in, n_out, reach, vals, acc,
                            want, flip, correct[k])
            n_eval += 1
        if kind >= 0:
            if same:
                cost[k] = parent_cost[pk]
                continue
            slot = -1
            if memo_keys.shape[0] > 0:
                slot = _memo_slot(memo_keys, memo_costs, words[k])
                if not np.isnan(memo_costs[slot]):
                    hit = True
                    for w in range(n_words):
                        if memo_keys[slot, w] != words[k, w]:
                            hit = False
                            break
                    if hit:
                        cost[k] = memo_costs[slot]
                        continue
            cost[k] = _kept_cost(keep, reach, src, dst, xs, ys, kind, n_in, n_out, hidden, lap, bx, by, px, py)
            n_cost += 1
            if slot >= 0:
                for w in range(n_words):
                    memo_keys[slot, w] = words[k, w]
                memo_costs[slot] = cost[k]
    return n_eval, n_cost


# --------------------------------------------------------------------------- python side
RULES = {"strict": 0, "non-negative-true": 1, "positive-true": 2}


def pattern_inputs(n_in: int) -> np.ndarray:
    """(n_in, 2**n_in) int8: input ``i`` is +1 on pattern ``s`` when bit ``i`` of ``s`` is set, else -1.

    The 2013 networks see a pixel as +1 (on) or -1 (off) (Clune, Mouret & Lipson 2013).

    Examples
    --------
    >>> pattern_inputs(2).tolist()
    [[-1, 1, -1, 1], [-1, -1, 1, 1]]
    >>> pattern_inputs(8).shape
    (8, 256)
    """
    s = np.arange(1 << n_in)
    return np.array([np.where(s >> i & 1, 1, -1) for i in range(n_in)], np.int8)


def task_targets(task, expressions) -> np.ndarray:
    """Targets of a ``[task]`` section's goals: (n_goals, n_outputs * 2**n_in) bool.

    ``task.kind = "boolean"``: each goal is one expression per output (``;``-separated) over
    ``task.inputs`` (input ``i`` is bit ``i`` of the pattern); ``"count"``: the goal is an
    integer ``k``, true when exactly ``k`` inputs are on (one output).

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> t = SimpleNamespace(kind="boolean", inputs=("a", "b"))
    >>> task_targets(t, ["a ^ b; a & b"]).astype(int).tolist()
    [[0, 1, 1, 0, 0, 0, 0, 1]]
    >>> task_targets(SimpleNamespace(kind="count", inputs=("a", "b")), ["1"]).astype(int).tolist()
    [[0, 1, 1, 0]]
    """
    from ..tasks import evaluate_expression
    n_in = len(task.inputs)
    n_pat = 1 << n_in
    rows = []
    for e in expressions:
        if task.kind == "count":
            k = int(e)
            rows.append([bin(s).count("1") == k for s in range(n_pat)])
            continue
        masks = {name: sum(1 << s for s in range(n_pat) if s >> i & 1) for i, name in enumerate(task.inputs)}
        row = []
        for part in e.split(";"):
            m = evaluate_expression(part.strip(), masks, (1 << n_pat) - 1)
            row.extend(m >> s & 1 for s in range(n_pat))
        rows.append(row)
    return np.array(rows, np.bool_).reshape(len(rows), -1)


class WeightedNetworkModel:
    """The 2013 weighted-network genome bound to a protocol's ``[network]``, ``[retina]`` (or
    ``[task]``) and ``[mutation]`` sections (interface: :mod:`replication.genomes.base`).

    The retina (``[retina]``): 8 inputs, one output, goals over the left and right objects
    ``L`` and ``R``.  A ``[task]`` section instead (the paper's Fig. 5 problems) names the
    inputs (``layers[0]`` of them, input ``i`` = bit ``i`` of the pattern, all ``2**n``
    patterns) and the goals: Boolean expressions over them, one per output (the last layer),
    or ``count`` goals.  Performance = right answers / (outputs x patterns).

    Examples
    --------
    >>> from replication.protocol import load_protocol
    >>> m = WeightedNetworkModel(load_protocol("original_protocol/clune2013_retina.toml", "pcc"))
    >>> empty = np.zeros((1, m.genome_length), np.int8)
    >>> ev = m.evaluate(empty, m.targets(["L & R"]))
    >>> int(ev.correct[0, 0]) <= 256
    True
    >>> x = WeightedNetworkModel(load_protocol("original_protocol/clune2013_xor5.toml", "pcc"))
    >>> x.n_in, x.n_out, x.n_rows
    (10, 5, 5120)
    """

    kind = "retina2013"
    gene_dtype = np.int8

    def __init__(self, protocol):
        net, mut = protocol.network, protocol.mutation
        self.task = protocol.sections.get("task")
        self.layers = tuple(net.layers)
        self.n_in, self.n_out = self.layers[0], self.layers[-1]
        self.n_nodes = sum(self.layers)
        self.src, self.dst = connection_table(self.layers)
        self.layer_end = np.cumsum(self.layers).astype(np.int64)
        sizes = [a * b for a, b in zip(self.layers[:-1], self.layers[1:])]
        self.pair_size = np.array(sizes, np.int64)
        self.pair_start = np.cumsum([0] + sizes[:-1]).astype(np.int64)
        self.n_conn = len(self.src)
        self.genome_length = self.n_conn + self.n_nodes - self.n_in      # a weight per slot, a bias per non-input node
        self.weights = np.array(net.weights, np.int16)
        self.biases = np.array(net.biases, np.int16)
        if len(self.weights) != 4:
            raise ValueError("the weight genes index 4 weight values")
        self.xs = np.array([x for layer in net.x for x in layer], np.float64)
        self.ys = np.array([y for y, layer in zip(net.y, net.x) for _ in layer], np.float64)
        self.inputs = pattern_inputs(self.n_in)
        self.n_patterns = self.inputs.shape[1]
        if self.task is None:
            task = protocol.retina
            self.left = object_mask(task.left_objects, 0x0F)
            self.right = object_mask(task.right_objects, 0xF0)
        self.mut = mut
        self.output_rule = net.output_rule
        self.n_rows = self.n_patterns * self.n_out
        self.analysis = protocol.analysis
        from ..modularity import recipe_from_protocol
        self.recipe = recipe_from_protocol(protocol)      # the one Q recipe (measure: raw Q)
        self._goals = dict(protocol.goals)

    # ----- task
    def targets(self, expressions) -> np.ndarray:
        """Goal expressions -> (n_goals, n_out * n_patterns) bool answers (over L and R for the
        retina, over the ``[task]`` inputs otherwise)."""
        if self.task is not None:
            return task_targets(self.task, expressions)
        from ..tasks import evaluate_expression
        rows = []
        for e in expressions:
            m = evaluate_expression(e, {"L": self.left, "R": self.right}, (1 << 256) - 1)
            rows.append([m >> s & 1 for s in range(256)])
        return np.array(rows, np.bool_).reshape(len(rows), 256)

    def start_run(self, seed: int) -> None:
        """Nothing per run."""

    # ----- population
    def random(self, pop: int) -> np.ndarray:
        return random_2013(pop, self.n_conn, self.n_nodes, self.mut.init_max_connections, len(self.biases),
                           self.pair_start, self.pair_size, self.n_in)

    def vary(self, genomes, may_vary=None) -> None:
        """Mutate every genome (the 2013 code mutates each child; no crossover)."""
        m = self.mut
        mutate_2013(genomes, self.n_conn, self.n_nodes, m.weight_mutations, m.bias_rate,
                    m.bias_mutation == "step", m.add_connection, m.remove_connection, len(self.biases),
                    self.pair_start, self.pair_size, self.n_in)

    def evaluate(self, genomes, targets: np.ndarray) -> Evaluation:
        """Correct answers per goal. ``targets``: (n_goals, n_out * n_patterns) bool."""
        correct, outs = evaluate_2013(genomes, self.src, self.dst, self.layer_end, self.n_nodes,
                                      self.weights, self.biases, self.inputs, targets, self.n_out,
                                      RULES[self.output_rule])
        return Evaluation(correct=correct, outputs=outs)

    def loop_arrays(self, targets: np.ndarray, xs=None) -> dict:
        """The fixed arguments of :func:`children_objectives_2013` for these targets and input
        coordinates (``xs``: None for the protocol's).  The accumulator is int8 when no node's
        sum can leave [-127, 127] (largest |bias| + most inputs x largest |weight|), else int16
        as in :func:`evaluate_2013`."""
        start, conn = input_table(self.src, self.dst, self.n_nodes)
        bound = int(np.abs(self.biases).max()) + int(np.diff(start).max()) * int(np.abs(self.weights).max())
        want, flip = target_codes(targets, RULES[self.output_rule])
        return dict(src=self.src, dst=self.dst, in_start=start, in_conn=conn,
                    weights=self.weights.astype(np.int8 if bound <= 127 else np.int16), biases=self.biases,
                    inputs=self.inputs, want=want, flip=flip, n_out=self.n_out,
                    xs=self.xs if xs is None else np.asarray(xs, np.float64), ys=self.ys)

    def costs(self, genomes, kind: str, xs=None) -> np.ndarray:
        code = {"length-optimal": 0, "length-fixed": 1, "connections": 2}[kind]
        return population_costs(genomes, self.src, self.dst, self.n_nodes,
                                self.xs if xs is None else xs, self.ys, code, self.n_in, self.n_out)

    def output_node(self, genome=None) -> int:
        return self.n_nodes - 1

    # ----- structure of one network
    def edges(self, genome, simplified: bool = True) -> list[tuple[int, int]]:
        if simplified:
            keep, _ = simplified_edges(np.asarray(genome, np.int8), self.src, self.dst, self.n_nodes,
                                       self.n_in, self.n_out)
        else:
            keep = np.asarray(genome[:self.n_conn]) != 0
        return [(int(a), int(b)) for a, b in zip(self.src[keep], self.dst[keep])]

    def to_networkx(self, genome, simplified: bool = True):
        import networkx as nx
        g = nx.DiGraph()
        starts = np.cumsum((0,) + self.layers[:-1])
        layer_of = np.repeat(np.arange(len(self.layers)), self.layers)
        first_out = self.n_nodes - self.n_out
        for a, b in self.edges(genome, simplified):
            for v in (a, b):
                if v not in g:
                    g.add_node(v, layer=int(layer_of[v]), kind="input" if v < self.n_in else
                               ("output" if v >= first_out else "hidden"),
                               label=f"{'i' if v < self.n_in else ('o' if v >= first_out and self.n_out > 1 else 'h')}"
                                     f"{v - starts[layer_of[v]]}")
            g.add_edge(a, b)
        return g

    def sub_solutions(self, genome) -> dict:
        """Nodes whose output alone answers "left object?" or "right object?" on all 256
        patterns (> 0 for yes and < 0 for no, or the reverse); retina only (else empty)."""
        found = {"left": [], "right": []}
        if self.task is not None:
            return found
        out = node_outputs_2013(np.asarray(genome, np.int8), self.src, self.dst, self.layer_end,
                                self.n_nodes, self.weights, self.biases, self.inputs)
        present = {v for e in self.edges(genome) for v in e}
        for name, mask in (("left", self.left), ("right", self.right)):
            t = np.array([mask >> s & 1 for s in range(256)], bool)
            for v in sorted(present - set(range(N_IN))):
                o = out[v]
                if (o != 0).all() and (((o > 0) == t).all() or ((o < 0) == t).all()):
                    found[name].append(int(v))
        return found

    # ----- what result.json records
    def partition(self, genome):
        """(simplified network, Q, modules) with the protocol's ``[analysis]`` recipe (the authors':
        spectral, directed, on the output-simplified network); Q = 0 without edges."""
        from ..modularity import apply_recipe
        g = self.to_networkx(genome)
        if g.number_of_edges() == 0:
            return g, 0.0, []
        rep = apply_recipe(g, self.recipe, seed=0)        # spectral: deterministic, no random draws
        return g, float(rep.q), rep.partition

    def describe(self, genome, evaluation=None, index=None) -> dict:
        """Q (authors' recipe), cost, connections, left/right split and sub-solutions of a network
        (retina); Q, cost, connections and whether the modules separate the sub-problems (``[task]``)."""
        from ..modularity import adjacency, spectral_first_split
        g, q, parts = self.partition(genome)
        base = {"q": q, "partition": [[int(v) + 1 for v in c] for c in parts],     # numbered from 1
                "cost": float(self.costs(np.asarray(genome)[None, :], "length-optimal")[0]),
                "n_connections": g.number_of_edges()}
        if self.task is not None:
            return {**base, "modules_separate_problems": self.separates_problems(parts),
                    "genome": [int(v) for v in genome]}
        nodes, a = adjacency(g, True)
        split = spectral_first_split(a) if g.number_of_edges() else np.zeros(0)
        side = {v: s for v, s in zip(nodes, split)}
        counts = [[sum(1 for v in group if side.get(v) == s) for group in (range(4), range(4, 8))]
                  for s in (1, -1)]
        lr = abs(counts[0][0] - counts[0][1]) + abs(counts[1][0] - counts[1][1])
        subs = self.sub_solutions(genome)
        return {
            **base,
            "left_right_split": bool(lr == 8),
            "sub_solutions": {k: [v + 1 for v in nodes] for k, nodes in subs.items()},
            "sub_solution_pair": bool(subs["left"] and subs["right"]),
            "genome": [int(v) for v in genome],
        }

    def problem_groups(self, goal: int = 0) -> list[frozenset]:
        """The sub-problems of a ``[task]`` goal: inputs grouped by the set of outputs whose
        target depends on them (flipping the input changes that output's answer somewhere)."""
        t = self.targets([self._goal_expression(goal)])[0].reshape(self.n_out, self.n_patterns)
        s = np.arange(self.n_patterns)
        deps = {}
        for i in range(self.n_in):
            outs = frozenset(k for k in range(self.n_out) if (t[k] != t[k][s ^ (1 << i)]).any())
            if outs:
                deps.setdefault(outs, set()).add(i)
        return [frozenset(v) for v in deps.values()]

    def _goal_expression(self, goal: int) -> str:
        return list(self._goals.values())[goal]

    def separates_problems(self, parts) -> bool | None:
        """Does the partition put each sub-problem's inputs in a module of their own (every
        module's inputs from one sub-problem, every sub-problem's inputs in one module)?
        None when the goal has a single sub-problem (e.g. the non-modular retina)."""
        groups = self.problem_groups()
        return separates_groups(parts, groups) if len(groups) >= 2 else None
