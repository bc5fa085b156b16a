"""The alternative readings of the 2005 retina protocol (issue 14): solved criterion, balanced
environment, elite-offspring selection, crossover modes, binary neuron encoding, layered Qrand null,
AND/OR solution differences, and the legacy-default keys that keep old digests valid."""
import json
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from replication.algorithms import make_algorithm
from replication.evolve import evolve
from replication.genomes import genome_model
from replication.genomes.threshold_network import (GENE, SLOTS, crossover_once, from_words,
                                                   modular_retina_genome, network_genome,
                                                   recombine_children)
from replication.modularity import Recipe, apply_recipe, randomise
from replication.protocol import (ProtocolError, build_protocol, load_protocol, protocol_digest,
                                  strip_legacy_defaults)
from replication.rng import seed_numba
from replication.selection.ka2005 import select_elite_offspring

ROOT = Path(__file__).parent.parent
RETINA = ROOT / "original_protocol/ka2005_retina.toml"


def _model(*sets, treatment="mvg"):
    return genome_model(load_protocol(RETINA, treatment, list(sets)))


def test_balanced_environment_has_equal_class_counts():
    m = _model(("retina.patterns", "balanced"))
    left, right = m.left, m.right
    classes = [left & right, left & ~right, right & ~left, ~(left | right) & ((1 << 256) - 1)]
    seed_numba(3, "generation", 0)
    for _ in range(20):
        env = from_words(m.environment())
        assert bin(env).count("1") == 100
        assert [bin(env & c).count("1") for c in classes] == [25, 25, 25, 25]


def test_resampled_environment_is_not_balanced_every_time():
    m = _model()
    left, right = m.left, m.right
    seed_numba(3, "generation", 0)
    counts = {bin(from_words(m.environment()) & left & right).count("1") for _ in range(30)}
    assert len(counts) > 1          # L AND R patterns vary in number: the option changes something


def test_binary_random_genomes_have_no_empty_slot():
    m = _model(("network.encoding", "binary"))
    seed_numba(1, "init")
    pop = m.random(200)
    for n in range(m.n_neurons):
        for s in range(int(m.fanin[n])):
            src = pop[:, n * GENE + 2 * s]
            assert src.min() >= 0 and src.max() < m.prev_sizes[m.neuron_layer[n]]


def test_binary_mutation_flips_bits_at_rate_pm_over_b():
    m = _model(("network.encoding", "binary"))
    # slots x (address bits + sign) + 3 threshold bits; sources: 8 pixels, 8, 4 and 2 neurons
    assert m.n_bits == 8 * (3 * 4 + 3) + 4 * (3 * 4 + 3) + 2 * (3 * 3 + 3) + (2 * 2 + 3) == 211
    seed_numba(2, "init")
    pop = m.random(3000)
    before = pop.copy()
    may_vary = np.ones(len(pop), bool)
    may_vary[:10] = False
    m.mutate(pop, may_vary)
    assert np.array_equal(pop[:10], before[:10])
    changed = (pop != before).sum(axis=1)[10:]
    # about Pm = 0.5 flips per genome (a few threshold flips out of range are not made)
    assert 0.35 < changed.mean() < 0.55
    for n in range(m.n_neurons):
        t = pop[:, n * GENE + 2 * SLOTS]
        assert t.min() >= m.tmin and t.max() <= m.tmax
        for s in range(int(m.fanin[n])):
            assert pop[:, n * GENE + 2 * s].min() >= 0
            assert set(np.unique(pop[:, n * GENE + 2 * s + 1])) <= {-1, 1}


