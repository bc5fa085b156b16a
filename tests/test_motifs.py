import itertools
import json
import random
import warnings

import networkx as nx
import numpy as np
import pytest
from click.testing import CliRunner

from replication import motifs as Mo
from replication.cli import main

XOR = nx.DiGraph([(0, 2), (1, 2), (0, 3), (2, 3), (1, 4), (2, 4), (3, 5), (4, 5)])   # 4 NANDs


def test_ids_of_the_13_connected_triads():
    assert Mo.connected_ids(3) == (6, 12, 14, 36, 38, 46, 74, 78, 98, 102, 108, 110, 238)
    assert len(Mo.connected_ids(4)) == 199                # the known number of 4-node classes


@pytest.mark.parametrize("edges,size,expected", [
    ([(0, 1), (0, 2), (1, 2)], 3, Mo.FFL),
    ([(0, 1), (1, 2), (2, 0)], 3, Mo.CYCLE3),
    ([(0, 2), (0, 3), (1, 2), (1, 3)], 4, Mo.BIFAN),
    ([(0, 1), (0, 2), (1, 3), (2, 3)], 4, Mo.BIPARALLEL),
])
def test_named_motifs_get_mfinder_ids(edges, size, expected):
    assert Mo.census(nx.DiGraph(edges), size) == {expected: 1}


def test_id_is_minimum_over_relabelings():
    table = Mo.canonical_table(3)
    for raw in (1 << 1 | 1 << 2 | 1 << 5, 1 << 3 | 1 << 5 | 1 << 6):    # two labelings of the FFL
        assert table[raw] == Mo.FFL
    # bit src*n + tgt: the FFL 0->1, 0->2, 1->2 is bits 1, 2, 5 = 38 itself
    assert (Mo.id_matrix(38, 3) == np.array([[0, 1, 1], [0, 0, 1], [0, 0, 0]])).all()


def test_three_node_census_agrees_with_networkx_triadic_census():
    ids = {}
    for name in nx.algorithms.triads.TRIAD_NAMES:
        g = nx.triad_graph(name)
        c = Mo.census(g, 3)
        if name in ("003", "012", "102"):
            assert c == {}
        else:
            (ids[name],) = c
    assert sorted(ids.values()) == list(Mo.connected_ids(3))
    rng = np.random.default_rng(0)
    for k in range(10):
        g = nx.gnm_random_graph(18, int(rng.integers(20, 60)), seed=k, directed=True)
        ours = Mo.census(g, 3)
        tri = nx.triadic_census(g)
        assert ours == {ids[n]: c for n, c in tri.items() if n in ids and c}


def test_four_node_census_agrees_with_brute_force():
    rng = np.random.default_rng(1)
    table = Mo.canonical_table(4)
    for k in range(6):
        g = nx.gnm_random_graph(11, int(rng.integers(12, 30)), seed=100 + k, directed=True)
        adj = nx.to_numpy_array(g, nodelist=range(11)) > 0
        brute = {}
        for quad in itertools.combinations(range(11), 4):
            if nx.is_weakly_connected(g.subgraph(quad)):
                key = int(table[Mo._raw_py(adj, list(quad))])
                brute[key] = brute.get(key, 0) + 1
        assert Mo.census(g, 4) == brute
        assert Mo._census_python(adj, 4)[0] == brute        # the >64-node fallback too


def test_xor_block_has_two_ffls_and_one_diamond():
    c3, c4 = Mo.census(XOR, 3), Mo.census(XOR, 4)
    assert c3[Mo.FFL] == 2 and c4[Mo.BIPARALLEL] == 1
    assert c3 == {6: 1, 12: 6, 36: 2, 38: 2}


def test_random_networks_preserve_degrees_and_mutual_edges():
    rng = np.random.default_rng(2)
    g = nx.gnm_random_graph(20, 60, seed=3, directed=True)
    adj = nx.to_numpy_array(g, nodelist=range(20)) > 0
    for seed in range(5):
        r = Mo.random_network(adj, seed)
        assert (r.sum(0) == adj.sum(0)).all() and (r.sum(1) == adj.sum(1)).all()
        assert (r & r.T).sum() == (adj & adj.T).sum()
        assert not r.diagonal().any()
        assert (r != adj).any()
    layers = np.repeat(np.arange(4), 5)
    lad = np.zeros((20, 20), bool)
    for i in range(20):
        for j in range(20):
            lad[i, j] = layers[j] == layers[i] + 1 and rng.random() < 0.4
    r = Mo.random_network(lad, 7, layers=layers)
    src, dst = np.nonzero(r)
    assert (layers[dst] == layers[src] + 1).all()
    assert (r.sum(0) == lad.sum(0)).all() and (r.sum(1) == lad.sum(1)).all()


