import numpy as np
import pytest

from conftest import X, Y, modular_gates, xor_block
from replication.genomes import Evaluation, genome_model as make_model
from replication.genomes.nand_circuit import NandCircuitModel, genome_from_gates, python_reference_output
from replication.rng import seed_numba
from replication.tasks import truth_table

NAMES = ("X", "Y", "Z", "W")


def evaluate(model, genomes, *exprs):
    """The model's Evaluation of ``genomes`` on the goals ``exprs`` (default: the constant 1)."""
    return model.evaluate(np.asarray(genomes, np.int16), model.targets(list(exprs) or ["1"]))


def evaluate_one(model, genome):
    ev = evaluate(model, np.asarray(genome)[None, :])
    return int(ev.outputs[0]), int(ev.extra["settled"][0]), int(ev.n_effective[0])


@pytest.fixture
def model(logic_protocol):
    return make_model(logic_protocol())


def test_registry_gives_the_nand_model_and_its_targets_are_truth_tables(model):
    assert type(model) is NandCircuitModel and model.n_rows == 16
    exprs = ["(X ^ Y) & (Z ^ W)", "(X ^ Y) | (Z ^ W)", "~X", "1"]
    assert model.targets(exprs).tolist() == [truth_table(e, NAMES) for e in exprs]
    ev = evaluate(model, model.random(3), *exprs)
    assert isinstance(ev, Evaluation) and ev.correct.shape == (3, 4)


def test_xor_of_four_nands(model):
    genome = genome_from_gates(xor_block(X, Y, 4), 7)
    out, settled, n_eff = evaluate_one(model, genome)
    assert settled == 0xFFFF and n_eff == 4
    assert out == truth_table("X ^ Y", NAMES)


@pytest.mark.parametrize("goal,expr,n_gates", [("G1", "(X ^ Y) & (Z ^ W)", 10),
                                                ("G2", "(X ^ Y) | (Z ^ W)", 11)])
def test_modular_solutions_compute_the_goals(model, goal, expr, n_gates):
    gates, out_addr = modular_gates(goal)
    genome = genome_from_gates(gates, out_addr)
    out, settled, n_eff = evaluate_one(model, genome)
    target = truth_table(expr, NAMES)
    assert out == target and settled == 0xFFFF and n_eff == n_gates
    targets = model.targets([expr])
    ev = model.evaluate(genome[None, :], targets)
    correct = ev.correct[:, 0]
    assert correct[0] == 16
    assert model.fitness(ev, 0, targets)[0] == 1.0       # at most 11 gates: no penalty


def test_size_penalty_counts_effective_gates_only(model):
    # G2 solution (11 gates) plus a 12th gate that reads the output: not effective, no penalty
    gates, out_addr = modular_gates("G2")
    genome = genome_from_gates(gates + [(out_addr, X)], out_addr)
    ev = evaluate(model, genome[None, :])
    assert ev.n_effective[0] == 11
    # now make the output pass through a double NOT... 12 effective gates -> penalty 0.2
    gates12 = gates + [(out_addr, out_addr)]
    genome = genome_from_gates(gates12, 4 + len(gates12) - 1)
    targets = model.targets(["~((X ^ Y) | (Z ^ W))"])
    ev = model.evaluate(genome[None, :], targets)
    correct = ev.correct[:, 0]
    assert ev.n_effective[0] == 12 and correct[0] == 16
    assert model.fitness(ev, 0, targets)[0] == pytest.approx(1.0 - 0.2)


def test_oscillating_self_loop_rows_count_as_wrong(model):
    # g = NAND(X, g): with X = 0 it settles at 1; with X = 1 it flips every sweep.
    genome = genome_from_gates([(X, 4)], 4)
    out, settled, _ = evaluate_one(model, genome)
    not_x = truth_table("~X", NAMES)
    assert settled == not_x
    assert out & settled == not_x
    ev = evaluate(model, genome[None, :], "1", "~X")
    assert ev.correct[0, 0] == 8     # only the settled rows count
    assert ev.correct[0, 1] == 8


def test_stable_feedback_latch_settles(model):
    # NAND latch: a = NAND(X, b), b = NAND(Y, a); with X = Y = 1 and a synchronous start
    # from 0 the pair oscillates (0,0) <-> (1,1): unsettled. Elsewhere it settles.
    genome = genome_from_gates([(X, 5), (Y, 4)], 4)
    out, settled, _ = evaluate_one(model, genome)
    both = truth_table("X & Y", NAMES)
    assert settled == 0xFFFF & ~both
    ref_out, ref_ok = python_reference_output(list(genome), 4, 12, 12, 0)
    assert settled == sum(int(b) << r for r, b in enumerate(ref_ok))