def test_cancelled_connections_are_no_edges_in_the_binary_encoding():
    # output reads layer-3 neuron 0 twice with +1 and -1: no connection in the binary reading
    neurons = [([(0, 1)], 1)] * 8 + [([(0, 1)], 1)] * 4 + [([(0, 1)], 1)] * 2 + [([(0, 1), (0, -1)], 0)]
    g = network_genome(neurons)
    binary, integer = _model(("network.encoding", "binary")), _model()
    ev_b = binary.evaluate(g[None, :], binary.targets(["L & R"]))
    ev_i = integer.evaluate(g[None, :], integer.targets(["L & R"]))
    assert ev_b.n_effective.tolist() == [1] and ev_i.n_effective.tolist() == [4]
    assert binary.edges(g) == [] and len(integer.edges(g)) == 4      # pixel 0 -> ... -> output
    assert np.array_equal(ev_b.outputs, ev_i.outputs)     # the same function either way


def test_elite_offspring_selection():
    rng = np.random.default_rng(0)
    fitness = rng.random(600)
    seed_numba(5, "generation", 1)
    parents, mates, may_vary = select_elite_offspring(fitness, 150, True, 0.5)
    elite = set(np.argsort(-fitness)[:150].tolist())
    assert set(parents[:150].tolist()) == elite and not may_vary[:150].any() and may_vary[150:].all()
    assert set(parents[150:].tolist()) <= elite
    crossed = mates[150:] >= 0
    assert (mates[:150] == -1).all()
    assert set(mates[150:][crossed].tolist()) <= elite
    assert (mates[150:][crossed] != parents[150:][crossed]).all()
    assert 0.4 < crossed.mean() < 0.6


def test_recombine_children_one_point_takes_a_suffix_from_the_partner():
    a = np.zeros((50, 15 * GENE), np.int16)
    b = np.ones((50, 15 * GENE), np.int16)
    has = np.arange(50) % 2 == 0
    seed_numba(1, "generation", 0)
    recombine_children(a, b, has, False)
    assert (a[~has] == 0).all()
    for row in a[has]:
        genes = row.reshape(15, GENE)
        assert (genes == genes[:, :1]).all()                 # whole genes move
        col = genes[:, 0]
        cut = int(np.argmax(col))
        assert col[0] == 0 and (col[cut:] == 1).all() and (col[:cut] == 0).all()


def test_crossover_once_recombines_one_pair_at_most():
    pop = np.repeat(np.arange(40, dtype=np.int16)[:, None], 15 * GENE, axis=1)
    seed_numba(4, "generation", 0)
    made = crossover_once(pop, np.ones(40, bool), 1.0, True)
    changed = np.flatnonzero((pop != np.arange(40)[:, None]).any(axis=1))
    assert made == 1 and len(changed) <= 2
    assert crossover_once(pop, np.ones(40, bool), 0.0, True) == 0


@pytest.mark.parametrize("solved_on", ["all", "environment"])
def test_solved_criterion_is_measured_where_the_protocol_says(solved_on):
    p = load_protocol(RETINA, "fixed-and", [("retina.solved_on", solved_on), ("run.solved_threshold", 0.745),
                                            ("selection.population", 400), ("selection.elite", 100)])
    model = genome_model(p)
    algo = make_algorithm(p, model, ["AND"], seed=1)
    seed_numba(1, "init")
    state = algo.initial(model.random(400))
    seed_numba(1, "generation", 0)
    a = algo.assess(0, 0, state)
    on_all = a.correct[:, 0] / 256 >= 0.745
    on_env = a.evaluation.extra["environment_accuracy"] >= 0.745
    # constant-0 networks score 192/256 on all patterns; this sample holds 26 AND patterns of 100
    assert on_all.sum() > 0 and on_env.sum() == 0
    assert np.array_equal(a.solved, on_env if solved_on == "environment" else on_all)
    other = on_all if solved_on == "environment" else on_env
    assert state["other_solved_at"][0] == (0 if other.any() else -1)


