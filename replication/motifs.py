"""Network motifs: census of 3- and 4-node subgraphs, random ensembles, Z-scores; mfinder I/O.

Identifiers follow mfinder 1.2: an ``n``-node subgraph's adjacency matrix (row = source)
is read as bits, bit ``src*n + tgt`` (0-based) set for an edge src -> tgt; the motif ID
is the smallest such number over all relabelings of the nodes.  Examples: feed-forward
loop = 38, 3-cycle = 98, bi-fan = 204, bi-parallel ("diamond") = 904.

The census counts *induced* connected subgraphs (every set of 3 or 4 nodes that is
weakly connected, with all the edges among them), as mfinder does, enumerated with
Wernicke's ESU algorithm.  Beside each count it gives mfinder's *uniqueness*: the number
of node-disjoint appearances, collected greedily (an appearance counts when it shares no
node with the appearances of the same ID already counted).  mfinder collects them in its
own search order, we in ESU order, so on a few networks the two greedy sets can differ
by an appearance or so; counts never differ.

Random networks follow mfinder 1.2's default switching method
(``gen_rand_network_switches_method_conserve_double_edges``): first the mutual (two-way)
pairs are switched among themselves, then the single edges among themselves, each phase
making ``R + U{1..R}`` attempts with ``R = 100 x`` its number of directed edges (a mutual
pair is two).  An attempt picks two edges ``s1 -> t1``, ``s2 -> t2`` at random and rewires
them to ``s1 -> t2``, ``s2 -> t1`` when the four nodes are distinct and neither new edge
exists in either direction; in- and out-degrees and the number of mutual pairs are kept.
With ``layers`` (as mfinder's ``-rcl``) each set of edges between the same two layers is
switched on its own, ``R = 100 x`` its size, so every edge stays between its layers.

Statistics as mfinder computes them: mean and sample SD (n - 1) of the random counts,
Z = (N_real - mean) / SD (undefined when SD = 0; mfinder prints 888888), p = fraction of
random networks with a count >= N_real.

Reference: R. Milo et al., "Network motifs: simple building blocks of complex networks",
Science 298:824 (2002); N. Kashtan, S. Itzkovitz, R. Milo, U. Alon, mfinder 1.2 (2004).
"""
from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from functools import lru_cache

import networkx as nx
import numpy as np
from numba import njit

from .rng import sample_seed, seed_numba_raw

FFL, CYCLE3, BIFAN, BIPARALLEL = 38, 98, 204, 904
UNDEFINED = 888888          # how mfinder prints an undefined value


# --------------------------------------------------------------------------- IDs
def raw_id(adj, nodes) -> int:
    """The mfinder bit code of the subgraph on ``nodes`` in this order (not yet canonical).

    Bit ``i*n + j`` is set when ``adj(nodes[i], nodes[j])`` (an edge i -> j); the motif ID is
    the smallest code over all orders (:func:`canonical_table`).

    Examples
    --------
    >>> import networkx as nx
    >>> ffl = nx.DiGraph([(0, 1), (1, 2), (0, 2)])
    >>> raw_id(ffl.has_edge, [0, 1, 2]), raw_id(ffl.has_edge, [2, 1, 0])
    (38, 200)
    >>> int(canonical_table(3)[200])            # the feed-forward loop's ID either way
    38
    """
    n = len(nodes)
    return sum(1 << (i * n + j) for i in range(n) for j in range(n) if i != j and adj(nodes[i], nodes[j]))


@lru_cache(maxsize=None)
def canonical_table(size: int) -> np.ndarray:
    """canonical[raw id] for every pattern without self-loops (raw ids up to 2**(size*size))."""
    perms = list(itertools.permutations(range(size)))
    offdiag = [(i, j) for i in range(size) for j in range(size) if i != j]
    table = np.zeros(1 << (size * size), np.int64)
    for bits in range(1 << len(offdiag)):
        edges = [offdiag[k] for k in range(len(offdiag)) if bits >> k & 1]
        raw = sum(1 << (i * size + j) for i, j in edges)
        table[raw] = min(sum(1 << (p[i] * size + p[j]) for i, j in edges) for p in perms)
    return table


@lru_cache(maxsize=None)
def connected_ids(size: int) -> tuple[int, ...]:
    """Canonical IDs of all weakly connected ``size``-node directed subgraphs (no self-loops)."""
    table = canonical_table(size)
    ids = set()
    for raw in np.flatnonzero(table >= 0):
        raw = int(raw)
        g = nx.Graph()
        g.add_nodes_from(range(size))
        g.add_edges_from((i, j) for i in range(size) for j in range(size) if raw >> (i * size + j) & 1)
        if (raw & sum(1 << (i * size + i) for i in range(size))) == 0 and nx.is_connected(g):
            ids.add(int(table[raw]))
    return tuple(sorted(ids))


