import itertools
import json

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
        assert Mo._census_python(adj, 4) == brute           # the >64-node fallback too


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
    assert set(ffl) == {"id", "n_real", "mean_rand", "sd_rand", "z", "p"} and ffl["n_real"] == 2
    again = CliRunner().invoke(main, ["motifs", str(f), "--size", "3", "--nrand", "30", "--seed", "1", "--json"])
    assert json.loads(again.output) == rows                           # seeded
    text = (tmp_path / "xor_OUT.txt").read_text()
    assert text.startswith("mfinder Version 1.20") and "Network name: xor.txt" in text
    assert "Num of Nodes: 6 Num of Edges: 8" in text
    assert "\n38\t2\t" in text                                         # full-list row of the FFL
