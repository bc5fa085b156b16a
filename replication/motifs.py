"""Network motifs: census of 3- and 4-node subgraphs, random ensembles, Z-scores; mfinder I/O.

Identifiers follow mfinder 1.2: an ``n``-node subgraph's adjacency matrix (row = source)
is read as bits, bit ``src*n + tgt`` (0-based) set for an edge src -> tgt; the motif ID
is the smallest such number over all relabelings of the nodes.  Examples: feed-forward
loop = 38, 3-cycle = 98, bi-fan = 204, bi-parallel ("diamond") = 904.

The census counts *induced* connected subgraphs (every set of 3 or 4 nodes that is
weakly connected, with all the edges among them), as mfinder does, enumerated with
Wernicke's ESU algorithm.

Random networks keep each node's in- and out-degree and the number of mutual (two-way)
edges, as mfinder's default switching method does: single edges are switched with
single edges, mutual pairs with mutual pairs, never creating a self-loop or a double
edge; optionally only edges between the same pair of layers are switched (layered
networks keep their layers).  Each random network gets a number of switch attempts
drawn uniformly between 100 and 200 times the number of edges (mfinder's default).

Statistics as mfinder computes them: mean and sample SD (n - 1) of the random counts,
Z = (N_real - mean) / SD (undefined when SD = 0), p = fraction of random networks with a
count >= N_real.
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
def _census(adj, nbr, size, table, counts):
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
                    counts[table[_raw(adj, nodes, 3)]] += 1
                    continue
                ext3 = ext2 | (nbr[w2] & ~closed1 & greater)
                while ext3:
                    w3 = _lowest(ext3)
                    ext3 &= ~(one << np.uint64(w3))
                    nodes[3] = w3
                    counts[table[_raw(adj, nodes, 4)]] += 1


def _neighbour_masks(adj: np.ndarray) -> np.ndarray:
    und = adj | adj.T
    weights = (np.uint64(1) << np.arange(adj.shape[0], dtype=np.uint64))
    return np.array([np.bitwise_or.reduce(weights[und[i]]) if und[i].any() else np.uint64(0)
                     for i in range(adj.shape[0])], np.uint64)


def census_matrix(adj: np.ndarray, size: int) -> dict[int, int]:
    """Counts of connected induced subgraphs by mfinder ID, for a boolean adjacency matrix."""
    if size not in (3, 4):
        raise ValueError("motif size must be 3 or 4")
    adj = np.asarray(adj, bool).copy()
    np.fill_diagonal(adj, False)
    if adj.shape[0] > 64:
        return _census_python(adj, size)
    counts = np.zeros(1 << (size * size), np.int64)
    _census(adj, _neighbour_masks(adj), size, canonical_table(size), counts)
    return {int(i): int(counts[i]) for i in np.flatnonzero(counts)}


def _census_python(adj: np.ndarray, size: int) -> dict[int, int]:
    """Plain ESU for networks of more than 64 nodes."""
    und = adj | adj.T
    nbrs = [set(np.flatnonzero(und[i])) for i in range(len(adj))]
    table = canonical_table(size)
    counts: dict[int, int] = {}

    def extend(sub, ext, v):
        if len(sub) == size:
            key = int(table[_raw_py(adj, sub)])
            counts[key] = counts.get(key, 0) + 1
            return
        ext = set(ext)
        closed = set(sub).union(*(nbrs[s] for s in sub))
        while ext:
            w = ext.pop()
            extend(sub + [w], ext | {u for u in nbrs[w] if u > v and u not in closed}, v)

    for v in range(len(adj)):
        extend([v], {u for u in nbrs[v] if u > v}, v)
    return counts


def _raw_py(adj, nodes):
    k = len(nodes)
    return sum(1 << (i * k + j) for i in range(k) for j in range(k) if i != j and adj[nodes[i], nodes[j]])


def census(g: nx.DiGraph, size: int) -> dict[int, int]:
    nodes = list(g.nodes)
    adj = nx.to_numpy_array(g, nodelist=nodes, weight=None) > 0
    return census_matrix(adj, size)


# --------------------------------------------------------------------------- randomisation
@njit(cache=True)
def _switch(src, dst, adj, attempts, layer, mutual):
    """In-place switches among edges of one kind (single or mutual pairs), see module doc."""
    m = src.shape[0]
    if m < 2:
        return 0
    use_layers = layer[0] >= 0
    ok = 0
    for _ in range(attempts):
        i = np.random.randint(0, m)
        j = np.random.randint(0, m)
        if i == j:
            continue
        a, b, c, d = src[i], dst[i], src[j], dst[j]
        if mutual and np.random.random() < 0.5:
            c, d = d, c
        if use_layers and (layer[a] != layer[c] or layer[b] != layer[d]):
            continue
        if a == d or c == b or adj[a, d] or adj[d, a] or adj[c, b] or adj[b, c]:
            continue
        adj[a, b] = False
        adj[c, d] = False
        adj[a, d] = True
        adj[c, b] = True
        if mutual:
            adj[b, a] = False
            adj[d, c] = False
            adj[d, a] = True
            adj[b, c] = True
        src[i], dst[i], src[j], dst[j] = a, d, c, b
        ok += 1
    return ok


def random_network(adj: np.ndarray, seed: int, layers: np.ndarray | None = None,
                   switch_range=(100, 200)) -> np.ndarray:
    """One random network with the same in/out degrees and mutual-edge count (and layers)."""
    seed_numba_raw(seed)
    adj = np.asarray(adj, bool).copy()
    np.fill_diagonal(adj, False)
    layer = np.full(len(adj), -1, np.int64) if layers is None else np.asarray(layers, np.int64)
    mutual = adj & adj.T
    ms, md = np.nonzero(np.triu(mutual))
    ss, sd = np.nonzero(adj & ~mutual)
    n_edges = len(ss) + 2 * len(ms)
    factor = switch_range[0] + np.random.default_rng(seed).random() * (switch_range[1] - switch_range[0])
    attempts = int(factor * max(n_edges, 1))
    ss, sd, ms, md = (x.astype(np.int64) for x in (ss, sd, ms, md))
    share = len(ss) / max(len(ss) + len(ms), 1)
    _switch(ss, sd, adj, int(attempts * share), layer, False)
    _switch(ms, md, adj, attempts - int(attempts * share), layer, True)
    return adj


# --------------------------------------------------------------------------- statistics
@dataclass
class MotifStat:
    id: int
    n_real: int
    mean_rand: float
    sd_rand: float
    z: float | None
    p: float

    def to_dict(self) -> dict:
        return {"id": self.id, "n_real": self.n_real, "mean_rand": self.mean_rand,
                "sd_rand": self.sd_rand, "z": self.z, "p": self.p}


def motif_statistics(real: dict[int, int], randoms: list[dict[int, int]]) -> list[MotifStat]:
    ids = sorted(set(real).union(*randoms)) if randoms else sorted(real)
    out = []
    for i in ids:
        counts = np.array([r.get(i, 0) for r in randoms], float)
        n_real = real.get(i, 0)
        mean = float(counts.mean()) if counts.size else 0.0
        sd = float(counts.std(ddof=1)) if counts.size > 1 else 0.0
        z = (n_real - mean) / sd if sd > 0 else None
        p = float(np.mean(counts >= n_real)) if counts.size else 1.0
        out.append(MotifStat(i, n_real, mean, sd, z, p))
    return out


def analyse(g: nx.DiGraph, size: int, n_random: int = 100, seed: int = 0, layers=None) -> list[MotifStat]:
    """Census of ``g`` and of ``n_random`` degree-preserving random networks, with Z-scores."""
    nodes = list(g.nodes)
    adj = nx.to_numpy_array(g, nodelist=nodes, weight=None) > 0
    np.fill_diagonal(adj, False)
    layer_arr = None if layers is None else np.array([layers[v] for v in nodes], np.int64)
    real = census_matrix(adj, size)
    randoms = [census_matrix(random_network(adj, sample_seed(seed, k), layer_arr), size)
               for k in range(n_random)]
    return motif_statistics(real, randoms)


def is_motif(stat: MotifStat, n_random: int, z_th=2.0, mfactor=1.1, pval_th=0.01) -> bool:
    """mfinder's default criteria (uniqueness: for induced subgraphs it equals N_real)."""
    unique_ok = stat.n_real >= 4
    if n_random >= 1000:
        return stat.p < pval_th and stat.n_real >= stat.mean_rand * mfactor and unique_ok
    if stat.mean_rand == 0:
        return stat.n_real > 1 and unique_ok
    return (stat.z is not None and stat.z > z_th and stat.n_real >= stat.mean_rand * mfactor
            and unique_ok)


