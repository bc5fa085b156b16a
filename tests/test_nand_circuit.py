"""NAND circuits (replication.genomes.nand_circuit): evaluation against a row-by-row reference,
the size penalty, feedback, the three mutation operators (rates against their binomial
expectation, validity of every mutant), several output genes."""
import numpy as np
import pytest
from scipy import stats

from conftest import X, Y, modular_gates, xor_block
from replication.genomes import genome_model
from replication.genomes.nand_circuit import (address_bits, bits_to_genome, genome_from_gates, genome_to_bits,
                                              python_reference_output, python_reference_outputs)
from replication.rng import seed_numba_raw
from replication.tasks import truth_table

NAMES = ("X", "Y", "Z", "W")
ALL = 0xFFFF


@pytest.fixture
def model(logic_protocol):
    return genome_model(logic_protocol())


def one(model, genome, exprs=("X",)):
    ev = model.evaluate(np.asarray(genome, np.int16)[None, :], model.targets(list(exprs)))
    return int(ev.outputs[0]), int(ev.extra["settled"][0]), int(ev.n_effective[0]), ev


def test_xor_of_four_nands(model):
    out, settled, n_eff, _ = one(model, genome_from_gates(xor_block(X, Y, 4), 7))
    assert settled == ALL and n_eff == 4 and out == truth_table("X ^ Y", NAMES)


@pytest.mark.parametrize("goal,expr,n_gates", [("G1", "(X ^ Y) & (Z ^ W)", 10),
                                                ("G2", "(X ^ Y) | (Z ^ W)", 11)])
def test_modular_solutions_compute_the_goals(model, goal, expr, n_gates):
    gates, out_addr = modular_gates(goal)
    out, settled, n_eff, ev = one(model, genome_from_gates(gates, out_addr), [expr])
    assert out == truth_table(expr, NAMES) and settled == ALL and n_eff == n_gates
    assert ev.correct[0, 0] == 16 and model.fitness(ev, 0)[0] == 1.0      # <= 11 gates: no penalty


def test_size_penalty_counts_effective_gates_only(model):
    gates, out_addr = modular_gates("G2")
    assert one(model, genome_from_gates(gates + [(out_addr, X)], out_addr))[2] == 11   # junk gate
    gates12 = gates + [(out_addr, out_addr)]                                          # NOT of the output
    _, _, n_eff, ev = one(model, genome_from_gates(gates12, 4 + 11), ["~((X ^ Y) | (Z ^ W))"])
    assert n_eff == 12 and ev.correct[0, 0] == 16
    assert model.fitness(ev, 0)[0] == pytest.approx(1.0 - 0.2)


def test_oscillating_self_loop_rows_count_as_wrong(model):
    # g = NAND(X, g): settles at 1 when X = 0, flips every sweep when X = 1
    out, settled, _, ev = one(model, genome_from_gates([(X, 4)], 4), ["1", "~X"])
    assert settled == truth_table("~X", NAMES)
    assert ev.correct[0].tolist() == [8, 8]            # only the settled rows can be right


def test_ternary_rule_counts_rows_a_controlling_input_decides(model):
    # g1 = NAND(g1, g1) oscillates on every row; g2 = NAND(X, g1) is 1 wherever X = 0, whatever g1
    genome = genome_from_gates([(4, 4), (X, 4)], 5)
    _, settled, _, _ = one(model, genome, ["1"])
    assert settled == 0                                  # settle: an ancestor never settles
    from conftest import ROOT
    from replication.protocol import load_protocol
    ternary = genome_model(load_protocol(ROOT / "original_protocol/ka2005_logic.toml", "fixed-g1",
                                         [("circuit.feedback_rule", "ternary")]))
    out, settled, _, ev = one(ternary, genome, ["1", "~X"])
    assert settled == truth_table("~X", NAMES) and out & settled == settled
    assert ev.correct[0].tolist() == [8, 8]


