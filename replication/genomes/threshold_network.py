"""Threshold networks for the retina task of Kashtan & Alon (2005).

Task
----
An 8-pixel retina, 4 wide x 2 high; pixel ``i`` is row ``i // 4`` (0 = top), column ``i % 4``.
Pattern ``p`` (0..255) has pixel ``i`` black when bit ``i`` of ``p`` is set.  The left half is
columns 0-1, the right half columns 2-3.  A left object is a left half with 3 or more
black pixels, or with 1-2 black pixels all in the left half's outer column (column 0);
right objects mirror this (outer column 3).  8 of the 16 half-patterns are objects, so
L AND R is true on 64 patterns and L OR R on 192.

Network (2005 form)
-------------------
15 neurons in layers of 8, 4, 2, 1; the retina feeds layer 1 only and each layer feeds
the next.  A neuron has up to ``max_fanin`` input slots (3, or 2 for the output); a slot
holds a source in the previous layer (or none) and a weight of +1 or -1; two slots with
the same source add up.  A neuron fires (1) when the weighted sum of its binary inputs is
at least its integer threshold (``activation = "at-least"``; Fig. 5c's AND output has t = 2
on two +1 inputs) or strictly above it (``"above"``).

Each neuron is thus a Boolean function of at most 3 inputs, evaluated over all 256
patterns at once: a node's value is 256 bits (4 words), and the neuron's output is the OR,
over the input combinations on which it fires, of the AND of its inputs or their
complements.

Genome: one gene of ``3 * 2 + 1`` small integers per neuron (source, weight for each slot,
then the threshold; unused slots of the output neuron stay empty), 15 genes in layer order.

Encodings (``network.encoding``): ``integer`` (slots may be empty; with Pm per genome one field
of one neuron changes) or ``binary``, the same array read as a binary neuron gene: every slot is
connected (``log2`` of the previous layer's size address bits and a sign bit), the threshold is
``ceil(log2(tmax - tmin + 1))`` bits; each bit flips with probability Pm / B (B = 211 bits for the
8-4-2-1 network), and a source whose weights cancel (+1 and -1) is no connection.

Variation (``variation.crossover_mode``): random pairs of variable genomes recombine with Pc
(``pairs``), one crossover per generation with Pc (``one-per-generation``), or each variable
genome with Pc becomes a child of itself and another (``per-genome``); the ``ka2005-elite-offspring``
scheme (:mod:`replication.algorithms`) uses :meth:`ThresholdNetworkModel.recombine` and
:meth:`ThresholdNetworkModel.mutate` directly.
"""
from __future__ import annotations

import numpy as np
from numba import njit

from .nand_circuit import popcount64
from ..rng import mt_begin, mt_below, mt_chance, mt_end, mt_permutation
from ..modularity import compact_matrix, greedy_labels
from .base import Evaluation

N_WORDS = 4                 # 256 patterns / 64 bits
SLOTS = 3
GENE = 2 * SLOTS + 1        # (src, weight) x 3, threshold
NONE = -1


# --------------------------------------------------------------------------- task
def pixel_masks() -> list[int]:
    """256-bit mask of the patterns in which each pixel is black.

    Pattern ``p`` has pixel ``i`` black when bit ``i`` of ``p`` is set (Kashtan & Alon 2005's
    8-pixel retina); entry ``i`` has bit ``p`` set for every such pattern.

    Examples
    --------
    >>> masks = pixel_masks()
    >>> len(masks), [bin(m).count("1") for m in masks[:2]]       # each pixel is black in half the patterns
    (8, [128, 128])
    >>> masks[3] >> 0b1000 & 1, masks[3] >> 0b0111 & 1
    (1, 0)
    """
    return [sum(1 << p for p in range(256) if p >> i & 1) for i in range(8)]


def is_object(half: tuple[int, int, int, int], outer_index: tuple[int, int]) -> bool:
    """``half`` = black/white of the 4 pixels of one half; ``outer_index``: the 2 positions
    (within ``half``) of the column that counts for 1-2 black pixels.

    The object rule of Kashtan & Alon (2005), Fig. 5a: 3 or more black pixels, or 1-2 black
    pixels all in the given column.

    Examples
    --------
    >>> is_object((1, 0, 1, 0), (0, 2)), is_object((1, 1, 1, 0), (0, 2))
    (True, True)
    >>> is_object((0, 1, 0, 0), (0, 2)), is_object((0, 0, 0, 0), (0, 2))
    (False, False)
    """
    black = sum(half)
    if black >= 3:
        return True
    if 1 <= black <= 2:
        return all(half[k] == 0 for k in range(4) if k not in outer_index)
    return False


def object_masks(column: str = "outer") -> tuple[int, int]:
    """256-bit masks of the patterns with a left object and with a right object.

    ``column``: which column of each half admits 1-2 black pixels: ``outer`` (left half's
    column 0, right half's column 3: our reading of the legend of Fig. 5a) or ``inner``.

    Reference: Kashtan & Alon (2005), Fig. 5a.  8 of the 16 half-patterns are objects.

    Examples
    --------
    >>> left, right = object_masks()
    >>> [bin(m).count("1") for m in (left, right, left & right, left | right)]
    [128, 128, 64, 192]
    >>> object_masks("inner") == (left, right)
    False
    """
    left_px, right_px = (0, 1, 4, 5), (2, 3, 6, 7)          # (top-left, top-right, bottom-left, bottom-right)
    left_col = (0, 2) if column == "outer" else (1, 3)      # positions within the half tuple
    right_col = (1, 3) if column == "outer" else (0, 2)
    lmask = rmask = 0
    for p in range(256):
        lh = tuple(p >> i & 1 for i in left_px)
        rh = tuple(p >> i & 1 for i in right_px)
        if is_object(lh, left_col):
            lmask |= 1 << p
        if is_object(rh, right_col):
            rmask |= 1 << p
    return lmask, rmask


def to_words(mask: int) -> np.ndarray:
    """A 256-bit Python integer as 4 uint64 words, least significant first (the kernels' form).

    Examples
    --------
    >>> to_words(1 << 64 | 5).tolist()
    [5, 1, 0, 0]
    >>> left, _ = object_masks()
    >>> from_words(to_words(left)) == left
    True
    """
    return np.array([(mask >> (64 * w)) & 0xFFFFFFFFFFFFFFFF for w in range(N_WORDS)], np.uint64)


def from_words(words) -> int:
    """The inverse of :func:`to_words`: 4 (or any number of) 64-bit words -> one Python integer.

    Examples
    --------
    >>> from_words([5, 1, 0, 0]) == 1 << 64 | 5
    True
    >>> from_words(to_words((1 << 256) - 1)) == (1 << 256) - 1
    True
    """
    return sum(int(w) << (64 * i) for i, w in enumerate(words))


# --------------------------------------------------------------------------- kernels
@njit(cache=True, inline="always")
def _cancelled(genome, n, s):
    """True if the source of slot ``s`` of neuron ``n`` has a net weight of 0 over the neuron's slots
    (e.g. +1 and -1 from the same source): no connection in the phenotype."""
    base = n * GENE
    src = genome[base + 2 * s]
    total = 0
    for r in range(SLOTS):
        if genome[base + 2 * r] == src:
            total += genome[base + 2 * r + 1]
    return total == 0