def test_statistics_follow_mfinder():
    real = {38: 5, 12: 2}
    randoms = [{38: 1, 12: 2}, {38: 3, 12: 2}, {38: 2}]
    stats = {s.id: s for s in Mo.motif_statistics(real, randoms)}
    assert stats[38].mean_rand == pytest.approx(2.0) and stats[38].sd_rand == pytest.approx(1.0)
    assert stats[38].z == pytest.approx(3.0) and stats[38].p == 0.0
    assert stats[12].sd_rand == pytest.approx(np.std([2, 2, 0], ddof=1))
    assert Mo.motif_statistics({6: 1}, [{6: 1}, {6: 1}])[0].z is None     # SD = 0: undefined
    agg = Mo.aggregate_z([[Mo.MotifStat(38, 1, 0, 1, 2.0, 0)], [Mo.MotifStat(38, 1, 0, 1, 4.0, 0)]])
    assert agg[38] == pytest.approx((3.0, 1.0, 2))


def test_cli_json_and_mfinder_out(tmp_path):
    f = tmp_path / "xor.txt"
    f.write_text("".join(f"{a + 1} {b + 1} 1\n" for a, b in XOR.edges))
    res = CliRunner().invoke(main, ["motifs", str(f), "--size", "3", "--nrand", "30", "--seed", "1",
                                    "--json", "--out", str(tmp_path / "xor")])
    assert res.exit_code == 0, res.output
    rows = json.loads(res.output)
    ffl = next(r for r in rows if r["id"] == 38)
    assert set(ffl) == {"id", "n_real", "mean_rand", "sd_rand", "z", "p", "uniq"} and ffl["n_real"] == 2
    assert ffl["uniq"] == 1                                           # the two FFLs share nodes
    again = CliRunner().invoke(main, ["motifs", str(f), "--size", "3", "--nrand", "30", "--seed", "1", "--json"])
    assert json.loads(again.output) == rows                           # seeded
    text = (tmp_path / "xor_OUT.txt").read_text()
    assert text.startswith("mfinder Version 1.20") and "Network name: xor.txt" in text
    assert "Num of Nodes: 6 Num of Edges: 8" in text
    assert "\n38\t2\t" in text                                         # full-list row of the FFL
    full = text.split("Full list of subgraphs size 3 ids:")[1]
    rows = [l for l in full.splitlines() if l[:1].isdigit()]
    assert [int(l.split("\t")[0]) for l in rows] == list(Mo.connected_ids(3))   # all 13, in order
    assert "( Total num of different subgraphs size 3 is : 13 )" in full
    assert "Random networks generation method: Switches" in text and "Success switches Ratio:" in text


# --------------------------------------------------------------------------- uniqueness
def _max_disjoint(appearances):
    best = 0

    def grow(k, used, n):
        nonlocal best
        best = max(best, n)
        for i in range(k, len(appearances)):
            if used.isdisjoint(appearances[i]):
                grow(i + 1, used | appearances[i], n + 1)
    grow(0, frozenset(), 0)
    return best


def test_uniqueness_is_a_maximal_node_disjoint_set():
    # three FFLs sharing a hub: 3 appearances, 1 node-disjoint; two separate FFLs: 2
    hub = nx.DiGraph([(0, 1), (0, 2), (1, 2), (0, 3), (0, 4), (3, 4), (0, 5), (0, 6), (5, 6)])
    adj = nx.to_numpy_array(hub, nodelist=range(7)) > 0
    counts, uniq = Mo.census_uniqueness(adj, 3)
    assert counts[Mo.FFL] == 3 and uniq[Mo.FFL] == 1
    two = nx.DiGraph([(0, 1), (0, 2), (1, 2), (3, 4), (3, 5), (4, 5)])
    assert Mo.census_uniqueness(nx.to_numpy_array(two, nodelist=range(6)) > 0, 3)[1][Mo.FFL] == 2
    table = Mo.canonical_table(3)
    for k in range(8):
        g = nx.gnm_random_graph(10, 16, seed=200 + k, directed=True)
        adj = nx.to_numpy_array(g, nodelist=range(10)) > 0
        counts, uniq = Mo.census_uniqueness(adj, 3)
        assert Mo._census_python(adj, 3) == (counts, uniq)       # same greedy order
        by_id = {}
        for tri in itertools.combinations(range(10), 3):
            if nx.is_weakly_connected(g.subgraph(tri)):
                by_id.setdefault(int(table[Mo._raw_py(adj, list(tri))]), []).append(frozenset(tri))
        for i, apps in by_id.items():
            best = _max_disjoint(apps)
            assert best / 3 <= uniq[i] <= best            # greedy maximal vs maximum packing