def id_matrix(motif_id: int, size: int) -> np.ndarray:
    """The adjacency matrix (row = source) that a motif ID encodes; the inverse of :func:`raw_id`.

    Examples
    --------
    >>> id_matrix(38, 3).tolist()                 # feed-forward loop: 0 -> 1, 0 -> 2, 1 -> 2
    [[0, 1, 1], [0, 0, 1], [0, 0, 0]]
    >>> int(id_matrix(98, 3).sum(axis=0).max())   # 3-cycle: every node has in-degree 1
    1
    """
    return np.array([[(motif_id >> (i * size + j)) & 1 for j in range(size)] for i in range(size)])


# --------------------------------------------------------------------------- census (numba ESU)
@njit(cache=True)
def _lowest(x):
    k = 0
    while not (x >> np.uint64(k)) & np.uint64(1):
        k += 1
    return k


@njit(cache=True)
def _raw(adj, nodes, k):
    r = 0
    for i in range(k):
        for j in range(k):
            if i != j and adj[nodes[i], nodes[j]]:
                r |= 1 << (i * k + j)
    return r


@njit(cache=True)
def _found(adj, nodes, k, table, counts, used, uniq):
    key = table[_raw(adj, nodes, k)]
    counts[key] += 1
    mask = np.uint64(0)
    for i in range(k):
        mask |= np.uint64(1) << np.uint64(nodes[i])
    if used[key] & mask == 0:             # node-disjoint from the appearances kept so far
        used[key] |= mask
        uniq[key] += 1


@njit(cache=True)
def _census(adj, nbr, size, table, counts, used, uniq):
    """ESU enumeration of connected induced subgraphs of ``size`` (3 or 4) nodes; n <= 64."""
    n = adj.shape[0]
    one = np.uint64(1)
    nodes = np.zeros(4, np.int64)
    for v in range(n):
        greater = np.uint64(0)
        for u in range(v + 1, n):
            greater |= one << np.uint64(u)
        closed_v = nbr[v] | (one << np.uint64(v))
        ext1 = nbr[v] & greater
        nodes[0] = v
        while ext1:
            w1 = _lowest(ext1)
            ext1 &= ~(one << np.uint64(w1))
            nodes[1] = w1
            closed1 = closed_v | nbr[w1] | (one << np.uint64(w1))
            ext2 = ext1 | (nbr[w1] & ~closed_v & greater)
            while ext2:
                w2 = _lowest(ext2)
                ext2 &= ~(one << np.uint64(w2))
                nodes[2] = w2
                if size == 3:
                    _found(adj, nodes, 3, table, counts, used, uniq)
                    continue
                ext3 = ext2 | (nbr[w2] & ~closed1 & greater)
                while ext3:
                    w3 = _lowest(ext3)
                    ext3 &= ~(one << np.uint64(w3))
                    nodes[3] = w3
                    _found(adj, nodes, 4, table, counts, used, uniq)


def _neighbour_masks(adj: np.ndarray) -> np.ndarray:
    und = adj | adj.T
    weights = (np.uint64(1) << np.arange(adj.shape[0], dtype=np.uint64))
    return np.array([np.bitwise_or.reduce(weights[und[i]]) if und[i].any() else np.uint64(0)
                     for i in range(adj.shape[0])], np.uint64)


def census_uniqueness(adj: np.ndarray, size: int) -> tuple[dict[int, int], dict[int, int]]:
    """Counts and uniqueness (node-disjoint appearances) of the connected induced subgraphs
    of ``size`` nodes of a boolean adjacency matrix, by mfinder ID.

    Examples
    --------
    Two feed-forward loops sharing node 0 count twice but are one node-disjoint appearance:

    >>> import numpy as np
    >>> adj = np.zeros((5, 5), bool)
    >>> for a, b in [(0, 1), (0, 2), (1, 2), (0, 3), (0, 4), (3, 4)]:
    ...     adj[a, b] = True
    >>> counts, uniq = census_uniqueness(adj, 3)
    >>> counts[FFL], uniq[FFL]
    (2, 1)
    """
    if size not in (3, 4):
        raise ValueError(f"motif size must be 3 or 4, got {size!r}")
    adj = np.asarray(adj, bool).copy()
    np.fill_diagonal(adj, False)
    if adj.shape[0] > 64:
        return _census_python(adj, size)
    counts = np.zeros(1 << (size * size), np.int64)
    uniq = np.zeros_like(counts)
    used = np.zeros(counts.shape[0], np.uint64)
    _census(adj, _neighbour_masks(adj), size, canonical_table(size), counts, used, uniq)
    nz = np.flatnonzero(counts)
    return ({int(i): int(counts[i]) for i in nz}, {int(i): int(uniq[i]) for i in nz})