@njit(cache=True)
def _effective(genome, n_neurons, layer_start, neuron_layer, is_eff, stack, cancel=False):
    """Mark neurons with a directed path to the output neuron (the last one); count them.
    ``cancel``: a source whose weights add up to 0 is no connection (binary encoding)."""
    for n in range(n_neurons):
        is_eff[n] = False
    out = n_neurons - 1
    is_eff[out] = True
    stack[0] = out
    top = 1
    count = 1
    while top > 0:
        top -= 1
        n = stack[top]
        lay = neuron_layer[n]
        if lay == 0:
            continue
        for s in range(SLOTS):
            src = genome[n * GENE + 2 * s]
            if src >= 0 and not (cancel and _cancelled(genome, n, s)):
                m = layer_start[lay - 1] + src
                if not is_eff[m]:
                    is_eff[m] = True
                    count += 1
                    stack[top] = m
                    top += 1
    return count


@njit(cache=True, inline="always")
def _pixel_input(src, pixels):
    """A layer-1 input slot's value (4 words): pixel ``src``, or 0 for an empty slot (src = -1),
    without a branch."""
    i = src if src > 0 else 0
    keep = np.uint64(0) - np.uint64(src >= 0)
    return pixels[i, 0] & keep, pixels[i, 1] & keep, pixels[i, 2] & keep, pixels[i, 3] & keep


@njit(cache=True, inline="always")
def _input(src, vals, slot, off):
    """An input slot's value (4 words) above layer 1: neuron ``off + src`` of ``vals[slot]``, or 0
    for an empty slot (src = -1), without a branch."""
    i = off + (src if src > 0 else 0)
    keep = np.uint64(0) - np.uint64(src >= 0)
    return vals[slot, i, 0] & keep, vals[slot, i, 1] & keep, vals[slot, i, 2] & keep, vals[slot, i, 3] & keep


@njit(cache=True, inline="always")
def _bit_mask(tt, bit):
    """All ones if bit ``bit`` of ``tt`` is set, else 0 (a multiplexer's constant input)."""
    return np.uint64(0) - np.uint64((tt >> bit) & 1)


@njit(cache=True, inline="always")
def _neuron_word(a, b, c, m0, m2, m4, m6, d0, d1, d2, d3):
    """One word of a neuron's value: its table indexed by the input bits (a, b, c), as a tree
    of 7 multiplexers.  ``mi``: entry i of the table (all ones if set), ``dk = m(2k) ^ m(2k+1)``;
    ``x ? q : p`` is ``p ^ (x & (p ^ q))``."""
    g0 = m0 ^ (a & d0)
    g1 = m2 ^ (a & d1)
    g2 = m4 ^ (a & d2)
    g3 = m6 ^ (a & d3)
    h0 = g0 ^ (b & (g0 ^ g1))
    h1 = g2 ^ (b & (g2 ^ g3))
    return h0 ^ (c & (h0 ^ h1))


@njit(cache=True, inline="always")
def _neuron_table(w0, w1, w2, t, at_least):
    """A neuron with weights w0, w1, w2 and threshold t as a table of its 3 inputs (8 entries:
    does the weighted sum of that input combination reach the threshold?), in the form
    :func:`_neuron_word` takes: entries 0, 2, 4, 6 as masks (all ones if set) and the 4
    differences ``m(2i) ^ m(2i+1)``.  Scalars only: an inlined helper that takes arrays costs
    reference counts on them."""
    w0, w1, w2, t = np.int64(w0), np.int64(w1), np.int64(w2), np.int64(t)
    tt = 0
    for combo in range(8):
        total = (w0 if combo & 1 else 0) + (w1 if combo & 2 else 0) + (w2 if combo & 4 else 0)
        fire = (total >= t) if at_least else (total > t)
        tt |= np.int64(fire) << combo
    m0, m1, m2, m3 = _bit_mask(tt, 0), _bit_mask(tt, 1), _bit_mask(tt, 2), _bit_mask(tt, 3)
    m4, m5, m6, m7 = _bit_mask(tt, 4), _bit_mask(tt, 5), _bit_mask(tt, 6), _bit_mask(tt, 7)
    return m0, m2, m4, m6, m0 ^ m1, m2 ^ m3, m4 ^ m5, m6 ^ m7


@njit(cache=True, inline="always")
def _eval_neuron(genomes, k, n, neuron_layer, layer_start, pixels, vals, slot, at_least, out, out_slot):
    """``out[out_slot, n]`` <- neuron ``n``'s value on all 256 patterns (4 words), from its gene
    in ``genomes[k]`` and the values of the previous layer in ``vals[slot]`` (pixels for layer 1).

    The neuron's function of its (up to) 3 inputs is first tabulated (:func:`_neuron_table`),
    then evaluated with a tree of 7 multiplexers per word (:func:`_neuron_word`).  An absent
    input is constant 0, so the table entries where it would be 1 are never selected.  The
    neuron kernel of :func:`evaluate_networks` and :func:`neuron_values` (the fused loop,
    :mod:`replication.fused`, feeds the same two functions its own inputs); written without
    data-dependent branches beyond the layer (neurons differ in their table and sources, so
    such branches would be mispredicted: this form is ~2x faster), and on whole arrays and
    indices rather than views of rows (a view passed on costs a reference count)."""
    base = n * GENE
    m0, m2, m4, m6, d0, d1, d2, d3 = _neuron_table(genomes[k, base + 1], genomes[k, base + 3],
                                                   genomes[k, base + 5], genomes[k, base + 6], at_least)
    lay = neuron_layer[n]
    if lay == 0:
        a0, a1, a2, a3 = _pixel_input(genomes[k, base], pixels)
        b0, b1, b2, b3 = _pixel_input(genomes[k, base + 2], pixels)
        c0, c1, c2, c3 = _pixel_input(genomes[k, base + 4], pixels)
    else:
        off = layer_start[lay - 1]
        a0, a1, a2, a3 = _input(genomes[k, base], vals, slot, off)
        b0, b1, b2, b3 = _input(genomes[k, base + 2], vals, slot, off)
        c0, c1, c2, c3 = _input(genomes[k, base + 4], vals, slot, off)
    out[out_slot, n, 0] = _neuron_word(a0, b0, c0, m0, m2, m4, m6, d0, d1, d2, d3)
    out[out_slot, n, 1] = _neuron_word(a1, b1, c1, m0, m2, m4, m6, d0, d1, d2, d3)
    out[out_slot, n, 2] = _neuron_word(a2, b2, c2, m0, m2, m4, m6, d0, d1, d2, d3)
    out[out_slot, n, 3] = _neuron_word(a3, b3, c3, m0, m2, m4, m6, d0, d1, d2, d3)