def test_rows_that_settle_are_known_to_the_ternary_rule_with_the_same_value(model):
    """Measured on random (mostly cyclic) genomes: the settle rule counts a subset of the rows the
    three-valued rule counts, with the same output there, from either start state."""
    from replication.genomes.nand_circuit import TERNARY, evaluate_population
    seed_numba_raw(12)
    pop = model.random(3000)
    args = (4, 12, model.in_masks, model.full, 12)
    out_t, known, _ = evaluate_population(pop, *args, TERNARY)
    assert (known != model.full).any() and (known != 0).any()
    for start in (0, 1):
        out, settled, _ = evaluate_population(pop, *args, start)
        assert not (settled & ~known).any()
        assert not ((out ^ out_t) & settled).any()
    assert (known & ~settled).any()                      # and the ternary rule counts more rows


def test_kernel_equals_row_by_row_reference_on_random_genomes(model):
    seed_numba_raw(11)
    pop = model.random(300)
    ev = model.evaluate(pop, model.targets(["X"]))
    for k in range(len(pop)):
        ref_out, ref_ok = python_reference_output(list(map(int, pop[k])), 4, 12, 12, 0)
        ok = sum(int(b) << r for r, b in enumerate(ref_ok))
        val = sum(int(b) << r for r, b in enumerate(ref_out))
        assert int(ev.extra["settled"][k]) == ok
        assert int(ev.outputs[k]) & ok == val & ok


# --------------------------------------------------------------------------- binary genome
def test_binary_genome_mapping_round_trips_and_matches_the_ledger():
    assert address_bits(16) == 4 and address_bits(32) == 5 and address_bits(17) == 5
    # ledger: 4-bit fields, address 0-3 = inputs X..W, 4 + i = gate i + 1 (0101 -> gate 2)
    assert genome_to_bits(np.array([5]), 16).tolist() == [0, 1, 0, 1]
    rng = np.random.default_rng(0)
    g = rng.integers(0, 16, 25)
    bits = genome_to_bits(g, 16)
    assert bits.size == 100 and set(np.unique(bits)) <= {0, 1}
    assert bits_to_genome(bits, 16).tolist() == g.tolist()
    with pytest.raises(ValueError, match="not a node"):
        bits_to_genome([1, 1, 1, 1, 1], 20)


# --------------------------------------------------------------------------- mutation
def _mutate(logic_protocol, operator, n=20000, seed=5, eligible_from=0, **over):
    m = genome_model(logic_protocol("mvg", variation__mutation_operator=operator, **over))
    seed_numba_raw(seed)
    pop = m.random(n)
    before = pop.copy()
    may = np.zeros(n, bool)
    may[eligible_from:] = True
    count = m.vary(pop, may)
    flips = np.unpackbits((pop ^ before).astype(np.uint8)[:, :, None], axis=2).sum(axis=(1, 2))
    return m, pop, before, may, count, flips


@pytest.mark.parametrize("operator", ["redraw", "bitflip", "bitflip-locus"])
def test_every_mutant_is_valid_and_ineligible_genomes_are_untouched(logic_protocol, operator):
    m, pop, before, may, count, flips = _mutate(logic_protocol, operator, n=5000, eligible_from=1000)
    assert (pop[:1000] == before[:1000]).all()
    assert pop.min() >= 0 and pop.max() < m.n_nodes
    assert count == int(((pop != before).any(axis=1)).sum())


@pytest.mark.parametrize("operator", ["redraw", "bitflip"])
def test_per_genome_operators_change_one_connection_with_probability_pm(logic_protocol, operator):
    n = 20000
    _, pop, before, _, count, flips = _mutate(logic_protocol, operator, n=n)
    assert ((pop != before).sum(axis=1) <= 1).all()             # at most one address field
    # the number mutated is Binomial(n, 0.7): within 4 SD
    assert abs(count - 0.7 * n) < 4 * np.sqrt(n * 0.7 * 0.3)
    if operator == "bitflip":
        assert set(np.unique(flips)) == {0, 1}                   # exactly one bit
        # which bit: uniform over the B = 100 bits of the binary genome (chi-square)
        pos = []
        for k in np.flatnonzero(flips):
            f = int(np.flatnonzero(pop[k] != before[k])[0])
            b = int(pop[k, f] ^ before[k, f]).bit_length() - 1
            pos.append(4 * f + b)
        counts = np.bincount(pos, minlength=100)
        assert stats.chisquare(counts).pvalue > 1e-4