def test_solution_difference_of_the_modular_and_or_networks():
    m = _model()
    assert m.solution_difference(modular_retina_genome(2), modular_retina_genome(1)) == \
        {"genes": 1, "loci": 1, "effective_genes": 1, "thresholds_only": True}
    # a change in a neuron no path reaches (the modular network uses all 15) is not effective
    net = network_genome([([(0, 1)], 1)] * 14 + [([(0, 1)], 1)])
    other = net.copy()
    other[5 * GENE + 2 * SLOTS] = 2                        # threshold of layer-1 neuron 5: not effective
    assert m.solution_difference(net, other) == {"genes": 1, "loci": 1, "effective_genes": 0,
                                                 "thresholds_only": True}
    assert m.solution_difference(modular_retina_genome(2), modular_retina_genome(2))["genes"] == 0


@pytest.mark.parametrize("sets", [[("selection.scheme", "ka2005-elite-offspring")],
                                  [("variation.crossover_mode", "per-genome")],
                                  [("network.encoding", "binary"), ("retina.patterns", "balanced")]])
def test_alternative_runs_are_reproducible(sets, tmp_path):
    p = load_protocol(RETINA, "mvg", sets + [("run.max_generations", 40), ("selection.population", 60),
                                             ("selection.elite", 15)])
    r1 = evolve(p, 2, tmp_path / "a")
    r2 = evolve(p, 2, tmp_path / "b")
    for r in (r1, r2):
        r.pop("wall_seconds")
    assert r1 == r2 and r1["generations_run"] == 40


def test_elite_offspring_is_refused_for_circuits():
    with pytest.raises(ProtocolError, match="elite-offspring"):
        load_protocol(ROOT / "original_protocol/ka2005_logic.toml", "mvg",
                      [("selection.scheme", "ka2005-elite-offspring")])


def test_legacy_defaults_keep_digests_and_old_protocol_files_valid():
    p = load_protocol(RETINA, "mvg")
    old = json.loads(json.dumps(dict(p.resolved), default=list))
    strip_legacy_defaults(old)
    assert "solved_on" not in old["retina"] and "qrand_null" not in old["modularity"]
    assert protocol_digest(old) == p.digest            # a run made before the keys existed
    q = build_protocol("old/protocol.json", p.name, p.kind, "mvg", old)
    assert q.retina.solved_on == "all" and q.network.encoding == "integer"
    other = load_protocol(RETINA, "mvg", [("retina.solved_on", "environment")])
    assert other.digest != p.digest


def test_layered_null_keeps_every_edge_between_its_layers():
    m = _model()
    g = m.to_networkx(modular_retina_genome(2))
    layer = nx.get_node_attributes(g, "layer")
    pairs = sorted(tuple(sorted((layer[u], layer[v]))) for u, v in g.edges)
    for seed in range(5):
        h = randomise(g, directed=False, swaps_per_edge=10, layers=layer, seed=seed)
        assert sorted(tuple(sorted((layer[u], layer[v]))) for u, v in h.edges) == pairs
        assert sorted(d for _, d in h.degree) == sorted(d for _, d in nx.Graph(g).degree)
    free = [sorted(tuple(sorted((layer[u], layer[v]))) for u, v in randomise(g, False, 10, seed=s).edges)
            for s in range(5)]
    assert any(f != pairs for f in free)          # the unconstrained null breaks the layers


def test_recipe_layered_null_uses_node_layers():
    m = _model()
    g = m.to_networkx(modular_retina_genome(2))
    degree = apply_recipe(g, Recipe(method="greedy", directed=False, qrand_samples=200), seed=1)
    layered = apply_recipe(g, Recipe(method="greedy", directed=False, qrand_samples=200,
                                     qrand_null="layered"), seed=1)
    assert degree.q == layered.q and degree.q_rand != layered.q_rand
    g2 = nx.DiGraph(g)
    del g2.nodes[next(iter(g2))]["layer"]
    with pytest.raises(ValueError, match="layer"):
        apply_recipe(g2, Recipe(method="greedy", directed=False, qrand_samples=10, qrand_null="layered"),
                     seed=1)
    with pytest.raises(ValueError, match="qrand_null"):
        Recipe(method="greedy", directed=False, qrand_null="mfinder")