def test_motif_criteria_need_uniqueness_and_treat_undefined_z_as_mfinder():
    shared = Mo.MotifStat(38, 12, 2.0, 1.0, 10.0, 0.0, uniq=2)
    assert not Mo.is_motif(shared, 100)
    assert Mo.is_motif(Mo.MotifStat(38, 12, 2.0, 1.0, 10.0, 0.0, uniq=4), 100)
    # SD = 0 with a positive mean: mfinder's Z is 888888 > 2, so the mfactor decides
    assert Mo.is_motif(Mo.MotifStat(38, 12, 5.0, 0.0, None, 0.0, uniq=5), 100)
    assert not Mo.is_motif(Mo.MotifStat(38, 5, 5.0, 0.0, None, 1.0, uniq=5), 100)
    assert not Mo.is_motif(Mo.MotifStat(38, 12, 2.0, 1.0, 10.0, 0.02, uniq=5), 1000)   # p used at 1000


# --------------------------------------------------------------------------- mfinder's ensemble
def _mfinder_switches(adj, rng, factor, mutual_first=True):
    """Slow, literal Python transcription of mfinder 1.2's
    gen_rand_network_switches_method_conserve_double_edges: a mutual pair is stored as two
    adjacent directed copies ("twins"), get_rand(m) draws 1..m, each phase makes
    (int)R + get_rand((int)R) attempts with R = factor x its directed edges."""
    n = len(adj)
    mat = [[bool(adj[i][j]) for j in range(n)] for i in range(n)]
    dbl, sin = [], []
    for i in range(n):
        for j in range(n):
            if mat[i][j] and i != j:
                if mat[j][i]:
                    if i < j:
                        dbl += [[i, j], [j, i]]
                else:
                    sin.append([i, j])

    def attempts(e):
        return 0 if e <= 1 else factor * e + rng.randint(1, factor * e)

    def doubles():
        e = len(dbl)
        for _ in range(attempts(e)):
            i, j = rng.randint(1, e), rng.randint(1, e)
            if i == j:
                continue
            ti, tj = (i + 1 if i & 1 else i - 1), (j + 1 if j & 1 else j - 1)
            (s1, t1), (s2, t2) = dbl[i - 1], dbl[j - 1]
            if (not (mat[s1][t2] or mat[s2][t1] or mat[t1][s2] or mat[t2][s1])
                    and s1 != t2 and s2 != t1 and s1 != s2 and t1 != t2):
                dbl[i - 1][1] = dbl[ti - 1][0] = t2
                dbl[j - 1][1] = dbl[tj - 1][0] = t1
                mat[s1][t1] = mat[t1][s1] = mat[s2][t2] = mat[t2][s2] = False
                mat[s1][t2] = mat[t2][s1] = mat[s2][t1] = mat[t1][s2] = True

    def singles():
        e = len(sin)
        for _ in range(attempts(e)):
            i, j = rng.randint(1, e), rng.randint(1, e)
            if i == j:
                continue
            (s1, t1), (s2, t2) = sin[i - 1], sin[j - 1]
            if (not (mat[s1][t2] or mat[s2][t1] or mat[t2][s1] or mat[t1][s2])
                    and len({s1, t1, s2, t2}) == 4):
                sin[i - 1][1], sin[j - 1][1] = t2, t1
                mat[s1][t1] = mat[s2][t2] = False
                mat[s1][t2] = mat[s2][t1] = True

    for phase in ((doubles, singles) if mutual_first else (singles, doubles)):
        phase()
    return np.array(mat, bool)