def census_matrix(adj: np.ndarray, size: int) -> dict[int, int]:
    """Counts of connected induced subgraphs by mfinder ID, for a boolean adjacency matrix.

    Enumerated with Wernicke's ESU algorithm (numba), as mfinder counts them (Milo et al. 2002).

    Examples
    --------
    >>> import networkx as nx
    >>> g = nx.DiGraph([(1, 2), (2, 3), (1, 3), (3, 4), (4, 5), (3, 5)])    # two feed-forward loops
    >>> a = nx.to_numpy_array(g, nodelist=sorted(g)).astype(bool)
    >>> census_matrix(a, 3)                      # 2 FFLs and 4 two-edge paths (ID 12)
    {12: 4, 38: 2}
    """
    return census_uniqueness(adj, size)[0]


def _census_python(adj: np.ndarray, size: int) -> tuple[dict[int, int], dict[int, int]]:
    """Plain ESU for networks of more than 64 nodes (counts, uniqueness)."""
    und = adj | adj.T
    nbrs = [set(np.flatnonzero(und[i])) for i in range(len(adj))]
    table = canonical_table(size)
    counts: dict[int, int] = {}
    uniq: dict[int, int] = {}
    used: dict[int, set] = {}

    def extend(sub, ext, v):
        if len(sub) == size:
            key = int(table[_raw_py(adj, sub)])
            counts[key] = counts.get(key, 0) + 1
            seen = used.setdefault(key, set())
            if seen.isdisjoint(sub):
                seen.update(sub)
                uniq[key] = uniq.get(key, 0) + 1
            return
        ext = sorted(ext)
        closed = set(sub).union(*(nbrs[s] for s in sub))
        while ext:
            w = ext.pop(0)
            extend(sub + [w], set(ext) | {u for u in nbrs[w] if u > v and u not in closed}, v)

    for v in range(len(adj)):
        extend([v], {u for u in nbrs[v] if u > v}, v)
    return counts, {k: uniq.get(k, 0) for k in counts}


def _raw_py(adj, nodes):
    k = len(nodes)
    return sum(1 << (i * k + j) for i in range(k) for j in range(k) if i != j and adj[nodes[i], nodes[j]])


def census(g: nx.DiGraph, size: int) -> dict[int, int]:
    """Counts of the connected induced ``size``-node subgraphs of ``g`` by mfinder ID.

    Self-loops are ignored (mfinder drops them when it reads a network).

    Examples
    --------
    >>> import networkx as nx
    >>> census(nx.DiGraph([(1, 2), (1, 3), (2, 3)]), 3) == {FFL: 1}
    True
    >>> census(nx.DiGraph([(1, 3), (1, 4), (2, 3), (2, 4)]), 4) == {BIFAN: 1}
    True
    """
    nodes = list(g.nodes)
    adj = nx.to_numpy_array(g, nodelist=nodes, weight=None) > 0
    return census_matrix(adj, size)


# --------------------------------------------------------------------------- randomisation
SWITCH_FACTOR = 100         # mfinder's R_SWITCH_FACTOR


@njit(cache=True)
def _n_attempts(n_directed, factor):
    """mfinder: ``(int)R + get_rand((int)R)``, R = factor x directed edges, none for <= 1 edge."""
    if n_directed <= 1:
        return 0
    r = int(factor * n_directed)
    return r + np.random.randint(1, r + 1)


@njit(cache=True)
def _switch_mutual(ms, md, adj, attempts, layer):
    """mfinder's double-edge switches: the P pairs are drawn as 2P directed copies."""
    n_dir = 2 * ms.shape[0]
    use_layers = layer.shape[0] > 0
    ok = 0
    for _ in range(attempts):
        i = np.random.randint(0, n_dir)
        j = np.random.randint(0, n_dir)
        if i == j:
            continue
        pi, pj = i >> 1, j >> 1
        s1, t1 = (md[pi], ms[pi]) if i & 1 else (ms[pi], md[pi])
        s2, t2 = (md[pj], ms[pj]) if j & 1 else (ms[pj], md[pj])
        if adj[s1, t2] or adj[s2, t1] or adj[t1, s2] or adj[t2, s1]:
            continue
        if s1 == t2 or s2 == t1 or s1 == s2 or t1 == t2:
            continue
        if use_layers and (layer[s1] != layer[s2] or layer[t1] != layer[t2]):
            continue
        adj[s1, t1] = adj[t1, s1] = adj[s2, t2] = adj[t2, s2] = False
        adj[s1, t2] = adj[t2, s1] = adj[s2, t1] = adj[t1, s2] = True
        ms[pi], md[pi] = s1, t2
        ms[pj], md[pj] = s2, t1
        ok += 1
    return ok


