"""Bad input gets a clear error, never a traceback (issue 17).

Every case below feeds the command line (or a loader) something malformed and checks that
it is refused with a non-zero exit status, without a Python traceback, and with a message
that names the file (and the key, or the line) at fault.
"""
import errno
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from click.testing import CliRunner

from conftest import LOGIC, ROOT
from replication import modularity as M
from replication.cli import describe_error, main
from replication.protocol import ProtocolError, load_protocol, load_run_protocol
from replication.tasks import evaluate_expression, truth_table

RETINA13 = ROOT / "original_protocol" / "clune2013_retina.toml"
DECAY_GENOME = "[0, 1, 0, 4, 1, 4, 5, 6, 2, 3, 2, 8, 3, 8, 9, 10, 7, 7, 11, 11, 12, 13, 0, 1, 14]"


def invoke(args, **kw):
    """Run the CLI; no exception may escape the command (catch_exceptions=False)."""
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False, **kw)


def assert_refused(res, *needles, code=1):
    out = res.output
    assert res.exit_code == code, out
    assert "Traceback" not in out, out
    for needle in needles:
        assert str(needle) in out, (needle, out)


def variant(tmp_path, source, old, new, name="p.toml"):
    text = Path(source).read_text()
    assert old in text, old
    p = tmp_path / name
    p.write_text(text.replace(old, new, 1))
    return p


# --------------------------------------------------------------------------- protocol files
LOGIC_CASES = [
    # (old, new, treatment, key named in the message)
    ("size_penalty = 0.2", "size_penalty = nan", "fixed-g1", "fitness.size_penalty"),
    ("size_penalty = 0.2", "size_penalty = inf", "fixed-g1", "fitness.size_penalty"),
    ("size_penalty = 0.2", "size_penalty = -inf", "fixed-g1", "fitness.size_penalty"),
    ("mutation_probability = 0.7", "mutation_probability = nan", "fixed-g1", "variation.mutation_probability"),
    ("solved_threshold = 1.0", "solved_threshold = nan", "fixed-g1", "run.solved_threshold"),
    ("weight = 0.002", "weight = nan", "fixed-g1-cost", "cost.weight"),
    ("weight = 0.002", "weight = inf", "fixed-g1-cost", "cost.weight"),
    ('name = "ka2005_logic"', 'name = "../../x"', "fixed-g1", "experiment.name"),
    ('name = "ka2005_logic"', 'name = ".."', "fixed-g1", "experiment.name"),
    ('name = "ka2005_logic"', 'name = "a/b"', "fixed-g1", "experiment.name"),
    ('G1 = "(X ^ Y) & (Z ^ W)"', 'G1 = "(X ^ Y) & (Z ^ Q)"', "fixed-g1", "goals.G1"),
    ('G1 = "(X ^ Y) & (Z ^ W)"', 'G1 = "X ** Y"', "fixed-g1", "goals.G1"),
    ('G1 = "(X ^ Y) & (Z ^ W)"', 'G1 = "X and Y"', "fixed-g1", "goals.G1"),
    ('G1 = "(X ^ Y) & (Z ^ W)"', 'G1 = "__import__(\'os\')"', "fixed-g1", "goals.G1"),
    ('G1 = "(X ^ Y) & (Z ^ W)"', 'G1 = "(X ^"', "fixed-g1", "goals.G1"),
    ('G2 = "(X ^ Y) | (Z ^ W)"', 'G2 = "X < Y"', "fixed-g1", "goals.G2"),
    # [initial] genomes against the circuit genome model (4 inputs + 12 gates: addresses 0..15)
    (DECAY_GENOME, DECAY_GENOME.replace("[0, 1,", "[-1, 1,"), "decay-g2", "initial.genomes[0]"),
    (DECAY_GENOME, DECAY_GENOME.replace("[0, 1,", "[16, 1,"), "decay-g2", "initial.genomes[0]"),
    (DECAY_GENOME, DECAY_GENOME.replace("1, 14]", "1, 99]"), "decay-g2", "initial.genomes[0]"),
    (DECAY_GENOME, DECAY_GENOME.replace("0, 1, 14]", "0, 14]"), "decay-g2", "initial.genomes[0]"),
    (DECAY_GENOME, DECAY_GENOME.replace("1, 14]", "1, 1.5]"), "decay-g2", "initial.genomes[0]"),
]