def _max_abs_z(a, b):
    """Largest |two-sample z| of the mean counts over the 13 triad IDs."""
    worst = 0.0
    for i in Mo.connected_ids(3):
        x = np.array([c.get(i, 0) for c in a], float)
        y = np.array([c.get(i, 0) for c in b], float)
        se = np.sqrt(x.var(ddof=1) / x.size + y.var(ddof=1) / y.size)
        if se > 0:
            worst = max(worst, abs(x.mean() - y.mean()) / se)
    return worst


def test_random_means_match_mfinders_switching_on_a_network_with_mutual_edges():
    n = 9
    adj = np.zeros((n, n), bool)
    for a, b in [(0, 1), (2, 3), (4, 5), (1, 6), (3, 7)]:                   # mutual pairs
        adj[a, b] = adj[b, a] = True
    for a, b in [(0, 2), (0, 4), (2, 4), (1, 3), (5, 7), (6, 8), (8, 0), (7, 8), (5, 6), (3, 8),
                 (4, 6), (2, 8)]:
        adj[a, b] = True
    runs, factor = 1000, 20
    ours = [Mo.census_matrix(Mo.random_network(adj, k, switch_factor=factor), 3) for k in range(runs)]
    rng = random.Random(1)
    ref = [Mo.census_matrix(_mfinder_switches(adj, rng, factor), 3) for _ in range(runs)]
    assert _max_abs_z(ours, ref) < 4.0                       # 13 z-tests at about 1e-4 each
    # and the test has the power to see the bug (single edges switched first)
    rev = [Mo.census_matrix(_mfinder_switches(adj, rng, factor, mutual_first=False), 3) for _ in range(runs)]
    assert _max_abs_z(ours, rev) > 4.0


def test_layered_random_networks_keep_mutual_pairs_within_their_layers():
    layers = np.array([0, 0, 0, 1, 1, 1, 2, 2])
    adj = np.zeros((8, 8), bool)
    for a, b in [(0, 3), (1, 4), (2, 5), (0, 4), (3, 6), (4, 7), (5, 6)]:
        adj[a, b] = True
    adj[4, 1] = adj[5, 2] = True                                 # two mutual pairs, layers 0-1
    for seed in range(20):
        r = Mo.random_network(adj, seed, layers=layers)
        assert (r.sum(0) == adj.sum(0)).all() and (r.sum(1) == adj.sum(1)).all()
        assert (r & r.T).sum() == (adj & adj.T).sum()
        src, dst = np.nonzero(r)
        assert sorted(zip(layers[src], layers[dst])) == sorted(zip(*(layers[x] for x in np.nonzero(adj))))


# --------------------------------------------------------------------------- mfinder I/O
def test_write_mfinder_drops_self_loops_and_says_so(tmp_path):
    from replication.modularity import read_graph
    g = nx.DiGraph([(1, 2), (2, 2), (2, 3), (3, 1)])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert Mo.write_mfinder(g, tmp_path / "n.txt") == 1
    assert "1 self-loop" in str(caught[0].message)
    back = read_graph(tmp_path / "n.txt", "mfinder")
    assert sorted(back.edges) == [(1, 2), (2, 3), (3, 1)]
    with pytest.raises(ValueError, match="numbered from 1"):
        Mo.write_mfinder(nx.DiGraph([(0, 1)]), tmp_path / "bad.txt")


def test_out_file_num_of_nodes_is_the_largest_id(tmp_path):
    g = nx.DiGraph([(2, 5), (5, 9)])
    text = Mo.mfinder_out(g, "n", 3, Mo.analyse(g, 3, 2), 2)
    assert "Num of Nodes: 9 Num of Edges: 2" in text and "Num of Nodes with edges: 3" in text


def test_cli_layers_option(tmp_path):
    f = tmp_path / "ff.txt"
    edges = [(1, 3), (1, 4), (2, 3), (2, 4), (3, 5), (4, 5), (1, 5)]
    f.write_text("".join(f"{a} {b} 1\n" for a, b in edges))
    res = CliRunner().invoke(main, ["motifs", str(f), "--nrand", "10", "--layers", "2,2,1", "--json"])
    assert res.exit_code == 0, res.output
    assert any(r["id"] == Mo.FFL for r in json.loads(res.output))
    (tmp_path / "layers.txt").write_text("1 1\n2 1\n3 2\n4 2\n")          # node 5 missing
    bad = CliRunner().invoke(main, ["motifs", str(f), "--layers", str(tmp_path / "layers.txt")])
    assert bad.exit_code != 0 and "no layer for node(s) [5]" in bad.output
    assert "Traceback" not in bad.output