@njit(cache=True)
def _switch_single(ss, sd, adj, attempts, layer):
    """mfinder's single-edge switches: s1->t1, s2->t2 become s1->t2, s2->t1."""
    m = ss.shape[0]
    use_layers = layer.shape[0] > 0
    ok = 0
    for _ in range(attempts):
        i = np.random.randint(0, m)
        j = np.random.randint(0, m)
        if i == j:
            continue
        s1, t1, s2, t2 = ss[i], sd[i], ss[j], sd[j]
        if adj[s1, t2] or adj[s2, t1] or adj[t2, s1] or adj[t1, s2]:
            continue
        if s1 == s2 or s1 == t2 or t1 == s2 or t1 == t2 or s1 == t1 or s2 == t2:
            continue
        if use_layers and (layer[s1] != layer[s2] or layer[t1] != layer[t2]):
            continue
        adj[s1, t1] = False
        adj[s2, t2] = False
        adj[s1, t2] = True
        adj[s2, t1] = True
        sd[i] = t2
        sd[j] = t1
        ok += 1
    return ok


def _groups(src, dst, layer):
    """Index sets of the edges between the same (source layer, target layer)."""
    if layer is None:
        return [np.arange(len(src))]
    keys = layer[src] * (int(layer.max()) + 1) + layer[dst]
    return [np.flatnonzero(keys == k) for k in np.unique(keys)]


def random_network(adj: np.ndarray, seed: int, layers: np.ndarray | None = None,
                   switch_factor: float = SWITCH_FACTOR, return_ratio: bool = False):
    """One random network with the same in/out degrees and mutual pairs (and layers),
    by mfinder 1.2's switching procedure: mutual pairs first, then single edges.

    ``layers``: one integer per node; edges are then switched only with edges between the
    same two layers.  With ``return_ratio`` also returns successful / attempted switches.

    Examples
    --------
    >>> import numpy as np
    >>> adj = np.zeros((6, 6), bool)
    >>> for a, b in [(0, 1), (1, 0), (2, 3), (3, 2), (0, 4), (2, 5), (4, 5), (1, 3)]:
    ...     adj[a, b] = True
    >>> r = random_network(adj, seed=1)
    >>> bool((r.sum(0) == adj.sum(0)).all() and (r.sum(1) == adj.sum(1)).all())
    True
    >>> int((r & r.T).sum() // 2)          # mutual pairs kept
    2
    """
    seed_numba_raw(seed)
    adj = np.asarray(adj, bool).copy()
    np.fill_diagonal(adj, False)
    layer = None if layers is None else np.asarray(layers, np.int64)
    if layer is not None and layer.shape != (len(adj),):
        raise ValueError(f"layers: expected one layer per node ({len(adj)}), got shape {layer.shape}")
    no_layer = np.zeros(0, np.int64) if layer is None else layer
    mutual = adj & adj.T
    ms, md = (x.astype(np.int64) for x in np.nonzero(np.triu(mutual)))
    ss, sd = (x.astype(np.int64) for x in np.nonzero(adj & ~mutual))
    if layer is not None:                         # a pair's layers as an unordered pair
        flip = layer[ms] > layer[md]
        ms[flip], md[flip] = md[flip], ms[flip]
    ok = tries = 0
    for idx in _groups(ms, md, layer):            # mutual pairs first, as mfinder
        a, b = ms[idx].copy(), md[idx].copy()
        n = _n_attempts(2 * len(idx), switch_factor)
        ok += _switch_mutual(a, b, adj, n, no_layer)
        tries += n
    for idx in _groups(ss, sd, layer):            # then single edges
        a, b = ss[idx].copy(), sd[idx].copy()
        n = _n_attempts(len(idx), switch_factor)
        ok += _switch_single(a, b, adj, n, no_layer)
        tries += n
    if return_ratio:
        return adj, (ok / tries if tries else float("nan"))
    return adj


# --------------------------------------------------------------------------- statistics
@dataclass
class MotifStat:
    """One motif ID's statistics in a network against its random ensemble (an mfinder row).

    ``n_real``: its count in the network; ``mean_rand``, ``sd_rand``: mean and sample SD of
    its count in the random networks; ``z``: (n_real - mean) / SD (None when SD = 0);
    ``p``: fraction of random networks with a count >= n_real; ``uniq``: node-disjoint
    appearances.

    Examples
    --------
    >>> s = motif_statistics({38: 5}, [{38: 1}, {38: 3}, {38: 2}])[0]
    >>> s.id, s.n_real, s.mean_rand, s.z, s.p
    (38, 5, 2.0, 3.0, 0.0)
    >>> s.to_dict()["z"]
    3.0
    """
    id: int
    n_real: int
    mean_rand: float
    sd_rand: float
    z: float | None
    p: float
    uniq: int = 0

    def to_dict(self) -> dict:
        return {"id": self.id, "n_real": self.n_real, "mean_rand": self.mean_rand,
                "sd_rand": self.sd_rand, "z": self.z, "p": self.p, "uniq": self.uniq}