@njit(cache=True)
def evaluate_networks(genomes, pixels, layer_start, neuron_layer, at_least, cancel=False):
    """Output (256-bit, as 4 words) and effective-neuron count of every network.

    A neuron's function of its (up to) 3 inputs is first tabulated (8 entries: does the
    weighted sum of that input combination reach the threshold?), then evaluated on all
    patterns with a tree of 7 multiplexers per word (:func:`_eval_neuron`).  An absent input
    is constant 0, so the table entries where it would be 1 are never selected.

    Only neurons with a path to the output are evaluated; their number is the network's size
    in Kashtan & Alon's (2005) size penalty.  ``pixels``: (8, 4) words of
    :func:`pixel_masks`; ``layer_start``/``neuron_layer``: first neuron of each layer and
    layer of each neuron; ``at_least``: fire when the sum reaches the threshold (else when it
    exceeds it); ``cancel``: the binary encoding's rule that +1 and -1 from one source is no
    connection.

    Returns
    -------
    outputs : ndarray, shape (n_genomes, 4), uint64
    n_effective : ndarray, shape (n_genomes,), int32

    Examples
    --------
    >>> from replication.protocol import load_protocol
    >>> m = ThresholdNetworkModel(load_protocol("original_protocol/ka2005_retina.toml", "mvg"))
    >>> g = np.stack([modular_retina_genome(2), modular_retina_genome(1)])
    >>> out, n_eff = evaluate_networks(g, m.pixels, m.layer_start, m.neuron_layer, True)
    >>> from_words(out[0]) == m.left & m.right, from_words(out[1]) == m.left | m.right
    (True, True)
    >>> n_eff.tolist()
    [15, 15]
    >>> all(from_words(o) == reference_output(x) for o, x in zip(out, g))   # the plain evaluation agrees
    True
    """
    pop = genomes.shape[0]
    n_neurons = neuron_layer.shape[0]
    outputs = np.zeros((pop, N_WORDS), np.uint64)
    n_eff = np.zeros(pop, np.int32)
    vals = np.zeros((1, n_neurons, N_WORDS), np.uint64)
    is_eff = np.zeros(n_neurons, np.bool_)
    stack = np.zeros(n_neurons + 1, np.int64)
    for k in range(pop):
        n_eff[k] = _effective(genomes[k], n_neurons, layer_start, neuron_layer, is_eff, stack, cancel)
        for n in range(n_neurons):
            if is_eff[n]:
                _eval_neuron(genomes, k, n, neuron_layer, layer_start, pixels, vals, 0, at_least, vals, 0)
        for w in range(N_WORDS):
            outputs[k, w] = vals[0, n_neurons - 1, w]
    return outputs, n_eff


@njit(cache=True)
def neuron_values(genomes, pixels, layer_start, neuron_layer, at_least):
    """The value (256 bits, as 4 words) of *every* neuron of every network, effective or not.

    A neuron's value is a function of its gene and the values of the previous layer only, so
    a network that differs from another in a few genes differs in the values of those neurons
    and of the neurons they feed, no others: the fused retina loop (:mod:`replication.fused`)
    keeps these values and re-evaluates only such neurons.  The last neuron's value is the
    network's output, as :func:`evaluate_networks` gives it.

    Returns
    -------
    values : ndarray, shape (n_genomes, n_neurons, 4), uint64

    Examples
    --------
    >>> from replication.protocol import load_protocol
    >>> from replication.rng import seed_numba
    >>> m = ThresholdNetworkModel(load_protocol("original_protocol/ka2005_retina.toml", "mvg"))
    >>> seed_numba(0, "generation"); g = m.random(50)
    >>> v = neuron_values(g, m.pixels, m.layer_start, m.neuron_layer, True)
    >>> v.shape
    (50, 15, 4)
    >>> out, _ = evaluate_networks(g, m.pixels, m.layer_start, m.neuron_layer, True)
    >>> bool((v[:, -1] == out).all())
    True
    """
    pop = genomes.shape[0]
    n_neurons = neuron_layer.shape[0]
    values = np.zeros((pop, n_neurons, N_WORDS), np.uint64)
    for k in range(pop):
        for n in range(n_neurons):
            _eval_neuron(genomes, k, n, neuron_layer, layer_start, pixels, values, k, at_least, values, k)
    return values


def reference_output(genome, layers=(8, 4, 2, 1), at_least=True) -> int:
    """Plain per-pattern evaluation (the naive reference for tests and benchmarks): 256-bit output.

    Bit ``p`` of the result is the output neuron's value on pattern ``p``, computed neuron by
    neuron in Python (no bit-parallel tricks); :func:`evaluate_networks` must agree with it.

    Examples
    --------
    >>> left, right = object_masks()
    >>> reference_output(modular_retina_genome(2)) == left & right
    True
    >>> reference_output(modular_retina_genome(1)) == left | right
    True
    """
    layers = tuple(layers)
    out_mask = 0
    for p in range(256):
        prev = [p >> i & 1 for i in range(8)]
        n = 0
        for lay, size in enumerate(layers):
            cur = []
            for _ in range(size):
                base = n * GENE
                total = sum(genome[base + 2 * s + 1] * prev[genome[base + 2 * s]]
                            for s in range(SLOTS) if genome[base + 2 * s] >= 0)
                t = genome[base + 2 * SLOTS]
                cur.append(int(total >= t if at_least else total > t))
                n += 1
            prev = cur
        out_mask |= prev[0] << p
    return out_mask


@njit(cache=True)
def correct_patterns(outputs, target, mask):
    """Number of patterns (among those in ``mask``) on which each output equals the target.

    ``outputs``: (n_genomes, 4) words; ``target``, ``mask``: 4 words each.

    Examples
    --------
    A left-object detector judged against L AND R: wrong exactly on the 64 patterns with a
    left object but no right one.

    >>> left, right = object_masks()
    >>> out = to_words(left)[None, :]
    >>> correct_patterns(out, to_words(left & right), to_words((1 << 256) - 1)).tolist()
    [192]
    >>> correct_patterns(out, to_words(left & right), to_words(left)).tolist()   # only patterns with L
    [64]
    """
    pop = outputs.shape[0]
    counts = np.zeros(pop, np.int32)
    for k in range(pop):
        c = 0
        for w in range(N_WORDS):
            c += popcount64(~(outputs[k, w] ^ target[w]) & mask[w])
        counts[k] = c
    return counts