def test_per_locus_operator_flips_binomial_b_pm_over_b_bits(logic_protocol):
    n = 20000
    m, pop, before, _, count, flips = _mutate(logic_protocol, "bitflip-locus", n=n)
    B, p = m.genome_bits, 0.7 / m.genome_bits
    assert B == 100
    assert abs(flips.mean() - 0.7) < 4 * np.sqrt(B * p * (1 - p) / n)
    # the distribution of flips per genome is Binomial(B, Pm/B) (chi-square over 0, 1, 2, 3+)
    observed = np.array([(flips == 0).sum(), (flips == 1).sum(), (flips == 2).sum(), (flips >= 3).sum()])
    pmf = stats.binom.pmf([0, 1, 2], B, p)
    expected = n * np.append(pmf, 1 - pmf.sum())
    assert stats.chisquare(observed, expected).pvalue > 1e-4
    # every bit position is hit at the same rate
    per_bit = np.unpackbits((pop ^ before).astype(np.uint8)[:, :, None], axis=2)[:, :, 4:].sum(axis=0).ravel()
    assert stats.chisquare(per_bit).pvalue > 1e-4


def test_output_gene_restricted_to_gates_stays_on_gates(logic_protocol):
    for op in ("redraw", "bitflip", "bitflip-locus"):
        m = genome_model(logic_protocol("mvg", circuit__output_source="gates", variation__mutation_operator=op,
                                        variation__mutation_probability=1.0))
        seed_numba_raw(6)
        pop = m.random(500)
        for _ in range(30):
            m.vary(pop, np.ones(len(pop), bool))
        assert (pop[:, -1] >= 4).all() and (pop < 16).all()


def test_bit_operators_need_a_power_of_two_of_nodes(logic_protocol):
    from replication.protocol import ProtocolError
    with pytest.raises(ProtocolError, match="power of two"):
        logic_protocol("mvg", variation__mutation_operator="bitflip-locus", circuit__n_gates=13)


# --------------------------------------------------------------------------- several outputs
def _logic6(treatment="mvg", **over):
    from conftest import ROOT
    from replication.protocol import load_protocol
    return load_protocol(ROOT / "original_protocol/ka2005_logic6.toml", treatment,
                         [(k.replace("__", "."), v) for k, v in over.items()])


@pytest.mark.parametrize("start", [0, 2])
def test_multi_output_kernel_equals_plain_python_reference(start):
    m = genome_model(_logic6())
    assert m.n_outputs == 3 and m.n_rows == 3 * 64
    seed_numba_raw(3)
    pop = m.random(150)
    # feedback is common in random genomes; add some with short feed-forward cones too
    t = m.targets([_logic6().goals["G4"]])
    if start:                                            # 2 = TERNARY, the three-valued rule
        m = genome_model(_logic6(circuit__feedback_rule="ternary"))
        assert m.initial_state == start
    ev = m.evaluate(pop, t)
    for k in range(len(pop)):
        ref = python_reference_outputs(list(map(int, pop[k])), 6, 26, 3, 26, start)
        right = 0
        for o, (bits, ok) in enumerate(ref):
            okm = sum(int(b) << r for r, b in enumerate(ok))
            val = sum(int(b) << r for r, b in enumerate(bits))
            assert int(ev.extra["settled"][k, o]) == okm
            assert int(ev.outputs[k, o]) & okm == val & okm
            right += sum(1 for r in range(64) if ok[r] and bits[r] == (int(t[0, o]) >> r) & 1)
        assert ev.correct[k, 0] == right


def test_single_output_reference_and_kernel_agree_with_the_multi_ones(model):
    from replication.genomes.nand_circuit import evaluate_population, evaluate_population_multi
    seed_numba_raw(4)
    pop = model.random(400)
    for g in pop[:40]:
        g = list(map(int, g))
        assert python_reference_output(g, 4, 12, 12, 0) == python_reference_outputs(g, 4, 12, 1, 12, 0)[0]
    args = (model.in_masks, model.full, 12, 0)
    out1, ok1, n1 = evaluate_population(pop, 4, 12, *args)
    outm, okm, nm = evaluate_population_multi(pop, 4, 12, 1, *args)
    assert (outm[:, 0] == out1).all() and (okm[:, 0] == ok1).all() and (nm == n1).all()


