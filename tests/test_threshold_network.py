import numpy as np
import pytest

from replication.evolve import evolve
from replication.genomes import genome_model as make_model
from replication.genomes.threshold_network import (GENE, SLOTS, ThresholdNetworkModel, from_words, is_object,
                                                   modular_retina_genome, object_masks, reference_output,
                                                   to_words)
from replication.rng import seed_numba

RETINA = "original_protocol/ka2005_retina.toml"


@pytest.fixture
def retina_protocol():
    from conftest import ROOT
    from replication.protocol import load_protocol

    def make(treatment="mvg", **overrides):
        return load_protocol(ROOT / RETINA, treatment, [(k.replace("__", "."), v) for k, v in overrides.items()])
    return make


def test_half_objects_and_goal_counts():
    # half = (top-outer... ) positions: (0, 1, 2, 3) = TL, TR, BL, BR; outer column = (0, 2)
    halves = [tuple(h >> i & 1 for i in range(4)) for h in range(16)]
    objects = [h for h in halves if is_object(h, (0, 2))]
    assert len(objects) == 8
    assert sum(sum(h) >= 3 for h in objects) == 5                  # 3 or more black pixels
    assert {h for h in objects if sum(h) <= 2} == {(1, 0, 0, 0), (0, 0, 1, 0), (1, 0, 1, 0)}
    left, right = object_masks()
    assert bin(left).count("1") == 128 and bin(right).count("1") == 128
    assert bin(left & right).count("1") == 64 and bin(left | right).count("1") == 192
    # right objects mirror left ones: swap columns 0<->3 and 1<->2
    mirror = lambda p: sum((p >> i & 1) << (4 * (i // 4) + 3 - i % 4) for i in range(8))
    assert all((left >> p & 1) == (right >> mirror(p) & 1) for p in range(256))


def test_targets_are_the_object_masks(retina_protocol):
    m = make_model(retina_protocol())
    assert type(m) is ThresholdNetworkModel and m.n_rows == 256
    left, right = object_masks()
    t = m.targets(["L & R", "L | R", "L"])
    assert t.shape == (3, 4)
    assert [from_words(w) for w in t] == [left & right, left | right, left]
    assert (t[0] == to_words(left & right)).all()


def test_modular_network_solves_both_goals_by_output_threshold(retina_protocol):
    m = make_model(retina_protocol())
    for t, goal in ((2, "L & R"), (1, "L | R")):
        genome = modular_retina_genome(t)
        ev = m.evaluate(genome[None, :], m.targets([goal]))
        assert ev.correct[0, 0] == 256
        assert from_words(ev.outputs[0]) == reference_output(list(map(int, genome)))
    a, b = modular_retina_genome(2), modular_retina_genome(1)
    assert (a != b).sum() == 1                                       # only the output threshold


def test_kernel_equals_per_pattern_reference(retina_protocol):
    m = make_model(retina_protocol())
    seed_numba(4, "generation", 0)
    pop = m.random(200)
    for _ in range(30):
        m.vary(pop, np.ones(len(pop), bool))
    ev = m.evaluate(pop, m.targets(["L & R"]))
    for k in range(len(pop)):
        assert from_words(ev.outputs[k]) == reference_output(list(map(int, pop[k])))


@pytest.mark.parametrize("at_least", [True, False])
def test_every_neurons_value_equals_a_per_pattern_reference(retina_protocol, at_least):
    """neuron_values (the record the fused loop keeps) against neurons computed pattern by
    pattern in plain Python, hidden neurons included, on varied genomes (empty slots, both signs)."""
    from replication.genomes.threshold_network import neuron_values
    m = make_model(retina_protocol())
    seed_numba(5, "generation", 0)
    pop = m.random(40)
    for _ in range(20):
        m.vary(pop, np.ones(len(pop), bool))
    got = neuron_values(pop, m.pixels, m.layer_start, m.neuron_layer, at_least)
    for k, genome in enumerate(pop):
        want = [0] * len(m.neuron_layer)
        for pattern in range(256):
            prev = [pattern >> i & 1 for i in range(8)]
            n = 0
            for size in m.layers:
                cur = []
                for _ in range(size):
                    total = sum(int(genome[n * GENE + 2 * s + 1]) * prev[genome[n * GENE + 2 * s]]
                                for s in range(SLOTS) if genome[n * GENE + 2 * s] >= 0)
                    t = int(genome[n * GENE + 2 * SLOTS])
                    fire = int(total >= t if at_least else total > t)
                    want[n] |= fire << pattern
                    cur.append(fire)
                    n += 1
                prev = cur
        assert [from_words(v) for v in got[k]] == want


def test_above_activation_option(retina_protocol):
    m = make_model(retina_protocol(network__activation="above"))
    genome = modular_retina_genome(1)                               # sum > 1: AND
    ev = m.evaluate(genome[None, :], m.targets(["L & R"]))
    assert ev.correct[0, 0] < 256                                   # inner thresholds shift too
    assert from_words(ev.outputs[0]) == reference_output(list(map(int, genome)), at_least=False)


def test_fanin_and_layer_rules_hold_after_variation(retina_protocol):
    p = retina_protocol(variation__crossover_operator="uniform")
    m = make_model(p)
    seed_numba(9, "generation", 0)
    pop = m.random(300)
    may = np.ones(len(pop), bool)
    for gen in range(300):
        seed_numba(9, "generation", gen)
        m.vary(pop, may)
    genes = pop.reshape(len(pop), -1, GENE)
    prev = np.array([8] * 8 + [8] * 4 + [4] * 2 + [2])
    fanin = np.array([3] * 14 + [2])
    for s in range(SLOTS):
        src = genes[:, :, 2 * s]
        assert ((src >= -1) & (src < prev[None, :])).all()
        assert (np.abs(genes[:, :, 2 * s + 1]) == 1).all()
        assert (src[:, fanin <= s] == -1).all()                      # the output has 2 slots
    thr = genes[:, :, 2 * SLOTS]
    assert thr.min() >= -3 and thr.max() <= 3


def test_mutation_changes_one_field(retina_protocol):
    m = make_model(retina_protocol(variation__crossover_probability=0.0))
    seed_numba(3, "generation", 0)
    pop = m.random(1000)
    before = pop.copy()
    m.vary(pop, np.ones(len(pop), bool))
    diff = (pop != before).sum(axis=1)
    assert set(np.unique(diff)) <= {0, 1} and 0.45 < (diff == 1).mean() < 0.55     # Pm = 0.5


def test_retina_run_is_deterministic_and_logs_both_goals(retina_protocol, tmp_path):
    p = retina_protocol("mvg", run__max_generations=120, run__stop="never", selection__population=120,
                        selection__elite=30)
    a = evolve(p, 1, tmp_path / "a")
    b = evolve(p, 1, tmp_path / "b")
    a.pop("wall_seconds"), b.pop("wall_seconds")
    assert a == b
    header = (tmp_path / "a/log.csv").read_text().splitlines()[0]
    assert "best_accuracy_AND" in header and "best_accuracy_OR" in header
    assert isinstance(a["one_side_detector"], bool)


def test_one_side_detector_is_flagged(retina_protocol):
    m = make_model(retina_protocol())
    from replication.genomes.threshold_network import network_genome
    g = modular_retina_genome(1)
    g[-GENE:] = network_genome([([], 1)] * 14 + [([(0, 1)], 1)])[-GENE:]   # output = L only
    ev = m.evaluate(g[None, :], m.targets(["L & R", "L | R"]))
    d = m.describe(g, ev, 0)
    assert d["one_side_detector"] is True
    assert ev.correct[0, 0] == 192 and ev.correct[0, 1] == 192