def aggregate_z(profiles: list[list[MotifStat]]) -> dict[int, tuple[float, float, int]]:
    """Mean +- SE of Z per motif ID over many networks (undefined Z left out), as in the
    paper's Figs. 1c, 1d and 5d."""
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


# --------------------------------------------------------------------------- mfinder output
def _fmt(x, spec):
    return format(UNDEFINED, ".0f") if x is None else format(x, spec)


def mfinder_out(g: nx.DiGraph, name: str, size: int, stats: list[MotifStat], n_random: int) -> str:
    """Text in the layout of mfinder 1.2's ``<stem>_OUT.txt``."""
    nodes = list(g.nodes)
    adj = nx.to_numpy_array(g, nodelist=nodes, weight=None) > 0
    np.fill_diagonal(adj, False)
    mutual = int((adj & adj.T).sum() // 2)
    single = int(adj.sum()) - 2 * mutual
    out_deg, in_deg = adj.sum(axis=1), adj.sum(axis=0)
    total = sum(s.n_real for s in stats)
    motifs = [s for s in stats if is_motif(s, n_random)]
    lines = ["mfinder Version 1.20", "", "MOTIF FINDER RESULTS:", "",
             f"\tNetwork name: {name}", "\tNetwork type: Directed",
             f"\tNum of Nodes: {len(nodes)} Num of Edges: {int(adj.sum())}",
             f"\tNum of Nodes with edges: {int(((out_deg + in_deg) > 0).sum())}",
             f"\tMaximal out degree (out-hub) : {int(out_deg.max()) if len(nodes) else 0}",
             f"\tMaximal in degree (in-hub) : {int(in_deg.max()) if len(nodes) else 0}",
             f"\tRoots num: {int(((in_deg == 0) & (out_deg > 0)).sum())} "
             f"Leaves num: {int(((out_deg == 0) & (in_deg > 0)).sum())}",
             f"\tSingle Edges num: {single} Mutual Edges num: {mutual}", "",
             f"\tMotif size searched  {size}",
             f"\tTotal number of {size}-node subgraphs : {total}",
             f"\tNumber of random networks generated : {n_random}",
             "\tRandom networks generation method: Switches",
             "\tNum of Switches range: 100.0-200.0", "",
             "The following motifs were found:", "",
             "Criteria taken : Nreal Zscore > 2.00",
             "                 Pval ignored (due to small number of random networks)"
             if n_random < 1000 else "                 Pval < 0.01",
             "                 Mfactor > 1.10",
             "                 Uniqueness >= 4", "",
             f"\n\tFull list includes {len(motifs)} motifs",
             "MOTIF\tNREAL\tNRAND\t\tNREAL\tNREAL\tUNIQ\tCREAL",
             "ID\t\tSTATS\t\tZSCORE\tPVAL\tVAL\t[MILI]\t", ""]
    for s in motifs:
        lines.append(f"{s.id}\t{s.n_real:.0f}\t{s.mean_rand:.1f}+-{s.sd_rand:.1f}\t{_fmt(s.z, '.2f')}\t"
                     f"{s.p:.3f}\t{s.n_real}\t{1000 * s.n_real / max(total, 1):.2f}")
        lines += [" ".join(map(str, row)) for row in id_matrix(s.id, size)]
        lines.append("")
    lines += ["", f"Full list of subgraphs size {size} ids:",
              f"\n\t( Total num of different subgraphs size {size} is : {len(stats)} )", "",
              "MOTIF\tNREAL\tNRAND\t\tNREAL\tNREAL\tCREAL\tUNIQ",
              "ID\t\tSTATS\t\tZSCORE\tPVAL\t[MILI]\t"]
    for s in stats:
        lines.append(f"{s.id}\t{s.n_real:.0f}\t{s.mean_rand:.1f}+-{s.sd_rand:.1f}\t{_fmt(s.z, '.2f')}\t"
                     f"{s.p:.3f}\t{1000 * s.n_real / max(total, 1):.2f}\t{s.n_real}")
        lines.append("")
    return "\n".join(lines) + "\n"