def motif_statistics(real: dict[int, int], randoms: list[dict[int, int]],
                     uniq: dict[int, int] | None = None, ids=None) -> list[MotifStat]:
    """Per-ID statistics as mfinder's ``calc_deviation``, ``calc_pval`` and ``calc_zscore``.

    ``ids``: the IDs to report (default: every ID seen in the real or a random network).

    Examples
    --------
    >>> [s.z for s in motif_statistics({38: 5}, [{38: 1}, {38: 3}, {38: 2}])]
    [3.0]
    """
    if ids is None:
        ids = sorted(set(real).union(*randoms)) if randoms else sorted(real)
    uniq = uniq or {}
    out = []
    for i in ids:
        counts = np.array([r.get(i, 0) for r in randoms], float)
        n_real = real.get(i, 0)
        mean = float(counts.mean()) if counts.size else 0.0
        sd = float(counts.std(ddof=1)) if counts.size > 1 else 0.0
        z = (n_real - mean) / sd if sd > 0 else None
        p = float(np.mean(counts >= n_real)) if counts.size else 0.0
        out.append(MotifStat(int(i), int(n_real), mean, sd, z, p, int(uniq.get(i, 0))))
    return out


@dataclass
class MotifAnalysis:
    """A census of one network against its random ensemble (what mfinder's run reports).

    Returned by :func:`motif_analysis`: the subgraph size, the number of random networks, one
    :class:`MotifStat` per ID, the switch ratio of the randomisations and whether they kept
    layers.

    Examples
    --------
    >>> import networkx as nx
    >>> g = nx.DiGraph([(1, 2), (2, 3), (1, 3), (3, 4), (4, 5), (3, 5)])    # two feed-forward loops
    >>> m = motif_analysis(g, 3, n_random=20, seed=1)
    >>> m.size, m.n_random, m.layered, [s.id for s in m.stats if s.n_real]
    (3, 20, False, [12, 38])
    """
    size: int
    n_random: int
    stats: list[MotifStat]
    switch_ratio: tuple[float, float] | None = None     # mean, SD of successful/attempted
    layered: bool = False


def motif_analysis(g: nx.DiGraph, size: int, n_random: int = 100, seed: int = 0,
                   layers=None) -> MotifAnalysis:
    """Census of ``g`` (counts and uniqueness) and of ``n_random`` random networks
    (see :func:`random_network`), with Z-scores.  ``layers``: {node: layer} or None.

    Examples
    --------
    >>> import networkx as nx
    >>> g = nx.DiGraph([(1, 3), (1, 4), (2, 3), (2, 4), (3, 5), (4, 5), (1, 5)])
    >>> res = motif_analysis(g, 3, n_random=5, seed=1)
    >>> [(s.id, s.n_real, s.uniq) for s in res.stats if s.id == FFL]
    [(38, 2, 1)]
    """
    nodes = list(g.nodes)
    adj = nx.to_numpy_array(g, nodelist=nodes, weight=None) > 0
    np.fill_diagonal(adj, False)
    layer_arr = None
    if layers is not None:
        missing = [v for v in nodes if v not in layers]
        if missing:
            raise ValueError(f"layers: no layer given for node(s) {missing[:10]}")
        layer_arr = np.array([layers[v] for v in nodes], np.int64)
    real, uniq = census_uniqueness(adj, size)
    randoms, ratios = [], []
    for k in range(n_random):
        r, ratio = random_network(adj, sample_seed(seed, k), layer_arr, return_ratio=True)
        randoms.append(census_matrix(r, size))
        ratios.append(ratio)
    ok = [x for x in ratios if not math.isnan(x)]
    sr = (float(np.mean(ok)), float(np.std(ok))) if ok else None
    return MotifAnalysis(size, n_random, motif_statistics(real, randoms, uniq), sr, layers is not None)