def _fig4_circuit(goal):
    """A hand-built 3-output solution: XOR modules A (X,Y), B (Z,W), C (Q,R), then per output
    an AND (NAND + NOT) or an OR (NOT, NOT, NAND)."""
    X6, Y6, Z6, W6, Q6, R6 = range(6)
    gates = xor_block(X6, Y6, 6) + xor_block(Z6, W6, 10) + xor_block(Q6, R6, 14)
    a, b, c = 9, 13, 17
    pairs = {"G1": [("or", a, b), ("and", a, c), ("and", b, c)],
             "G4": [("and", a, b), ("and", a, c), ("and", b, c)]}[goal]
    outs = []
    for op, u, v in pairs:
        base = 6 + len(gates)
        if op == "and":
            gates += [(u, v), (base, base)]
            outs.append(base + 1)
        else:
            gates += [(u, u), (v, v), (base, base + 1)]
            outs.append(base + 2)
    return genome_from_gates(gates, outs, n_inputs=6, n_gates=26)


@pytest.mark.parametrize("goal", ["G1", "G4"])
def test_fig4_hand_built_modular_circuits_are_perfect(goal):
    p = _logic6()
    m = genome_model(p)
    genome = _fig4_circuit(goal)
    t = m.targets([p.goals[g] for g in ("G1", "G2", "G3", "G4")])
    ev = m.evaluate(genome[None, :], t)
    k = ("G1", "G2", "G3", "G4").index(goal)
    assert ev.correct[0, k] == 192 and m.fitness(ev, k)[0] == 1.0
    # G1 and G4 differ in one output only: the G4 circuit gets 2 of 3 outputs of G1 right, and more
    assert 128 <= ev.correct[0, 0 if goal == "G4" else 3] < 192
    g = m.to_networkx(genome)
    assert sorted(v for v, d in g.nodes(data=True) if d["output"]) == sorted(m.output_nodes(genome))
    assert m.describe(genome, ev, 0)["output_nodes"] == [v + 1 for v in m.output_nodes(genome)]


def test_multi_output_mutation_valid_and_rates(tmp_path):
    for op in ("redraw", "bitflip", "bitflip-locus"):
        m = genome_model(_logic6(variation__mutation_operator=op))
        seed_numba_raw(9)
        pop = m.random(4000)
        before = pop.copy()
        m.vary(pop, np.ones(len(pop), bool))
        assert pop.shape[1] == 2 * 26 + 3 and pop.min() >= 0 and pop.max() < 32
        changed = (pop != before).any(axis=1).mean()
        expect = 0.7 if op != "bitflip-locus" else 1 - (1 - 0.7 / m.genome_bits) ** m.genome_bits
        assert abs(changed - expect) < 4 * np.sqrt(expect * (1 - expect) / 4000)
    assert m.genome_bits == 55 * 5


@pytest.mark.parametrize("protocol", ["ka2005_logic", "ka2005_logic6"])
def test_the_gates_initial_state_never_changes_a_settled_row(protocol):
    """Why the `circuit.initial_state` reading (gates start at 1 instead of 0) changes no run: on
    random circuits (most of them cyclic), starting every gate at 0 or at 1 gives the same
    settled rows and the same output on them (observed: all 200,000 four-input circuits; the
    multiverse's 40 runs under initial_state = 1 equal the default's genome for genome)."""
    from replication.genomes.nand_circuit import evaluate_population
    from replication.protocol import load_protocol
    from replication.tasks import full_mask, input_masks
    m = genome_model(load_protocol(f"original_protocol/{protocol}.toml", "mvg"))
    seed_numba_raw(5)
    pop = m.random(20000)
    n_in = m.n_inputs
    masks, full = np.array(input_masks(n_in), np.uint64), np.uint64(full_mask(n_in))
    # the first output gene of each genome (enough: every output gene is read the same way)
    single = np.ascontiguousarray(pop[:, :2 * m.n_gates + 1])
    o0, s0, _ = evaluate_population(single, n_in, m.n_gates, masks, full, m.sweeps, 0)
    o1, s1, _ = evaluate_population(single, n_in, m.n_gates, masks, full, m.sweeps, 1)
    assert (s0 != full).sum() > 1000                   # plenty of circuits with cycles
    assert np.array_equal(s0, s1)
    assert not np.any((o0 ^ o1) & s0)
    assert np.any((o0 ^ o1) & ~s0 & full)              # the start is read: unsettled rows differ
