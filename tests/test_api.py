"""The Python API (replication.api), the catalog of shipped protocols and `replication list`."""
import doctest
import json
import shutil
from pathlib import Path

import networkx as nx
import pandas as pd
import pytest
from click.testing import CliRunner

import replication
from replication import api, catalog
from replication.cli import main
from replication.protocol import ProtocolError, treatments_of
from replication.tasks import input_masks, truth_table

ROOT = Path(__file__).resolve().parent.parent
SHORT = {"run.max_generations": 40}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Short runs: two ka2005_logic treatments (different overrides), one of each retina."""
    root = tmp_path_factory.mktemp("runs")
    replication.run_evolution("ka2005_logic", "mvg", 1, root / "ka2005_logic" / "mvg" / "seed-1", SHORT)
    replication.run_evolution("ka2005_logic", "fixed-g1", 2, root / "ka2005_logic" / "fixed-g1" / "seed-2",
                              ["run.max_generations=30", "selection.elite=200"])
    replication.run_evolution("ka2005_retina", "mvg", 1, root / "ka2005_retina" / "mvg" / "seed-1",
                              {"run.max_generations": 10, "selection.population": 100,
                               "selection.elite": 25})
    replication.run_evolution("clune2013_retina", "pcc", 1, root / "clune2013_retina" / "pcc" / "seed-1",
                              {"run.max_generations": 10, "selection.population": 40})
    return root


# --------------------------------------------------------------------------- catalog
def test_catalog_lists_the_repository_protocol_files():
    files = sorted(p.stem for p in (ROOT / "original_protocol").glob("*.toml") if p.stem != "published")
    assert catalog.experiments() == files
    assert catalog.protocol_dir() == ROOT / "original_protocol"      # a source tree reads the repository
    assert catalog.published_path().is_file() and catalog.ledger_path().is_file()
    for name in files:
        assert catalog.protocol_path(name) == ROOT / "original_protocol" / f"{name}.toml"
        assert list(catalog.treatments(name)) == treatments_of(catalog.protocol_path(name))


def test_protocol_path_takes_files_and_rejects_unknown_names(tmp_path):
    own = tmp_path / "mine.toml"
    shutil.copy(ROOT / "original_protocol" / "ka2005_logic.toml", own)
    assert catalog.protocol_path(own) == own and catalog.protocol_path(str(own)) == own
    with pytest.raises(ProtocolError, match="ka2005_logic"):
        catalog.protocol_path("ka2005_logik")
    with pytest.raises(ProtocolError):
        catalog.protocol_path(tmp_path / "missing.toml")


def test_treatments_without_description_show_their_overrides(tmp_path):
    text = open("original_protocol/clune2013_retina.toml").read()
    lines = [ln for ln in text.splitlines() if not ln.startswith('description = "Fig. 4b: MVG')]
    path = tmp_path / "clune2013_retina.toml"
    path.write_text("\n".join(lines) + "\n")
    t = catalog.treatments(path)
    assert "schedule.epoch = 10" in t["mvg-pa-e10"] and "length-optimal" in t["mvg-pcc-e10"]
    assert catalog.treatments("clune2013_retina")["mvg-pa-e10"].startswith("Fig. 4b: MVG")


def test_cli_list_prints_every_experiment_and_treatment():
    res = CliRunner().invoke(main, ["list"])
    assert res.exit_code == 0, res.output
    for name in catalog.experiments():
        exp = catalog.experiment(name)
        assert exp.description in res.output
        for t, text in exp.treatments.items():
            assert f"{t}  " in res.output or res.output.rstrip().endswith(t)
            assert text in res.output
    bad = CliRunner().invoke(main, ["list", "nonexistent"])
    assert bad.exit_code == 2 and "known: " in bad.output


def test_cli_run_takes_a_protocol_name(tmp_path):
    out = tmp_path / "seed-3"
    res = CliRunner().invoke(main, ["run", "ka2005_logic", "-t", "fixed-g2", "--seed", "3", "--out", str(out),
                                    "-g", "5", "-q"])
    assert res.exit_code == 0, res.output
    assert json.loads((out / "result.json").read_text())["treatment"] == "fixed-g2"
    assert json.loads((out / "run.json").read_text())["protocol_source"] == str(catalog.protocol_path("ka2005_logic"))
    bad = CliRunner().invoke(main, ["run", "no_such", "-t", "mvg", "--seed", "1", "--out", str(tmp_path / "x")])
    assert bad.exit_code == 2 and "neither a file nor a shipped experiment" in bad.output


# --------------------------------------------------------------------------- load_runs
def test_load_runs_one_row_per_run_with_flattened_results_and_overrides(runs):
    table = replication.load_runs(runs)
    assert isinstance(table, pd.DataFrame)
    assert len(table) == len(list(runs.glob("*/*/seed-*/result.json"))) == 4
    logic = table[table.experiment == "ka2005_logic"].set_index("treatment")
    for treatment, row in logic.iterrows():
        result = json.loads((Path(row.folder) / "result.json").read_text())
        assert row["best_accuracy.G1"] == result["best_accuracy"]["G1"]
        assert row["generations_run"] == result["generations_run"]
    assert logic.loc["mvg", "set.run.max_generations"] == 40
    assert logic.loc["fixed-g1", "set.run.max_generations"] == 30
    assert logic.loc["fixed-g1", "set.selection.elite"] == 200
    assert pd.isna(logic.loc["mvg", "set.selection.elite"])
    assert "genome" not in table and "genome" in replication.load_runs(runs, genome=True)
    assert list(table.columns).count("experiment") == 1


def test_load_runs_from_experiment_treatment_and_run_folders(runs):
    whole = replication.load_runs(runs)
    exp = replication.load_runs(runs / "ka2005_logic")
    assert set(exp.folder) == set(whole[whole.experiment == "ka2005_logic"].folder)
    assert list(exp.treatment) == sorted(exp.treatment)
    assert len(replication.load_runs(runs / "ka2005_logic" / "mvg")) == 1
    assert len(replication.load_runs(runs / "ka2005_logic" / "mvg" / "seed-1")) == 1


def test_load_runs_leaves_out_unfinished_runs_and_rejects_missing_folders(runs, tmp_path):
    shutil.copytree(runs / "ka2005_logic", tmp_path / "ka2005_logic")
    (tmp_path / "ka2005_logic" / "mvg" / "seed-1" / "result.json").unlink()
    assert list(replication.load_runs(tmp_path).treatment) == ["fixed-g1"]
    assert replication.load_runs(tmp_path / "ka2005_logic" / "mvg").empty
    with pytest.raises(FileNotFoundError):
        replication.load_runs(tmp_path / "nowhere")


# --------------------------------------------------------------------------- load_network
def _edges_of(folder):
    return {tuple(map(int, line.split()[:2])) for line in (folder / "network.txt").read_text().splitlines()}


def _circuit_accuracy(g, names, goal_expression):
    """Simulate a feed-forward NAND circuit given as a graph, on all input rows (bitmasks)."""
    n = len(names)
    full = (1 << (1 << n)) - 1
    value = {}
    for v in nx.topological_sort(g):
        d = g.nodes[v]
        if d["kind"] == "input":
            value[v] = input_masks(n)[names.index(d["label"])]
        else:
            a, b = (list(g.predecessors(v)) * 2)[:2]         # one distinct input: NAND(a, a) = NOT a
            value[v] = ~(value[a] & value[b]) & full
    out = next(v for v, k in g.nodes(data="kind") if k == "output")
    agree = ~(value[out] ^ truth_table(goal_expression, names)) & full
    return bin(agree).count("1") / (1 << n)


def test_load_network_of_a_circuit_computes_what_the_run_reports(runs):
    folder = runs / "ka2005_logic" / "mvg" / "seed-1"
    g = replication.load_network(folder)
    result = json.loads((folder / "result.json").read_text())
    protocol = json.loads((folder / "protocol.json").read_text())
    assert isinstance(g, nx.DiGraph) and set(g.edges) == _edges_of(folder)
    names = protocol["inputs"]
    kinds = dict(g.nodes(data="kind"))
    assert [v for v, k in kinds.items() if k == "output"] == [v for v, out in g.nodes(data="output") if out]
    assert len([k for k in kinds.values() if k == "output"]) == 1 and result["output_node"] >= 0
    assert all((k == "input") == (v <= len(names)) for v, k in kinds.items())
    assert all(g.nodes[v]["layer"] == (kinds[v] != "input") for v in g)
    assert g.graph["experiment"] == "ka2005_logic" and g.graph["seed"] == 1
    if not nx.is_directed_acyclic_graph(g):
        pytest.skip("a feedback circuit: simulating it needs the engine's settling rule")
    for goal, expression in protocol["goals"].items():
        assert _circuit_accuracy(g, names, expression) == result["best_accuracy"][goal]


@pytest.mark.parametrize("experiment, n_nodes, n_layers", [("ka2005_retina", 8 + 15, 5),
                                                           ("clune2013_retina", 23, 5)])
def test_load_network_of_a_layered_network(runs, experiment, n_nodes, n_layers):
    folder = runs / experiment / ("mvg" if experiment == "ka2005_retina" else "pcc") / "seed-1"
    g = replication.load_network(folder)
    assert set(g.edges) == _edges_of(folder)
    layer = dict(g.nodes(data="layer"))
    assert all(layer[b] == layer[a] + 1 for a, b in g.edges)          # feed-forward, layer to layer
    assert all(1 <= v <= n_nodes and 0 <= layer[v] < n_layers for v in g)
    assert g.nodes[n_nodes]["kind"] == "output" and layer[n_nodes] == n_layers - 1
    assert [v for v, out in g.nodes(data="output") if out] == [n_nodes]
    assert all((d["kind"] == "input") == (d["layer"] == 0) for _, d in g.nodes(data=True))
    assert all(d["kind"] in ("input", "neuron", "output") for _, d in g.nodes(data=True))


def test_load_network_reads_graphml_when_the_run_has_one(runs, tmp_path):
    folder = tmp_path / "seed-1"
    shutil.copytree(runs / "ka2005_retina" / "mvg" / "seed-1", folder)
    rebuilt = replication.load_network(folder)
    written = nx.DiGraph(rebuilt)
    nx.set_node_attributes(written, {v: f"from-graphml-{v}" for v in written}, "label")
    nx.set_node_attributes(written, {v: "hidden" for v, k in written.nodes(data="kind") if k == "neuron"}, "kind")
    nx.set_node_attributes(written, {v: "neuron" for v, out in written.nodes(data="output") if out}, "kind")
    nx.write_graphml(written, folder / "network.graphml")
    g = replication.load_network(folder)
    assert set(g.edges) == set(rebuilt.edges) and all(isinstance(v, int) for v in g)
    assert all(g.nodes[v]["label"] == f"from-graphml-{v}" and g.nodes[v]["layer"] == rebuilt.nodes[v]["layer"]
               and g.nodes[v]["kind"] == rebuilt.nodes[v]["kind"] for v in g)     # 'hidden' and 'output' normalised


def test_load_network_needs_a_finished_run(tmp_path):
    with pytest.raises(FileNotFoundError, match="not a finished run"):
        replication.load_network(tmp_path)


# --------------------------------------------------------------------------- analyses of any graph
def test_analyse_modularity_agrees_with_networkx():
    g = nx.gnm_random_graph(14, 26, seed=5, directed=True)
    rep = replication.analyse_modularity(g, method="exact", directed=False)
    und = nx.Graph(g.to_undirected())
    assert rep.q == pytest.approx(nx.community.modularity(und, rep.partition))
    louvain_best = max(nx.community.modularity(und, nx.community.louvain_communities(und, seed=s))
                       for s in range(5))
    assert rep.q >= louvain_best - 1e-9                      # exact is at least as good as any heuristic
    with pytest.raises(ValueError, match="protocol"):
        replication.analyse_modularity(g)


def test_analyse_modularity_applies_the_experiments_recipe(runs):
    from replication.protocol import load_protocol
    g = replication.load_network(runs / "ka2005_logic" / "mvg" / "seed-1")
    mod = load_protocol(catalog.protocol_path("ka2005_logic"), "mvg").modularity
    rep = replication.analyse_modularity(g, "ka2005_logic", qrand_samples=20)
    nodes = {v for c in rep.partition for v in c}
    inputs = {v for v, k in g.nodes(data="kind") if k == "input"}
    assert (nodes & inputs == set()) == (not mod.include_inputs)
    assert rep.method == mod.method and rep.directed == mod.directed and rep.q_rand is not None
    graph = g.subgraph(nodes)
    if not mod.directed:
        assert rep.q == pytest.approx(nx.community.modularity(nx.Graph(graph.to_undirected()), rep.partition))


def test_analyse_motifs_feed_forward_loops_match_the_triadic_census():
    g = nx.gnm_random_graph(12, 30, seed=3, directed=True)
    stats = {s.id: s for s in replication.analyse_motifs(g, size=3, n_random=5, seed=1)}
    assert stats[38].n_real == nx.triadic_census(g)["030T"]          # mfinder 38 = feed-forward loop
    assert all(s.z is None or isinstance(s.z, float) for s in stats.values())
    with pytest.raises(ValueError, match="layer"):
        replication.analyse_motifs(g, preserve_layers=True)


def test_analyse_motifs_preserving_layers_keeps_layered_counts(runs):
    g = replication.load_network(runs / "ka2005_retina" / "mvg" / "seed-1")
    stats = replication.analyse_motifs(g, size=3, n_random=10, preserve_layers=True)
    # a layer-to-layer network has no feed-forward loop, and neither has any layer-preserving randomisation
    ffl = [s for s in stats if s.id == 38]
    assert not ffl or (ffl[0].n_real == 0 and ffl[0].mean_rand == 0)


# --------------------------------------------------------------------------- run_evolution
def test_run_evolution_records_overrides_and_returns_the_finished_result(runs):
    folder = runs / "ka2005_logic" / "fixed-g1" / "seed-2"
    meta = json.loads((folder / "run.json").read_text())
    assert meta["overrides"] == ["run.max_generations=30", "selection.elite=200"]
    again = replication.run_evolution("ka2005_logic", "fixed-g1", 2, folder,
                                      {"run.max_generations": 30, "selection.elite": 200})
    assert again == json.loads((folder / "result.json").read_text())
    with pytest.raises(TypeError):
        replication.run_evolution("ka2005_logic", "mvg", 1, folder, 5)


# --------------------------------------------------------------------------- documentation
def test_api_and_catalog_docstring_examples_run():
    for module in (api, catalog):
        res = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
        assert res.attempted > 0 and res.failed == 0, module.__name__


def test_readme_examples_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    res = doctest.testfile(str(ROOT / "README.md"), module_relative=False,
                           optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert res.attempted >= 5 and res.failed == 0