def analyse(g: nx.DiGraph, size: int, n_random: int = 100, seed: int = 0, layers=None) -> list[MotifStat]:
    """Census of ``g`` and of ``n_random`` degree-preserving random networks, with Z-scores
    (the ``stats`` of :func:`motif_analysis`).

    Random networks by mfinder's switching method (degrees and mutual pairs kept); seeded.
    Reference: Milo et al., Science 298:824 (2002).

    Examples
    --------
    >>> import networkx as nx
    >>> g = nx.DiGraph([(1, 2), (2, 3), (1, 3), (3, 4), (4, 5), (3, 5)])    # two feed-forward loops
    >>> ffl = next(s for s in analyse(g, 3, n_random=20, seed=1) if s.id == 38)
    >>> ffl.n_real, ffl.z > 0                    # more FFLs than in the degree-preserving ensemble
    (2, True)
    >>> analyse(g, 3, n_random=20, seed=1) == analyse(g, 3, n_random=20, seed=1)
    True
    """
    return motif_analysis(g, size, n_random, seed, layers).stats


def is_motif(stat: MotifStat, n_random: int, z_th=2.0, mfactor=1.1, pval_th=0.01, unique_th=4) -> bool:
    """mfinder 1.2's default motif criteria (``gen_motif_ids_list``).

    Fewer than 1000 random networks: (Z > z_th and N_real >= mean x mfactor and
    uniqueness >= unique_th) or (N_real > 1 and mean == 0 and uniqueness >= unique_th);
    an undefined Z counts as mfinder's 888888.  1000 or more: p < pval_th and the same
    mfactor and uniqueness conditions.

    Examples
    --------
    >>> is_motif(MotifStat(38, 9, 2.0, 1.0, 7.0, 0.0, uniq=4), 100)
    True
    >>> is_motif(MotifStat(38, 9, 2.0, 1.0, 7.0, 0.0, uniq=3), 100)   # shared nodes
    False
    """
    unique_ok = stat.uniq >= unique_th
    mf_ok = stat.n_real >= stat.mean_rand * mfactor
    if n_random >= 1000:
        return stat.p < pval_th and mf_ok and unique_ok
    z = UNDEFINED if stat.z is None else stat.z
    return ((z > z_th and mf_ok and unique_ok)
            or (stat.n_real > 1 and stat.mean_rand == 0 and n_random > 0 and unique_ok))


def aggregate_z(profiles: list[list[MotifStat]]) -> dict[int, tuple[float, float, int]]:
    """Mean +- SE of Z per motif ID over many networks (undefined Z left out), as in the
    paper's Figs. 1c, 1d and 5d.

    Returns ``{id: (mean Z, SE, number of networks with a defined Z)}``.

    Examples
    --------
    >>> a = motif_statistics({38: 5}, [{38: 1}, {38: 3}, {38: 2}])       # Z = 3
    >>> b = motif_statistics({38: 4}, [{38: 1}, {38: 3}, {38: 2}])       # Z = 2
    >>> aggregate_z([a, b])
    {38: (2.5, 0.5, 2)}
    """
    by_id: dict[int, list[float]] = {}
    for prof in profiles:
        for s in prof:
            if s.z is not None:
                by_id.setdefault(s.id, []).append(s.z)
    out = {}
    for i, zs in sorted(by_id.items()):
        v = np.array(zs)
        se = float(v.std(ddof=1) / math.sqrt(v.size)) if v.size > 1 else float("nan")
        out[i] = (float(v.mean()), se, int(v.size))
    return out


# --------------------------------------------------------------------------- mfinder I/O
MAX_FULL_MOTIF_LIST_SZ, TOP_MOTIF_LIST_SZ = 10, 7


def is_dangling(motif_id: int, size: int) -> bool:
    """mfinder's ``is_dangling``: some node of the pattern touches fewer than two others.

    Examples
    --------
    >>> is_dangling(328, 4), is_dangling(204, 4)         # 4-node chain; bi-fan
    (True, False)
    """
    m = id_matrix(motif_id, size)
    s = (m | m.T).astype(bool)
    return bool((s.sum(axis=1) < 2).any())


def mfinder_node_count(g: nx.DiGraph) -> int:
    """``Num of Nodes`` as mfinder prints it: the largest node id (nodes are numbered from 1);
    the number of nodes when the labels are not positive integers.

    Examples
    --------
    >>> import networkx as nx
    >>> mfinder_node_count(nx.DiGraph([(1, 2), (2, 7)])), mfinder_node_count(nx.DiGraph([("a", "b")]))
    (7, 2)
    """
    labels = list(g.nodes)
    if labels and all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v >= 1 for v in labels):
        return int(max(labels))
    return len(labels)


def _row(s: MotifStat, conc: float, full: bool) -> str:
    z = format(UNDEFINED, ".0f") if s.z is None else format(s.z, ".2f")
    head = f"{s.id}\t{s.n_real:.0f}\t{s.mean_rand:.1f}+-{s.sd_rand:.1f}\t{z}\t{s.p:.3f}\t"
    return head + (f"{conc:.2f}\t{s.uniq}" if full else f"{s.uniq}\t{conc:.2f}")