@pytest.mark.parametrize("old,new,treatment,key", LOGIC_CASES)
def test_bad_logic_protocol_names_file_and_key(tmp_path, old, new, treatment, key):
    p = variant(tmp_path, LOGIC, old, new)
    with pytest.raises(ProtocolError) as err:
        load_protocol(p, treatment)
    assert str(p) in str(err.value) and key in str(err.value)
    res = invoke(["run", p, "-t", treatment, "-s", 1, "-o", tmp_path / "out", "-g", 2])
    assert_refused(res, p, key)
    assert not (tmp_path / "out").exists()


def test_initial_output_gene_must_be_a_gate_when_output_source_is_gates(tmp_path):
    p = variant(tmp_path, LOGIC, DECAY_GENOME, DECAY_GENOME.replace("1, 14]", "1, 2]"))
    load_protocol(p, "decay-g2", [("circuit.output_source", "any")])          # an input is fine here
    with pytest.raises(ProtocolError, match=r"initial\.genomes\[0\].*output_source"):
        load_protocol(p, "decay-g2", [("circuit.output_source", "gates")])


RETINA13_CASES = [
    ("left_objects = [15,", "left_objects = [16,", "retina.left_objects"),
    ("left_objects = [15,", "left_objects = [-1,", "retina.left_objects"),
    ("right_objects = [240,", "right_objects = [8,", "retina.right_objects"),
    ("right_objects = [240,", "right_objects = [256,", "retina.right_objects"),
    ("pressure = 0.25", "pressure = nan", "objectives.pressure"),
    ("weight_mutations = 2.0", "weight_mutations = inf", "mutation.weight_mutations"),
    ("add_connection = 0.2", "add_connection = nan", "mutation.add_connection"),
    ("y = [0.0, 1.0, 2.0, 3.0, 4.0]", "y = [0.0, nan, 2.0, 3.0, 4.0]", "network.y"),
    ("biases = [-2, -1, 0, 1, 2]", "biases = [-2, -1, 0.5, 1, 2]", "network.biases"),
    ("layers = [8, 8, 4, 2, 1]", "layers = [7, 8, 4, 2, 1]", "network.layers"),
    ('AND = "L & R"', 'AND = "L & X"', "goals.AND"),
]


@pytest.mark.parametrize("old,new,key", RETINA13_CASES)
def test_bad_2013_protocol_names_file_and_key(tmp_path, old, new, key):
    p = variant(tmp_path, RETINA13, old, new)
    res = invoke(["run", p, "-t", "pa", "-s", 1, "-o", tmp_path / "out", "-g", 2])
    assert_refused(res, p, key)


def test_unsafe_treatment_names_are_refused(tmp_path):
    text = LOGIC.read_text() + '\n[treatments."../../x"]\nschedule = { kind = "fixed", goals = ["G1"] }\n'
    p = tmp_path / "p.toml"
    p.write_text(text)
    res = invoke(["run", p, "-t", "../../x", "-s", 1, "-o", tmp_path / "out"])
    assert_refused(res, p, "../../x", "treatment name")
    res = invoke(["replicate", p, "-t", "fixed-g1", "-n", 1, "-o", tmp_path / "runs"])
    assert_refused(res, p, "treatment name")       # a bad name anywhere in the file is refused
    assert not (tmp_path / "runs").exists() and not (tmp_path.parent / "x").exists()


def test_non_table_treatment(tmp_path):
    p = variant(tmp_path, LOGIC, "[treatments.fixed-g1]", "[treatments]\nbroken = 5\n\n[treatments.fixed-g1]")
    assert_refused(invoke(["run", p, "-t", "fixed-g1", "-s", 1, "-o", tmp_path / "o"]), p, "treatments.broken")
    q = variant(tmp_path, LOGIC, "[treatments.fixed-g1]", "[treatments.fixed-g1]\nselection = 3", "q.toml")
    assert_refused(invoke(["run", q, "-t", "fixed-g1", "-s", 1, "-o", tmp_path / "o"]), q, "[selection]")


def test_default_treatments_must_exist(tmp_path):
    p = variant(tmp_path, LOGIC, 'default_treatments = ["fixed-g1", "fixed-g2", "mvg"]',
                'default_treatments = ["fixed-g1", "nope"]')
    res = invoke(["replicate", p, "-n", 1, "-o", tmp_path / "runs"])
    assert_refused(res, p, "experiment.default_treatments", "nope")