@njit(cache=True)
def sample_mask(n_patterns):
    """A random set of ``n_patterns`` distinct patterns of 256, as 4 words.

    The sampled environment of Kashtan & Alon's (2005) retina runs (draws from numba's generator).

    Examples
    --------
    >>> from replication.rng import seed_numba
    >>> seed_numba(0, "environment")
    >>> mask = sample_mask(32)
    >>> bin(from_words(mask)).count("1")
    32
    >>> seed_numba(0, "environment"); bool((sample_mask(32) == mask).all())
    True
    """
    perm = mt_permutation(256)                  # = np.random.permutation(256), faster
    mask = np.zeros(N_WORDS, np.uint64)
    for i in range(n_patterns):
        p = perm[i]
        mask[p // 64] |= np.uint64(1) << np.uint64(p % 64)
    return mask


@njit(cache=True)
def random_networks(pop, n_neurons, layer_sizes_prev, neuron_layer, fanin, tmin, tmax):
    """Random genomes of the integer encoding (draws from numba's generator).

    Each of a neuron's first ``fanin`` slots gets a source uniform over the previous layer's
    nodes and "none" (-1), and a weight of +1 or -1; unused slots stay empty; the threshold is
    uniform in ``tmin..tmax``.

    Examples
    --------
    >>> from replication.protocol import load_protocol
    >>> m = ThresholdNetworkModel(load_protocol("original_protocol/ka2005_retina.toml", "mvg"))
    >>> from replication.rng import seed_numba
    >>> seed_numba(0, "generation")
    >>> g = random_networks(200, 15, m.prev_sizes, m.neuron_layer, m.fanin, m.tmin, m.tmax)
    >>> g.shape
    (200, 105)
    >>> genes = g.reshape(200, 15, GENE)
    >>> int(genes[:, :8, 0:6:2].min()), int(genes[:, :8, 0:6:2].max())   # layer 1: none or a pixel
    (-1, 7)
    >>> bool((genes[:, 14, 4] == NONE).all())                 # the output neuron has 2 slots
    True
    >>> sorted(set(genes[:, :, 6].ravel().tolist())) == list(range(m.tmin, m.tmax + 1))
    True
    """
    genomes = np.full((pop, n_neurons * GENE), NONE, np.int16)
    for k in range(pop):
        for n in range(n_neurons):
            prev = layer_sizes_prev[neuron_layer[n]]
            for s in range(SLOTS):
                if s < fanin[n]:
                    src = np.random.randint(-1, prev)       # uniform over prev neurons and "none"
                    genomes[k, n * GENE + 2 * s] = src
                    genomes[k, n * GENE + 2 * s + 1] = 1 if np.random.random() < 0.5 else -1
                else:
                    genomes[k, n * GENE + 2 * s + 1] = 1
            genomes[k, n * GENE + 2 * SLOTS] = np.random.randint(tmin, tmax + 1)
    return genomes


@njit(cache=True)
def mutate_networks(genomes, may_vary, probability, layer_sizes_prev, neuron_layer, fanin, tmin, tmax,
                    touched=None):
    """With ``probability`` per genome: one neuron, then one of its fields: a slot's source
    (re-drawn among the other sources and 'none'), a slot's weight (sign flipped) or the
    threshold (+1 or -1; a step out of range goes the other way).

    The integer encoding's point mutation (Kashtan & Alon 2005, Pm per genome); only the rows
    where ``may_vary`` change.  Returns the number of genomes mutated.  ``touched`` (optional,
    int64 per row): receives the position of the field changed in each mutated row (the fused
    loop re-evaluates only what that field can change); other rows are left as they are.

    Examples
    --------
    >>> from replication.protocol import load_protocol
    >>> m = ThresholdNetworkModel(load_protocol("original_protocol/ka2005_retina.toml", "mvg"))
    >>> from replication.rng import seed_numba
    >>> seed_numba(0, "generation")
    >>> g = m.random(6); before = g.copy()
    >>> may_vary = np.array([True] * 5 + [False])
    >>> mutate_networks(g, may_vary, 1.0, m.prev_sizes, m.neuron_layer, m.fanin, m.tmin, m.tmax)
    5
    >>> (g != before).sum(axis=1).tolist()                   # one field each; the last row is kept
    [1, 1, 1, 1, 1, 0]
    """
    n_neurons = neuron_layer.shape[0]
    done = 0
    mt, i = mt_begin()            # numba's np.random stream at a cursor: the same numbers, no call per draw
    for k in range(genomes.shape[0]):
        if not may_vary[k]:
            continue
        hit, i = mt_chance(mt, i, probability)
        if not hit:
            continue
        n, i = mt_below(mt, i, n_neurons)
        field, i = mt_below(mt, i, 2 * fanin[n] + 1)
        base = n * GENE
        if field == 2 * fanin[n]:
            t = genomes[k, base + 2 * SLOTS]
            up, i = mt_chance(mt, i, 0.5)
            step = 1 if up else -1
            if t + step > tmax or t + step < tmin:
                step = -step
            genomes[k, base + 2 * SLOTS] = t + step
            field = 2 * SLOTS          # the threshold's position (fewer slots: it is not 2 * fanin)
        elif field % 2 == 0:
            prev = layer_sizes_prev[neuron_layer[n]]
            old = genomes[k, base + field]
            r, i = mt_below(mt, i, prev)                     # np.random.randint(-1, prev - 1)
            new = r - 1                                      # prev + 1 choices minus the current
            if new >= old:
                new += 1
            genomes[k, base + field] = new
        else:
            genomes[k, base + field] = -genomes[k, base + field]
        if touched is not None:
            touched[k] = base + field
        done += 1
    mt_end(i)
    return done


@njit(cache=True)
def crossover_networks(genomes, may_vary, probability, uniform, partner=None, taken=None):
    """Pair the variable genomes at random; each pair recombines with ``probability``:
    one-point (a cut between neuron genes) or uniform (each neuron gene swapped w.p. 1/2).

    Genes are exchanged whole (a neuron's slots and threshold travel together), in place;
    returns the number of pairs that recombined.  ``partner``, ``taken`` (optional, int64 and
    uint64 per row): for each row that recombined, the row it exchanged genes with and the bit
    mask of the genes it took (the fused loop's record of where each gene came from).

    Examples
    --------
    >>> from replication.protocol import load_protocol
    >>> m = ThresholdNetworkModel(load_protocol("original_protocol/ka2005_retina.toml", "mvg"))
    >>> from replication.rng import seed_numba
    >>> seed_numba(0, "generation")
    >>> g = m.random(6); before = g.copy()
    >>> crossover_networks(g, np.ones(6, bool), 1.0, False)     # 3 pairs, each recombines
    3
    >>> bool((np.sort(g, axis=0) == np.sort(before, axis=0)).all())   # genes move, none is made
    True
    >>> crossover_networks(g, np.ones(6, bool), 0.0, False)
    0
    """
    idx = np.flatnonzero(may_vary)
    idx = idx[mt_permutation(idx.shape[0])]     # = np.random.permutation, faster
    n_genes = genomes.shape[1] // GENE
    pairs = 0
    mt, i = mt_begin()            # numba's np.random stream at a cursor: the same numbers, no call per draw
    for p in range(0, idx.shape[0] - 1, 2):
        hit, i = mt_chance(mt, i, probability)
        if not hit:
            continue
        swapped, i = _cross_pair(genomes, idx[p], idx[p + 1], uniform, n_genes, mt, i)
        if partner is not None:
            _record_pair(partner, taken, idx[p], idx[p + 1], swapped)
        pairs += 1
    mt_end(i)
    return pairs


@njit(cache=True)
def sample_balanced_mask(n_patterns, classes):
    """A random set of ``n_patterns`` distinct patterns with equal numbers (as equal as
    ``n_patterns`` allows) from each row of ``classes`` (pattern numbers of one object class).

    The ``balanced`` environment option: classes are, e.g., both objects, left only, right
    only, neither.

    Examples
    --------
    >>> from replication.rng import seed_numba
    >>> seed_numba(0, "environment")
    >>> classes = np.array([[0, 1, 2, 3], [4, 5, 6, 7]])
    >>> chosen = from_words(sample_balanced_mask(3, classes))
    >>> bin(chosen & 0x0F).count("1"), bin(chosen & 0xF0).count("1")    # 2 + 1 of 3
    (2, 1)
    """
    k = classes.shape[0]
    mask = np.zeros(N_WORDS, np.uint64)
    for c in range(k):
        take = n_patterns // k + (1 if c < n_patterns % k else 0)
        perm = mt_permutation(classes.shape[1])  # = np.random.permutation, faster
        for i in range(take):
            p = classes[c, perm[i]]
            mask[p // 64] |= np.uint64(1) << np.uint64(p % 64)
    return mask


@njit(cache=True)
def random_networks_binary(pop, n_neurons, layer_sizes_prev, neuron_layer, fanin, tmin, tmax):
    """Random genomes of the binary encoding: every slot connected (uniform source, sign +-1).

    As :func:`random_networks`, except that no slot is empty (a binary neuron gene always
    addresses a source).

    Examples
    --------
    >>> from replication.protocol import load_protocol
    >>> m = ThresholdNetworkModel(load_protocol("original_protocol/ka2005_retina.toml", "mvg"))
    >>> from replication.rng import seed_numba
    >>> seed_numba(0, "generation")
    >>> g = random_networks_binary(100, 15, m.prev_sizes, m.neuron_layer, m.fanin, m.tmin, m.tmax)
    >>> genes = g.reshape(100, 15, GENE)
    >>> bool((genes[:, :14, 0:6:2] >= 0).all()), bool((genes[:, 14, 0:4:2] >= 0).all())
    (True, True)
    """
    genomes = np.full((pop, n_neurons * GENE), NONE, np.int16)
    for k in range(pop):
        for n in range(n_neurons):
            prev = layer_sizes_prev[neuron_layer[n]]
            for s in range(SLOTS):
                if s < fanin[n]:
                    genomes[k, n * GENE + 2 * s] = np.random.randint(0, prev)
                    genomes[k, n * GENE + 2 * s + 1] = 1 if np.random.random() < 0.5 else -1
                else:
                    genomes[k, n * GENE + 2 * s + 1] = 1
            genomes[k, n * GENE + 2 * SLOTS] = np.random.randint(tmin, tmax + 1)
    return genomes


def genome_bits(layer_sizes_prev, neuron_layer, fanin, tmin, tmax) -> tuple[np.ndarray, int, int]:
    """The binary encoding's layout: address bits per neuron, threshold bits, bits per genome B.

    A slot is ``log2(previous layer size)`` address bits and a sign bit; a threshold is
    ``ceil(log2(tmax - tmin + 1))`` bits read as ``tmin + code`` (codes above ``tmax - tmin`` are
    never produced: a flip that would make one is not made).

    Raises ``ValueError`` when a previous layer's size is not a power of two.

    Examples
    --------
    >>> from replication.protocol import load_protocol
    >>> m = ThresholdNetworkModel(load_protocol("original_protocol/ka2005_retina.toml", "mvg"))
    >>> addr, tbits, total = genome_bits(m.prev_sizes, m.neuron_layer, m.fanin, m.tmin, m.tmax)
    >>> addr.tolist(), tbits, total        # 8-4-2-1, thresholds -3..3: B = 211 bits
    ([3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 2, 2, 1], 3, 211)
    >>> genome_bits(np.array([6]), np.array([0]), np.array([3]), -3, 3)
    Traceback (most recent call last):
    ...
    ValueError: binary encoding: previous-layer sizes [6] must be powers of two
    """
    sizes = layer_sizes_prev[neuron_layer]
    if np.any(sizes & (sizes - 1)):
        raise ValueError(f"binary encoding: previous-layer sizes {sorted(set(sizes.tolist()))} must be "
                         f"powers of two")
    addr = np.log2(sizes).astype(np.int64)
    tbits = max(1, int(np.ceil(np.log2(tmax - tmin + 1))))
    total = int(np.sum(fanin * (addr + 1)) + tbits * len(fanin))
    return addr, tbits, total


@njit(cache=True)
def mutate_networks_bits(genomes, may_vary, probability, addr_bits, fanin, tbits, tmin, tmax, n_bits):
    """Binary encoding: every bit of a variable genome (address bits and sign bit of every slot,
    threshold bits) flips with probability ``probability / n_bits``; returns the flips made.

    Examples
    --------
    With ``probability = n_bits`` every bit flips: each source address ``s`` becomes its
    complement ``size - 1 - s`` and each sign is reversed.

    >>> from replication.protocol import load_protocol
    >>> m = ThresholdNetworkModel(load_protocol("original_protocol/ka2005_retina.toml", "mvg"))
    >>> from replication.rng import seed_numba
    >>> seed_numba(0, "generation")
    >>> addr, tbits, B = genome_bits(m.prev_sizes, m.neuron_layer, m.fanin, m.tmin, m.tmax)
    >>> g = random_networks_binary(1, 15, m.prev_sizes, m.neuron_layer, m.fanin, m.tmin, m.tmax)
    >>> h = g.copy()
    >>> _ = mutate_networks_bits(h, np.array([True]), float(B), addr, m.fanin, tbits, m.tmin, m.tmax, B)
    >>> bool((h[0, 0:6:2] == 7 - g[0, 0:6:2]).all()), bool((h[0, 1:6:2] == -g[0, 1:6:2]).all())
    (True, True)
    >>> mutate_networks_bits(h, np.array([False]), float(B), addr, m.fanin, tbits, m.tmin, m.tmax, B)
    0
    """
    n_neurons = addr_bits.shape[0]
    p = probability / n_bits
    flips = 0
    for k in range(genomes.shape[0]):
        if not may_vary[k]:
            continue
        for n in range(n_neurons):
            base = n * GENE
            for s in range(fanin[n]):
                for b in range(addr_bits[n]):
                    if np.random.random() < p:
                        genomes[k, base + 2 * s] ^= 1 << b
                        flips += 1
                if np.random.random() < p:
                    genomes[k, base + 2 * s + 1] = -genomes[k, base + 2 * s + 1]
                    flips += 1
            for b in range(tbits):
                if np.random.random() < p:
                    code = (genomes[k, base + 2 * SLOTS] - tmin) ^ (1 << b)
                    if code <= tmax - tmin:
                        genomes[k, base + 2 * SLOTS] = tmin + code
                        flips += 1
    return flips


@njit(cache=True, inline="always")
def _cross_pair(genomes, a, b, uniform, n_genes, mt, i):
    """Exchange neuron genes between rows a and b: one-point (a cut between genes) or uniform,
    drawing at the cursor ``(mt, i)`` (:func:`replication.rng.mt_below`).  Returns the bit mask
    of the genes exchanged (genes beyond the 64th are not marked) and the cursor's index."""
    r, i = mt_below(mt, i, n_genes - 1)          # np.random.randint(1, n_genes)
    cut = r + 1
    swapped = np.uint64(0)
    for gi in range(n_genes):
        if uniform:
            swap, i = mt_chance(mt, i, 0.5)      # np.random.random() < 0.5
        else:
            swap = gi >= cut
        if swap:
            if gi < 64:
                swapped |= np.uint64(1) << np.uint64(gi)
            for j in range(gi * GENE, (gi + 1) * GENE):
                tmp = genomes[a, j]
                genomes[a, j] = genomes[b, j]
                genomes[b, j] = tmp
    return swapped, i


@njit(cache=True, inline="always")
def _record_pair(partner, taken, a, b, swapped):
    """Rows a and b exchanged the genes of mask ``swapped``: each took them from the other."""
    partner[a], partner[b] = b, a
    taken[a] = swapped
    taken[b] = swapped


@njit(cache=True)
def crossover_once(genomes, may_vary, probability, uniform, partner=None, taken=None):
    """With ``probability``: one crossover between two distinct random variable genomes.

    The ``one-per-generation`` crossover mode; genes are exchanged whole, in place.  Returns
    1 if a crossover happened, else 0 (always 0 with fewer than two variable genomes).
    ``partner``, ``taken``: as for :func:`crossover_networks`.

    Examples
    --------
    >>> from replication.rng import seed_numba
    >>> seed_numba(0, "generation")
    >>> g = np.repeat(np.arange(4, dtype=np.int16)[:, None], 15 * GENE, axis=1)   # row i all i
    >>> crossover_once(g, np.ones(4, bool), 1.0, False)
    1
    >>> int((g != np.arange(4)[:, None]).any(axis=1).sum())     # two rows changed
    2
    >>> crossover_once(g, np.array([True, False, False, False]), 1.0, False)
    0
    """
    idx = np.flatnonzero(may_vary)
    if idx.shape[0] < 2 or np.random.random() >= probability:
        return 0
    i = np.random.randint(0, idx.shape[0])
    j = np.random.randint(0, idx.shape[0] - 1)
    if j >= i:
        j += 1
    mt, c = mt_begin()
    swapped, c = _cross_pair(genomes, idx[i], idx[j], uniform, genomes.shape[1] // GENE, mt, c)
    mt_end(c)
    if partner is not None:
        _record_pair(partner, taken, idx[i], idx[j], swapped)
    return 1


@njit(cache=True)
def recombine_children(genomes, partners, has_partner, uniform, taken=None):
    """Row i (where ``has_partner[i]``) becomes one child of itself and ``partners[i]``: genes
    after a random cut (one-point) or each gene with probability 1/2 (uniform) from the partner.

    In place; returns the number of children made.  Used by the ``per-genome`` crossover mode
    and the ``ka2005-elite-offspring`` scheme.  ``taken`` (optional, uint64 per row): the bit
    mask of the genes each child took from its partner (genes beyond the 64th not marked).

    Examples
    --------
    >>> from replication.rng import seed_numba
    >>> seed_numba(0, "generation")
    >>> g = np.zeros((2, 15 * GENE), np.int16)
    >>> partners = np.ones((2, 15 * GENE), np.int16)
    >>> recombine_children(g, partners, np.array([True, False]), False)
    1
    >>> int(g[0, 0]), int(g[0, -1]), bool((np.diff(g[0]) >= 0).all())   # own genes, then the partner's
    (0, 1, True)
    >>> bool(g[1].any())
    False
    """
    n_genes = genomes.shape[1] // GENE
    made = 0
    for i in range(genomes.shape[0]):
        if not has_partner[i]:
            continue
        cut = np.random.randint(1, n_genes)
        mask = np.uint64(0)
        for gi in range(n_genes):
            take = (np.random.random() < 0.5) if uniform else gi >= cut
            if take:
                if gi < 64:
                    mask |= np.uint64(1) << np.uint64(gi)
                for j in range(gi * GENE, (gi + 1) * GENE):
                    genomes[i, j] = partners[i, j]
        if taken is not None:
            taken[i] = mask
        made += 1
    return made


@njit(cache=True)
def per_genome_partners(may_vary, probability):
    """For each variable genome, with ``probability``, a random other variable genome (else -1).

    Examples
    --------
    >>> from replication.rng import seed_numba
    >>> seed_numba(0, "generation")
    >>> mates = per_genome_partners(np.array([True, True, True, False]), 1.0)
    >>> int(mates[3]), bool(all(0 <= j < 3 and j != i for i, j in enumerate(mates[:3])))
    (-1, True)
    >>> per_genome_partners(np.array([True, False]), 1.0).tolist()    # nobody to mate with
    [-1, -1]
    """
    idx = np.flatnonzero(may_vary)
    mates = np.full(may_vary.shape[0], -1, np.int64)
    if idx.shape[0] < 2:
        return mates
    for i in idx:
        if np.random.random() < probability:
            j = idx[np.random.randint(0, idx.shape[0])]
            while j == i:
                j = idx[np.random.randint(0, idx.shape[0])]
            mates[i] = j
    return mates


# --------------------------------------------------------------------------- graphs + Q
@njit(cache=True)
def network_matrix(genome, n_in, layer_start, neuron_layer, include_inputs, effective_only,
                   directed, is_eff, stack, cancel=False):
    """Adjacency over retina pixels (0..7) and neurons (8..), isolated nodes dropped.

    The network as a graph for Q (Kashtan & Alon 2005): an edge from each slot's source to its
    neuron.  ``include_inputs``: keep the pixels; ``effective_only``: only neurons with a path
    to the output; ``directed``: else symmetrised; ``is_eff``, ``stack``: work arrays of
    n_neurons and n_neurons + 1.  Returns (matrix, indices of the kept nodes), as
    :func:`replication.modularity.compact_matrix`.

    Examples
    --------
    >>> from replication.protocol import load_protocol
    >>> m = ThresholdNetworkModel(load_protocol("original_protocol/ka2005_retina.toml", "mvg"))
    >>> work = np.zeros(15, np.bool_), np.zeros(16, np.int64)
    >>> a, kept = network_matrix(modular_retina_genome(2), 8, m.layer_start, m.neuron_layer,
    ...                          True, True, False, *work)
    >>> a.shape, int(a.sum()) // 2                 # 8 pixels + 15 neurons, 30 edges
    ((23, 23), 30)
    >>> a, kept = network_matrix(modular_retina_genome(2), 8, m.layer_start, m.neuron_layer,
    ...                          False, True, False, *work)
    >>> len(kept), int(a.sum()) // 2               # without the pixels: 16 pixel edges fewer
    (15, 14)
    """
    n_neurons = neuron_layer.shape[0]
    n_nodes = n_in + n_neurons
    full = np.zeros((n_nodes, n_nodes), np.float64)
    _effective(genome, n_neurons, layer_start, neuron_layer, is_eff, stack, cancel)
    for n in range(n_neurons):
        if effective_only and not is_eff[n]:
            continue
        lay = neuron_layer[n]
        for s in range(SLOTS):
            src = genome[n * GENE + 2 * s]
            if src < 0 or (cancel and _cancelled(genome, n, s)):
                continue
            if lay == 0:
                if not include_inputs:
                    continue
                node = src
            else:
                node = n_in + layer_start[lay - 1] + src
            full[node, n_in + n] = 1.0
    return compact_matrix(full, directed)


@njit(cache=True)
def population_q_networks(genomes, n_in, layer_start, neuron_layer, include_inputs, effective_only,
                          directed, cancel=False):
    """Q (greedy, :func:`replication.modularity.greedy_labels`) and graph size of every network.

    Each genome's graph is :func:`network_matrix`'s; a graph of 0 or 1 node has Q = 0.

    Examples
    --------
    >>> from replication.protocol import load_protocol
    >>> m = ThresholdNetworkModel(load_protocol("original_protocol/ka2005_retina.toml", "mvg"))
    >>> qs, sizes = population_q_networks(modular_retina_genome(2)[None, :], 8, m.layer_start,
    ...                                   m.neuron_layer, True, True, False)
    >>> round(float(qs[0]), 3), sizes.tolist()      # the modular solution: Q well above 0.3
    (0.596, [23])
    """
    pop = genomes.shape[0]
    qs = np.zeros(pop)
    sizes = np.zeros(pop, np.int64)
    n_neurons = neuron_layer.shape[0]
    is_eff = np.zeros(n_neurons, np.bool_)
    stack = np.zeros(n_neurons + 1, np.int64)
    for k in range(pop):
        m, keep = network_matrix(genomes[k], n_in, layer_start, neuron_layer, include_inputs,
                                 effective_only, directed, is_eff, stack, cancel)
        sizes[k] = keep.shape[0]
        if keep.shape[0] > 1:
            qs[k] = greedy_labels(m)[0]
    return qs, sizes


# --------------------------------------------------------------------------- python side
class ThresholdNetworkModel:
    """The 2005 retina's threshold-network genome bound to a protocol's ``[network]``,
    ``[retina]``, ``[fitness]``, ``[variation]`` and ``[cost]`` sections
    (interface: :mod:`replication.genomes.base`).

    Examples
    --------
    >>> from replication.protocol import load_protocol
    >>> m = ThresholdNetworkModel(load_protocol("original_protocol/ka2005_retina.toml", "mvg"))
    >>> ev = m.evaluate(modular_retina_genome(2)[None, :], m.targets(["L & R", "L | R"]))
    >>> ev.correct.tolist()          # the modular AND network on AND and on OR, of 256 patterns
    [[256, 128]]
    """

    kind = "retina2005"
    gene_dtype = np.int16
    n_inputs = 8

    def __init__(self, protocol):
        net = protocol.network
        self.layers = tuple(net.layers)
        self.n_neurons = sum(self.layers)
        self.layer_start = np.cumsum((0,) + self.layers[:-1]).astype(np.int64)
        self.neuron_layer = np.repeat(np.arange(len(self.layers)), self.layers).astype(np.int64)
        self.prev_sizes = np.array((self.n_inputs,) + self.layers[:-1], np.int64)
        self.fanin = np.array([net.max_fanin[l] for l in self.neuron_layer], np.int64)
        self.tmin, self.tmax = net.threshold_min, net.threshold_max
        self.at_least = net.activation == "at-least"
        self.binary = net.encoding == "binary"
        if self.binary:
            self.addr_bits, self.tbits, self.n_bits = genome_bits(self.prev_sizes, self.neuron_layer,
                                                                  self.fanin, self.tmin, self.tmax)
        self.pixels = np.array([to_words(m) for m in pixel_masks()], np.uint64)
        ret = protocol.retina
        self.left, self.right = object_masks(ret.object_column)
        self.pattern_mode, self.n_patterns = ret.patterns, ret.n_patterns
        self.all_mask = to_words((1 << 256) - 1)
        self.fixed_mask = None
        if self.pattern_mode == "balanced":
            both, lo, ro = self.left & self.right, self.left & ~self.right, self.right & ~self.left
            self.classes = np.array([[p for p in range(256) if m >> p & 1]
                                     for m in (both, lo, ro, ~(self.left | self.right))], np.int64)
        var = protocol.variation
        self.pm, self.pc = var.mutation_probability, var.crossover_probability
        self.uniform = var.crossover_operator == "uniform"
        self.crossover_mode = var.crossover_mode
        self.penalty, self.free = protocol.fitness.size_penalty, protocol.fitness.free_neurons
        self.cost_weight = protocol.cost.weight if protocol.cost is not None else 0.0
        self.n_rows = 256

    # ----- task
    def targets(self, expressions) -> np.ndarray:
        """Goal expressions over L and R -> (n_goals, 4) 64-bit words over the 256 patterns."""
        from ..tasks import evaluate_expression
        return np.array([to_words(evaluate_expression(e, {"L": self.left, "R": self.right}, (1 << 256) - 1))
                         for e in expressions], np.uint64)

    def environment(self) -> np.ndarray:
        """Patterns the fitness is measured on this generation (draws from the generation's stream)."""
        if self.pattern_mode == "all":
            return self.all_mask
        if self.pattern_mode == "fixed":
            if self.fixed_mask is None:
                raise RuntimeError("fixed environment not set: call start_run first")
            return self.fixed_mask
        if self.pattern_mode == "balanced":
            return sample_balanced_mask(self.n_patterns, self.classes)
        return sample_mask(self.n_patterns)

    def start_run(self, seed: int) -> None:
        """The 'fixed' environment: one sample of patterns per run, from the run's own stream."""
        if self.pattern_mode == "fixed":
            from ..rng import seed_numba
            seed_numba(seed, "environment")
            self.fixed_mask = sample_mask(self.n_patterns)

    # ----- population
    def random(self, pop: int) -> np.ndarray:
        make = random_networks_binary if self.binary else random_networks
        return make(pop, self.n_neurons, self.prev_sizes, self.neuron_layer, self.fanin, self.tmin, self.tmax)

    def evaluate(self, genomes, targets) -> Evaluation:
        out, n_eff = evaluate_networks(genomes, self.pixels, self.layer_start, self.neuron_layer,
                                       self.at_least, self.binary)
        correct = np.stack([correct_patterns(out, t, self.all_mask) for t in targets], axis=1)
        extra = {"genomes": genomes} if self.cost_weight else {}
        return Evaluation(correct=correct, outputs=out, n_effective=n_eff, extra=extra)

    def fitness(self, evaluation: Evaluation, goal: int, targets) -> np.ndarray:
        """Fraction right on this generation's environment (a sample of the patterns, drawn here),
        minus the size penalty (and a connection cost)."""
        env = self.environment()
        n_env = sum(bin(int(w)).count("1") for w in env)
        right = correct_patterns(evaluation.outputs, targets[goal], env)
        evaluation.extra["environment_accuracy"] = right / n_env
        fit = right / n_env - self.size_penalty(evaluation.n_effective)
        if self.cost_weight:
            fit -= self.cost_weight * np.array([len(self.edges(g)) for g in evaluation.extra["genomes"]])
        return fit

    def size_penalty(self, n_effective) -> np.ndarray:
        return self.penalty * np.maximum(0, np.asarray(n_effective) - self.free)

    def vary(self, genomes, may_vary) -> None:
        """Crossover (``variation.crossover_mode``), then mutation, of the rows where ``may_vary``."""
        if self.pc > 0:
            if self.crossover_mode == "pairs":
                crossover_networks(genomes, may_vary, self.pc, self.uniform)
            elif self.crossover_mode == "one-per-generation":
                crossover_once(genomes, may_vary, self.pc, self.uniform)
            else:
                mates = per_genome_partners(may_vary, self.pc)
                self.recombine(genomes, genomes[np.maximum(mates, 0)], mates >= 0)
        self.mutate(genomes, may_vary)

    def recombine(self, genomes, partners, has_partner) -> None:
        """Rows where ``has_partner`` become a child of themselves and the partner row (in place)."""
        recombine_children(genomes, partners, has_partner, self.uniform)

    def mutate(self, genomes, may_vary) -> None:
        """Mutation of the rows where ``may_vary``: one field with Pm per genome (integer encoding)
        or each bit with Pm / B (binary encoding)."""
        if self.binary:
            mutate_networks_bits(genomes, may_vary, self.pm, self.addr_bits, self.fanin, self.tbits,
                                 self.tmin, self.tmax, self.n_bits)
        else:
            mutate_networks(genomes, may_vary, self.pm, self.prev_sizes, self.neuron_layer, self.fanin,
                            self.tmin, self.tmax)

    def solution_difference(self, a, b) -> dict:
        """How two genomes (an MVG run's latest AND and OR solutions) differ: neuron genes, integer
        loci (a slot's source or weight, a threshold), genes of neurons effective in either network,
        and whether only thresholds differ.

        Kashtan & Alon (2005): after a switch the network re-adapts "often by the threshold value
        of a single neuron".
        """
        effective = np.zeros(self.n_neurons, np.bool_)
        for g in (a, b):
            is_eff = np.zeros(self.n_neurons, np.bool_)
            _effective(np.asarray(g), self.n_neurons, self.layer_start, self.neuron_layer, is_eff,
                       np.zeros(self.n_neurons + 1, np.int64), self.binary)
            effective |= is_eff
        a, b = np.asarray(a).reshape(-1, GENE), np.asarray(b).reshape(-1, GENE)
        differ = a != b
        return {"genes": int(np.count_nonzero(differ.any(axis=1))), "loci": int(np.count_nonzero(differ)),
                "effective_genes": int(np.count_nonzero(differ.any(axis=1) & effective)),
                "thresholds_only": bool(differ.any() and not differ[:, :2 * SLOTS].any())}

    # ----- phenotype
    def node_label(self, node: int) -> str:
        if node < self.n_inputs:
            return f"p{node}"
        n = node - self.n_inputs
        lay = int(self.neuron_layer[n])
        return f"L{lay + 1}.{n - int(self.layer_start[lay]) + 1}"

    def edges(self, genome, effective_only: bool = True) -> list[tuple[int, int]]:
        is_eff = np.zeros(self.n_neurons, np.bool_)
        genome = np.asarray(genome)
        _effective(genome, self.n_neurons, self.layer_start, self.neuron_layer, is_eff,
                   np.zeros(self.n_neurons + 1, np.int64), self.binary)
        edges, seen = [], set()
        for n in range(self.n_neurons):
            if effective_only and not is_eff[n]:
                continue
            lay = int(self.neuron_layer[n])
            for s in range(SLOTS):
                src = int(genome[n * GENE + 2 * s])
                if src < 0 or (self.binary and _cancelled(genome, n, s)):
                    continue
                node = src if lay == 0 else self.n_inputs + int(self.layer_start[lay - 1]) + src
                e = (node, self.n_inputs + n)
                if e not in seen:
                    seen.add(e)
                    edges.append(e)
        return edges

    def layer_of(self, node: int) -> int:
        return 0 if node < self.n_inputs else int(self.neuron_layer[node - self.n_inputs]) + 1

    def to_networkx(self, genome, effective_only: bool = True, names=None):
        import networkx as nx
        g = nx.DiGraph()
        out = self.n_inputs + self.n_neurons - 1
        edges = self.edges(genome, effective_only)
        for node in sorted({out}.union(*edges) if edges else {out}):
            g.add_node(node, kind="input" if node < self.n_inputs else "neuron",
                       label=self.node_label(node), layer=self.layer_of(node), output=node == out)
        g.add_edges_from(edges)
        return g

    def graph_options(self, protocol) -> tuple:
        mod = protocol.modularity
        return (mod.include_inputs, mod.graph_nodes == "effective", mod.directed)

    def population_q(self, genomes, protocol):
        return population_q_networks(genomes, self.n_inputs, self.layer_start, self.neuron_layer,
                                     *self.graph_options(protocol), self.binary)

    def modularity_graph(self, genome, protocol):
        from ..modularity import prepare_graph
        mod = protocol.modularity
        g = self.to_networkx(genome, effective_only=mod.graph_nodes == "effective")
        return prepare_graph(g, include_inputs=mod.include_inputs, drop_isolated=mod.drop_isolated,
                             self_loops=mod.self_loops)

    def output_node(self, genome=None) -> int:
        return self.n_inputs + self.n_neurons - 1

    def describe(self, genome, evaluation: Evaluation, index: int) -> dict:
        """What result.json records about the best genome."""
        out = from_words(evaluation.outputs[index])
        return {"n_effective_neurons": int(evaluation.n_effective[index]),
                "one_side_detector": out in (self.left, self.right),
                "genome": [int(v) for v in genome]}


def network_genome(neurons, layers=(8, 4, 2, 1)) -> np.ndarray:
    """A genome from a list, in layer order, of ``(slots, threshold)`` with ``slots`` a list of
    (source index in the previous layer, weight); missing neurons have no inputs and
    threshold 1 (they never fire).

    Unused slots are empty (source -1, weight +1).  Raises ``ValueError`` for a neuron with
    more than 3 inputs.

    Examples
    --------
    >>> g = network_genome([([(0, 1), (1, 1)], 2)])      # neuron 0: pixels 0 AND 1
    >>> g.shape, g[:GENE].tolist()
    ((105,), [0, 1, 1, 1, -1, 1, 2])
    >>> reference_output(g)                            # the output neuron has no inputs
    0
    """
    n_neurons = sum(layers)
    genome = np.full(n_neurons * GENE, NONE, np.int16)
    for n in range(n_neurons):
        genome[n * GENE + 2 * np.arange(SLOTS) + 1] = 1
        genome[n * GENE + 2 * SLOTS] = 1
    for n, (slots, threshold) in enumerate(neurons):
        if len(slots) > SLOTS:
            raise ValueError(f"neuron {n}: at most {SLOTS} inputs")
        for s, (src, w) in enumerate(slots):
            genome[n * GENE + 2 * s] = src
            genome[n * GENE + 2 * s + 1] = w
        genome[n * GENE + 2 * SLOTS] = threshold
    return genome


def modular_retina_genome(output_threshold: int) -> np.ndarray:
    """The modular solution: a left and a right object detector, combined by the output
    neuron (threshold 2: L AND R; 1: L OR R).  Per half, with outer pixels o and inner
    pixels i: layer 1 computes [o >= 1], [o >= 2], [i >= 1], [i >= 2]; layer 2
    [o>=2 + i>=2 - i>=1 >= 0] and a copy of [o >= 1]; layer 3 their AND = the object.

    A hand-built instance of the modular networks of Kashtan & Alon (2005), Fig. 5c.

    Examples
    --------
    >>> left, right = object_masks()
    >>> reference_output(modular_retina_genome(2)) == left & right
    True
    >>> reference_output(modular_retina_genome(1)) == left | right
    True
    """
    def half(outer, inner):
        return [([(outer[0], 1), (outer[1], 1)], 1), ([(outer[0], 1), (outer[1], 1)], 2),
                ([(inner[0], 1), (inner[1], 1)], 1), ([(inner[0], 1), (inner[1], 1)], 2)]
    layer1 = half((0, 4), (1, 5)) + half((3, 7), (2, 6))
    layer2 = [([(1, 1), (3, 1), (2, -1)], 0), ([(0, 1)], 1),
              ([(5, 1), (7, 1), (6, -1)], 0), ([(4, 1)], 1)]
    layer3 = [([(0, 1), (1, 1)], 2), ([(2, 1), (3, 1)], 2)]
    return network_genome(layer1 + layer2 + layer3 + [([(0, 1), (1, 1)], output_threshold)])