def _matrix(motif_id: int, size: int) -> list[str]:
    """dump_matrix: a blank line, then each row as '%d ' per cell."""
    return [""] + ["".join(f"{x} " for x in row) for row in id_matrix(motif_id, size)]


def _top_motifs(motifs: list[MotifStat], conc: dict[int, float]) -> list[MotifStat]:
    """gen_top_motifs_list: keep TOP_MOTIF_LIST_SZ by concentration x 2 log10(Z)."""
    top: list[tuple[MotifStat, float]] = []
    for s in motifs:
        z = UNDEFINED if s.z is None else s.z
        score = conc[s.id] * 2 * math.log10(z) if z > 0 else -math.inf
        if len(top) < TOP_MOTIF_LIST_SZ:
            top.append((s, score))
        elif score > min(t[1] for t in top):
            low = min(t[1] for t in top)
            del top[next(k for k, t in enumerate(top) if t[1] == low)]
            top.append((s, score))
    return sorted((t[0] for t in top), key=lambda s: s.id)


def mfinder_out(g: nx.DiGraph, name: str, size: int, stats: list[MotifStat], n_random: int,
                switch_ratio: tuple[float, float] | None = None) -> str:
    """Text in the layout of mfinder 1.2's ``<stem>_OUT.txt`` (deterministic census,
    default criteria), listing all 13 (size 3) or 199 (size 4) subgraph IDs.  mfinder's
    closing run-time lines are left out.

    Examples
    --------
    >>> import networkx as nx
    >>> g = nx.DiGraph([(1, 2), (1, 3), (2, 3), (7, 3)])
    >>> text = mfinder_out(g, "net.txt", 3, analyse(g, 3, n_random=3), 3)
    >>> text.splitlines()[6].strip()
    'Num of Nodes: 7 Num of Edges: 4'
    >>> text.count("\\n38\\t1\\t")
    1
    >>> "( Total num of different subgraphs size 3 is : 13 )" in text
    True
    """
    by_id = {s.id: s for s in stats}
    full = [by_id.get(i) or motif_statistics({}, [{}] * n_random, ids=[i])[0] for i in connected_ids(size)]
    nodes = list(g.nodes)
    adj = nx.to_numpy_array(g, nodelist=nodes, weight=None) > 0
    np.fill_diagonal(adj, False)
    mutual = int((adj & adj.T).sum() // 2)
    single = int(adj.sum()) - 2 * mutual
    out_deg, in_deg = adj.sum(axis=1), adj.sum(axis=0)
    total = sum(s.n_real for s in full)
    conc = {s.id: 1000 * s.n_real / total if total else 0.0 for s in full}
    real = [s for s in full if s.n_real > 0]              # mfinder's res: IDs seen in the real network
    motifs = [s for s in real if is_motif(s, n_random)]
    ratio = (f", Success switches Ratio:{switch_ratio[0]:.3f}+-{switch_ratio[1]:.2f}"
             if switch_ratio else "")
    lines = ["mfinder Version 1.20", "", "MOTIF FINDER RESULTS:", "",
             f"\tNetwork name: {name}", "\tNetwork type: Directed",
             f"\tNum of Nodes: {mfinder_node_count(g)} Num of Edges: {int(adj.sum())}",
             f"\tNum of Nodes with edges: {int(((out_deg + in_deg) > 0).sum())}",
             f"\tMaximal out degree (out-hub) : {int(out_deg.max()) if len(nodes) else 0}",
             f"\tMaximal in degree (in-hub) : {int(in_deg.max()) if len(nodes) else 0}",
             f"\tRoots num: {int(((in_deg == 0) & (out_deg > 0)).sum())} "
             f"Leaves num: {int(((out_deg == 0) & (in_deg > 0)).sum())}",
             f"\tSingle Edges num: {single} Mutual Edges num: {mutual}", "",
             f"\tMotif size searched  {size}"]
    if total:
        lines.append(f"\tTotal number of {size}-node subgraphs : {total}")
    lines += [f"\tNumber of random networks generated : {n_random}",
              "\tRandom networks generation method: Switches",
              f"\tNum of Switches range: {SWITCH_FACTOR:.1f}-{2 * SWITCH_FACTOR:.1f}{ratio}", "",
              "The following motifs were found:", ""]
    header = ["MOTIF\tNREAL\tNRAND\t\tNREAL\tNREAL\tUNIQ\tCREAL", "ID\t\tSTATS\t\tZSCORE\tPVAL\tVAL\t[MILI]\t"]

    def block(items):
        rows = []
        for s in items:
            rows += [_row(s, conc[s.id], full=False)] + _matrix(s.id, size) + [""]
        return rows

    if n_random < 1000:
        lines += ["Criteria taken : Nreal Zscore > 2.00",
                  "                 Pval ignored (due to small number of random networks)",
                  "                 Mfactor > 1.10", "                 Uniqueness >= 4", ""]
        if len(motifs) > MAX_FULL_MOTIF_LIST_SZ:
            non_dangling = [s for s in motifs if not is_dangling(s.id, size)]
            lines += ["", "\tTop Motifs List", ""] + header + [""] + block(_top_motifs(non_dangling, conc))
            lines += ["", "", f"\t(Total No. of non-dangling motifs : {len(non_dangling)})", ""]
        lines += ["", "", f"\tFull list includes {len(motifs)} motifs"] + header + [""] + block(motifs)
    else:
        lines += ["Criteria taken : Pval < 0.010", "                 Mfactor > 1.10",
                  "                 Uniqueness >= 4", ""] + header + block(motifs)
    lines += ["", "", f"Full list of subgraphs size {size} ids:", "",
              f"\t( Total num of different subgraphs size {size} is : {len(full)} )", "",
              "MOTIF\tNREAL\tNRAND\t\tNREAL\tNREAL\tCREAL\tUNIQ",
              "ID\t\tSTATS\t\tZSCORE\tPVAL\t[MILI]\t"]
    for s in full:
        lines += [_row(s, conc[s.id], full=True), ""]
    return "\n".join(lines) + "\n\n"


def write_mfinder(graph: nx.DiGraph, path) -> int:
    """Write ``graph`` as an mfinder 1.2 edge list (``source target 1`` per line, sorted).

    mfinder refuses self-loops, so they are left out, with a warning naming how many;
    returns that number.  Node labels must be positive integers (mfinder numbers nodes
    from 1).

    Examples
    --------
    >>> import networkx as nx, tempfile, warnings, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "network.txt"
    >>> with warnings.catch_warnings(record=True) as w:
    ...     warnings.simplefilter("always")
    ...     write_mfinder(nx.DiGraph([(1, 3), (2, 3), (3, 3)]), path)
    1
    >>> print(path.read_text(), end="")
    1 3 1
    2 3 1
    >>> str(w[0].message).endswith("left out 1 self-loop (mfinder refuses them)")
    True
    """
    import warnings
    from pathlib import Path
    bad = [v for v in graph.nodes if not (isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v >= 1)]
    if bad:
        raise ValueError(f"{path}: mfinder needs nodes numbered from 1; got {bad[:5]!r}")
    loops = [(a, b) for a, b in graph.edges if a == b]
    edges = sorted((int(a), int(b)) for a, b in graph.edges if a != b)
    Path(path).write_text("".join(f"{a} {b} 1\n" for a, b in edges))
    if loops:
        warnings.warn(f"{path}: left out {len(loops)} self-loop{'s' if len(loops) > 1 else ''} "
                      "(mfinder refuses them)", stacklevel=2)
    return len(loops)


def parse_layers(spec: str, g: nx.DiGraph) -> dict:
    """Layers for the layer-preserving null: either a file of ``node layer`` lines or
    mfinder ``-rcl``-style layer sizes, ``"8,4,2,1"`` (nodes 1-8 layer 1, 9-12 layer 2, ...).

    Examples
    --------
    >>> import networkx as nx
    >>> parse_layers("2,1", nx.DiGraph([(1, 3), (2, 3)]))
    {1: 1, 2: 1, 3: 2}
    """
    from pathlib import Path
    path = Path(spec)
    layers: dict = {}
    if path.is_file():
        for lineno, line in enumerate(path.read_text().splitlines(), 1):
            parts = line.split("#", 1)[0].split()
            if not parts:
                continue
            if len(parts) != 2 or not parts[1].lstrip("-").isdigit():
                raise ValueError(f"{path}:{lineno}: expected 'node layer', got {line!r}")
            node = int(parts[0]) if parts[0].lstrip("-").isdigit() else parts[0]
            layers[node] = int(parts[1])
    else:
        sizes = [p for p in spec.replace(",", " ").split() if p]
        if not sizes or not all(p.isdigit() and int(p) > 0 for p in sizes):
            raise ValueError(f"--layers {spec!r}: neither a file nor layer sizes such as '8,4,2,1'")
        node = 1
        for layer, n in enumerate(map(int, sizes), 1):
            for _ in range(n):
                layers[node] = layer
                node += 1
    missing = sorted((v for v in g if v not in layers), key=str)
    if missing:
        raise ValueError(f"--layers {spec!r}: no layer for node(s) {missing[:10]}"
                         f"{' ...' if len(missing) > 10 else ''}")
    return layers