@pytest.mark.parametrize("content", [b"\xff\xfe\x00garbage\x80", b"[experiment\nname = 1", b""])
def test_unreadable_protocol_file(tmp_path, content):
    p = tmp_path / "p.toml"
    p.write_bytes(content)
    assert_refused(invoke(["run", p, "-t", "fixed-g1", "-s", 1, "-o", tmp_path / "o"]), p)


# --------------------------------------------------------------------------- --set values
SET_CASES = [
    ("fitness.size_penalty=nan", "fitness.size_penalty"),
    ("fitness.size_penalty=inf", "fitness.size_penalty"),
    ("variation.mutation_probability=1.5", "variation.mutation_probability"),
    ("variation.mutation_probability=-0.1", "variation.mutation_probability"),
    ("selection.population=many", "selection.population"),
    ("run.max_generations=1.5", "run.max_generations"),
    ("run.max_generations=nan", "run.max_generations"),
    ("selection.tie_break=first", "selection.tie_break"),
    ("selection.nosuch=1", "selection.nosuch"),
    ("nosuch.key=1", "nosuch"),
    ("selection=3", "[selection]"),
    ("schedule.goals=[\"G9\"]", "schedule.goals"),
    ("schedule.goals=[[1]]", "schedule.goals"),
    ("goals.G1=X ** Y", "goals.G1"),
    ("inputs=[\"X\", \"Y\", \"Z\", \"V\"]", "goals.G1"),
    ("novalue", "section.key=value"),
    ("=5", "section.key=value"),
]


@pytest.mark.parametrize("override,key", SET_CASES)
def test_bad_set_values(tmp_path, override, key):
    res = invoke(["run", LOGIC, "-t", "fixed-g1", "-s", 1, "-o", tmp_path / "o", "--set", override])
    assert res.exit_code in (1, 2), res.output
    assert "Traceback" not in res.output and key in res.output, res.output
    assert not (tmp_path / "o").exists()