def test_kernel_equals_row_by_row_reference_on_random_genomes(model):
    seed_numba(11, "generation", 0)
    pop = model.random(400)
    ev = evaluate(model, pop)
    out, settled = ev.outputs, ev.extra["settled"]
    for k in range(len(pop)):
        ref_out, ref_ok = python_reference_output(list(map(int, pop[k])), 4, 12, 12, 0)
        ok = sum(int(b) << r for r, b in enumerate(ref_ok))
        val = sum(int(b) << r for r, b in enumerate(ref_out))
        assert int(settled[k]) == ok
        assert int(out[k]) & ok == val & ok


def test_initial_state_option_changes_only_unsettled_start(logic_protocol):
    m1 = make_model(logic_protocol(circuit__initial_state=1))
    gates, out_addr = modular_gates("G1")
    genome = genome_from_gates(gates, out_addr)
    assert evaluate_one(m1, genome)[0] == truth_table("(X ^ Y) & (Z ^ W)", NAMES)


def test_mutation_changes_exactly_one_address_within_range(model):
    seed_numba(5, "generation", 0)
    pop = model.random(2000)
    before = pop.copy()
    may = np.ones(len(pop), bool)
    may[:500] = False
    n = model.vary(pop, may)
    diff = (pop != before).sum(axis=1)
    assert (diff[:500] == 0).all()                      # not eligible: untouched
    assert set(np.unique(diff[500:])) <= {0, 1}         # at most one address changes
    assert n == int((diff == 1).sum())
    assert 0.65 < n / 1500 < 0.75                        # Pm = 0.7
    assert pop.min() >= 0 and pop.max() < 16


def test_output_gene_restricted_to_gates(logic_protocol):
    m = make_model(logic_protocol(circuit__output_source="gates"))
    seed_numba(6, "generation", 0)
    pop = m.random(500)
    assert (pop[:, -1] >= 4).all()
    for _ in range(50):
        m.vary(pop, np.ones(len(pop), bool))
    assert (pop[:, -1] >= 4).all() and (pop[:, :-1] < 16).all()


def test_bitflip_operator_flips_one_bit(logic_protocol):
    m = make_model(logic_protocol(variation__mutation_operator="bitflip"))
    seed_numba(7, "generation", 0)
    pop = m.random(1000)
    before = pop.copy()
    m.vary(pop, np.ones(len(pop), bool))
    changed = pop != before
    x = (pop ^ before)[changed]
    assert ((x & (x - 1)) == 0).all()                    # a single bit
    assert (changed.sum(axis=1) <= 1).all()


def test_to_networkx_has_effective_nodes_and_output(model):
    gates, out_addr = modular_gates("G2")
    genome = genome_from_gates(gates + [(X, Y)], out_addr)   # one junk gate
    g = model.to_networkx(genome)
    assert g.number_of_nodes() == 4 + 11
    assert g.nodes[out_addr]["output"] and g.out_degree(out_addr) == 0
    assert g.number_of_edges() == 20                          # distinct edges (NOTs read once)


def test_connection_cost_lowers_fitness_by_weight_per_connection(logic_protocol):
    plain = make_model(logic_protocol("fixed-g1"))
    costly = make_model(logic_protocol("fixed-g1-cost"))
    gates, out_addr = modular_gates("G1")
    genome = genome_from_gates(gates, out_addr)
    targets = plain.targets(["(X ^ Y) & (Z ^ W)"])
    assert (costly.targets(["(X ^ Y) & (Z ^ W)"]) == targets).all()
    ev0, ev1 = plain.evaluate(genome[None, :], targets), costly.evaluate(genome[None, :], targets)
    assert ev0.correct[0, 0] == ev1.correct[0, 0] == 16
    f0 = plain.fitness(ev0, 0, targets)[0]
    f1 = costly.fitness(ev1, 0, targets)[0]
    n_edges = len(plain.edges(genome))                     # 19 distinct connections
    assert ev1.extra["connections"][0] == n_edges == 19
    assert f0 - f1 == pytest.approx(0.002 * n_edges)


def test_decay_experiment_starts_from_modular_g2_circuits(logic_protocol, tmp_path):
    from replication.evolve import evolve
    p = logic_protocol("decay-g2", run__max_generations=3, trace__qrand_samples=20)
    m = make_model(p)
    targets = m.targets(["(X ^ Y) | (Z ^ W)"])
    for genome in p.initial.genomes:
        ev = m.evaluate(np.array([genome], np.int16), targets)
        assert ev.correct[0, 0] == 16 and ev.n_effective[0] == 11          # 11 gates: penalised once
        assert m.fitness(ev, 0, targets)[0] == pytest.approx(0.8)
    evolve(p, 2, tmp_path / "r")
    header, first = (tmp_path / "r/log.csv").read_text().splitlines()[:2]
    assert header.endswith("q_best,qrand_best")
    q = float(first.split(",")[-2])
    assert q == pytest.approx(0.51625, abs=1e-4)                        # the modular circuit's Q