# --------------------------------------------------------------------------- network files
NETWORK_CASES = [
    # (file name, bytes, format, text the message must hold besides the file name)
    ("empty.txt", b"", "auto", "no edges"),
    ("comments.txt", b"# nothing here\n\n", "mfinder", "no edges"),
    ("one.txt", b"%%%\n", "auto", ":1:"),
    ("words.txt", b"1 2 1\nhello world foo\n", "mfinder", ":2:"),
    ("short.txt", b"1 2\n", "mfinder", ":1:"),
    ("binary.txt", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01", "auto", "UTF-8"),
    ("latin1.txt", "1 2 1\n2 3 1 # é\n".encode("latin-1"), "mfinder", "UTF-8"),
    ("bad.graphml", b"<graphml><graph edgedefault='directed'><node id='a'>", "auto", "GraphML"),
    ("notxml.graphml", b"this is not xml", "auto", "GraphML"),
    ("binary.graphml", b"\xff\xfe\x00\x01", "auto", "GraphML"),
    ("wrongroot.xml", b"<?xml version='1.0'?><a><b/></a>", "auto", ""),
    ("badkey.graphml", b"<graphml xmlns='http://graphml.graphdrawing.org/xmlns'><key id='d0' for='node' "
                       b"attr.name='x' attr.type='complex'/><graph edgedefault='directed'>"
                       b"<node id='a'><data key='d0'>1</data></node></graph></graphml>", "auto", "GraphML"),
]


@pytest.mark.parametrize("command", ["qm", "motifs"])
@pytest.mark.parametrize("name,content,fmt,needle", NETWORK_CASES)
def test_bad_network_files(tmp_path, command, name, content, fmt, needle):
    f = tmp_path / name
    f.write_bytes(content)
    res = invoke([command, f, "--format", fmt] + (["--nrand", 2] if command == "motifs" else []))
    assert_refused(res, f, needle)


def test_missing_network_file_is_a_usage_error(tmp_path):
    assert_refused(invoke(["qm", tmp_path / "nope.txt"]), "nope.txt", code=2)


def test_read_graph_errors_name_file_and_line(tmp_path):
    f = tmp_path / "net.txt"
    f.write_text("1 2 1\n2 x 1\n")
    with pytest.raises(ValueError, match=r"net\.txt:2: mfinder lines are three integers"):
        M.read_graph(f, "mfinder")


# --------------------------------------------------------------------------- qm size guards, exact honesty
def _ring_of_cliques(k, size):
    g = nx.DiGraph()
    for c in range(k):
        nodes = range(c * size, (c + 1) * size)
        g.add_edges_from((a, b) for a in nodes for b in nodes if a < b)
        g.add_edge(c * size, ((c + 1) % k) * size + 1)
    return g


def test_exact_refuses_large_graphs_unless_raised(tmp_path):
    g = _ring_of_cliques(14, 5)                                  # 70 nodes
    f = tmp_path / "big.txt"
    f.write_text("".join(f"{a} {b} 1\n" for a, b in g.edges))
    res = invoke(["qm", f, "--method", "exact"])
    assert_refused(res, "exact", "60 nodes", "70", "--max-nodes")
    with pytest.raises(M.ModularityError, match="limited to 60 nodes"):
        M.best_partition(g, "exact", False)
    with pytest.raises(M.ModularityError, match="limited to 10 nodes"):
        M.best_partition(g, "greedy", False, max_nodes=10)
    with pytest.raises(M.ModularityError, match="girvan-newman"):
        M.check_size(301, "girvan-newman")


def test_exact_never_returns_an_unproven_partition():
    """At its time limit the solver's best partition is not reported as exact."""
    rng = np.random.default_rng(3)
    g = nx.gnm_random_graph(40, 120, seed=3)
    a = np.asarray(nx.to_numpy_array(g))
    started = time.monotonic()
    try:
        labels = M.exact_labels(a, time_limit=0.05)
    except M.ExactNotOptimal as exc:                   # stopped with a partition: bound and gap given
        assert exc.q_bound is None or exc.q_bound >= exc.q - 1e-9
        assert "not exact" in str(exc)
    except M.ModularityError as exc:                   # stopped before any partition
        assert "no partition" in str(exc)
    else:                                              # proven optimal in time: must beat greedy
        assert M.q_of_partition(a, labels) >= M.greedy_labels(a)[0] - 1e-9
    assert time.monotonic() - started < 60
    del rng


def test_exact_is_still_exact_on_small_graphs():
    g = _ring_of_cliques(4, 4)
    q_exact, _ = M.best_partition(g, "exact", False)
    q_greedy, _ = M.best_partition(g, "greedy", False)
    assert q_exact >= q_greedy - 1e-12 and q_exact > 0.5


@pytest.mark.parametrize("directed", [False, True])
def test_sparse_greedy_matches_dense_kernel(monkeypatch, directed):
    g = nx.DiGraph(nx.planted_partition_graph(5, 40, 0.15, 0.01, seed=4, directed=True))
    nodes, a = M.adjacency(g, directed)
    q_dense = M.q_of_partition(a, M.greedy_labels(a)[1])
    monkeypatch.setattr(M, "DENSE_MAX_NODES", 50)
    q_sparse, parts = M.best_partition(g, "greedy", directed)
    assert sorted(n for p in parts for n in p) == nodes
    assert q_sparse == pytest.approx(M.q_of_partition(a, M.labels_from_communities(nodes, parts)))
    assert q_sparse == pytest.approx(q_dense, abs=0.02)


def test_sparse_spectral_matches_dense_undirected():
    g = nx.DiGraph(nx.planted_partition_graph(4, 60, 0.2, 0.01, seed=5))
    nodes, a = M.adjacency(g, False)
    _, sa = M.sparse_adjacency(g, False)
    assert np.array_equal(sa.toarray(), a)
    dense = M.spectral_partition(a)
    sparse = M.spectral_partition_sparse(sa, dense_below=30)     # eigsh for the big groups
    assert np.array_equal(dense, sparse)
    assert M.q_of_partition_sparse(sa, sparse) == pytest.approx(M.q_of_partition(a, dense))


@pytest.mark.parametrize("method", ["greedy", "spectral"])
def test_greedy_and_spectral_finish_on_5000_nodes(method):
    g = nx.gnm_random_graph(5000, 12000, seed=1, directed=True)
    # CPU time, not wall time: a guard against a dense (quadratic-memory) path, blind to a busy machine
    started = time.process_time()
    q, parts = M.best_partition(g, method, directed=True)
    assert time.process_time() - started < 60
    assert 0.2 < q < 1 and sum(len(p) for p in parts) == 5000


# --------------------------------------------------------------------------- run folders, manifests
def test_corrupt_result_json_is_named(tmp_path):
    seed = tmp_path / "exp" / "fixed-g1" / "seed-1"
    seed.mkdir(parents=True)
    (seed / "result.json").write_text("{not json")
    res = invoke(["summary", tmp_path / "exp"])
    assert_refused(res, "result.json", "JSON")


@pytest.mark.parametrize("content", ["{not json", '{"experiment": 3}', '{"experiment": {"name": "x"}}',
                                     "[1, 2]", '{"a": NaN}'])
def test_corrupt_protocol_json_is_named(tmp_path, content):
    (tmp_path / "protocol.json").write_text(content)
    with pytest.raises(ProtocolError, match="protocol.json"):
        load_run_protocol(tmp_path)


def test_protocol_json_with_unsafe_names_or_nan(tmp_path):
    data = json.loads(load_protocol(LOGIC, "fixed-g1").to_json())
    data["fitness"]["size_penalty"] = float("nan")
    (tmp_path / "protocol.json").write_text(json.dumps(data))
    with pytest.raises(ProtocolError, match="protocol.json"):
        load_run_protocol(tmp_path)
    data["fitness"]["size_penalty"] = 0.2
    data["experiment"]["treatment"] = "../evil"
    (tmp_path / "protocol.json").write_text(json.dumps(data))
    with pytest.raises(ProtocolError, match="treatment name"):
        load_run_protocol(tmp_path)


MANIFESTS = [
    ("not toml [[", "manifest.toml"),
    ('[[network]]\nfile = "missing.txt"\nexperiment = "ka2005_logic"\ntreatment = "mvg"\n', "missing.txt"),
    ('[[network]]\nfile = "net.txt"\n', "manifest.toml"),
    ('[[network]]\nfile = "net.txt"\nexperiment = "nope"\ntreatment = "mvg"\n', "nope"),
    ('network = 5\n', "manifest.toml"),
    (b"\xff\xfe bad", "manifest.toml"),
]


@pytest.mark.parametrize("content,needle", MANIFESTS)
def test_bad_manifests(tmp_path, content, needle):
    (tmp_path / "net.txt").write_text("1 2 1\n2 3 1\n")
    path = tmp_path / "manifest.toml"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    res = invoke(["compare", tmp_path, "--runs", tmp_path / "runs", "--nrand", 2])
    assert_refused(res, needle)


# --------------------------------------------------------------------------- CLI misuse
@pytest.mark.parametrize("args,needle", [
    (["qm", "{net}", "--nrand", "-5"], "--nrand"),
    (["qm", "{net}", "--swaps", "0"], "--swaps"),
    (["qm", "{net}", "--max-nodes", "0"], "--max-nodes"),
    (["qm", "{net}", "--time-limit", "0"], "--time-limit"),
    (["qm", "{net}", "--method", "magic"], "--method"),
    (["motifs", "{net}", "--nrand", "-1"], "--nrand"),
    (["motifs", "{net}", "--size", "5"], "--size"),
    (["run", "{logic}", "-t", "fixed-g1", "-s", "-1", "-o", "{tmp}/o"], "--seed"),
    (["run", "{logic}", "-t", "fixed-g1", "-s", "1", "-o", "{tmp}/o", "-g", "0"], "--generations"),
    (["replicate", "{logic}", "--jobs", "0"], "--jobs"),
    (["replicate", "{logic}", "--runs", "-3"], "--runs"),
    (["adapt", "{logic}", "-t", "x", "--replicates", "0"], "--replicates"),
    (["report", "--external", "{tmp}/missing.json"], "missing.json"),
    (["bench", "qm", "--population", "-1"], "--population"),
])
def test_click_ranges(tmp_path, args, needle):
    net = tmp_path / "net.txt"
    net.write_text("1 2 1\n2 3 1\n3 1 1\n")
    args = [a.format(net=net, logic=LOGIC, tmp=tmp_path) for a in args]
    assert_refused(invoke(args), needle, code=2)


def test_report_refuses_a_missing_runs_folder(tmp_path):
    res = invoke(["report", "--runs", tmp_path / "runz", "--out", tmp_path / "figures"])
    assert_refused(res, "runz")
    assert not (tmp_path / "figures").exists()
    assert_refused(invoke(["figures", "--runs", tmp_path / "runz", "--out", tmp_path / "f"]), "runz")


def test_run_never_touches_a_foreign_folder(tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "log.csv").write_text("my own data\n")
    res = invoke(["run", LOGIC, "-t", "fixed-g1", "-s", 1, "-o", out, "-g", 2])
    assert_refused(res, out, "run.json")
    assert (out / "log.csv").read_text() == "my own data\n"


def test_unwritable_out_is_one_line(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    res = invoke(["motifs", ROOT / "tests" / "golden" / "ka2005_logic" / "mvg" / "seed-1" / "network.txt",
                  "--nrand", 2, "--out", blocker / "stem"]) \
        if (ROOT / "tests/golden/ka2005_logic/mvg/seed-1/network.txt").exists() else None
    if res is None:
        net = tmp_path / "net.txt"
        net.write_text("1 2 1\n2 3 1\n3 1 1\n1 4 1\n")
        res = invoke(["motifs", net, "--nrand", 2, "--out", blocker / "stem"])
    assert_refused(res, "stem_OUT.txt")
    assert len([line for line in res.output.splitlines() if line.startswith("Error")]) == 1


def test_full_disk_and_decode_errors_are_described():
    assert "disk full" in describe_error(OSError(errno.ENOSPC, "No space left on device", "/x/log.csv"))
    assert "/x/log.csv" in describe_error(OSError(errno.ENOSPC, "No space left on device", "/x/log.csv"))

    def reader(path):
        return json.loads("{")
    try:
        reader(Path("/somewhere/result.json"))
    except ValueError as exc:
        text = describe_error(exc)
    assert "/somewhere/result.json" in text and "JSON" in text and "\n" not in text


def test_ctrl_c_is_one_line_and_exit_130(tmp_path, monkeypatch):
    import replication.evolve

    def interrupted(*a, **k):
        raise KeyboardInterrupt
    monkeypatch.setattr(replication.evolve, "evolve", interrupted)
    res = invoke(["run", LOGIC, "-t", "fixed-g1", "-s", 1, "-o", tmp_path / "o", "-g", 2])
    assert res.exit_code == 130 and "Traceback" not in res.output
    assert res.output.strip() == "interrupted; the run resumes from its last checkpoint"
    monkeypatch.setattr(M, "read_graph", interrupted)
    net = tmp_path / "net.txt"
    net.write_text("1 2 1\n")
    res = invoke(["qm", net])
    assert res.exit_code == 130 and res.output.strip() == "interrupted"


def test_unexpected_errors_are_one_line(tmp_path, monkeypatch):
    def broken(*a, **k):
        raise RuntimeError("boom")
    monkeypatch.setattr(M, "read_graph", broken)
    net = tmp_path / "net.txt"
    net.write_text("1 2 1\n")
    res = invoke(["qm", net])
    assert_refused(res, "internal error RuntimeError: boom", "REPLICATION_DEBUG")


# --------------------------------------------------------------------------- goals
@pytest.mark.parametrize("expression", ["X ** Y", "X and Y", "not X", "X < Y", "f(X)", "2", "X.y", "",
                                        "(" * 300 + "X" + ")" * 300, "X ^ " * 5000 + "X", "\x00"])
def test_goal_expressions_refused_with_a_value_error(expression):
    with pytest.raises(ValueError, match="goal"):
        evaluate_expression(expression, {"X": 0b1100, "Y": 0b1010}, 0b1111)


def test_goal_expressions_still_work():
    assert truth_table("~(X & Y) | 0", ("X", "Y")) == 0b0111
    assert truth_table("(X ^ Y) & 1", ("X", "Y")) == 0b0110


# --------------------------------------------------------------------------- real processes
def _cli(*args, cwd):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("REPLICATION_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "replication", *map(str, args)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("gene", ["99", "-1", "16"])
def test_initial_genome_out_of_range_no_native_crash(tmp_path, gene):
    """An [initial] address outside 0..15 once reached the numba kernel ('double free')."""
    p = variant(tmp_path, LOGIC, DECAY_GENOME, DECAY_GENOME.replace("1, 14]", f"1, {gene}]"))
    proc = _cli("run", p, "-t", "decay-g2", "-s", 1, "-o", tmp_path / "out", "-g", 2, "-q", cwd=tmp_path)
    assert proc.returncode == 1, (proc.returncode, proc.stderr)
    assert "Traceback" not in proc.stderr and "initial.genomes[0]" in proc.stderr and str(p) in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_path_traversal_in_a_real_process(tmp_path):
    text = LOGIC.read_text() + '\n[treatments."../../escape"]\nschedule = { kind = "fixed", goals = ["G1"] }\n'
    (tmp_path / "p.toml").write_text(text)
    proc = _cli("replicate", "p.toml", "-t", "../../escape", "-n", 1, "-o", "runs", cwd=tmp_path)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr and "escape" in proc.stderr
    assert not any(tmp_path.parent.glob("escape*")) and not (tmp_path / "runs").exists()
