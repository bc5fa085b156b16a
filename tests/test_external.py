import csv
import json

import networkx as nx
import pytest
from click.testing import CliRunner

from replication import motifs as Mo
from replication.cli import main
from replication.external import compare, read_manifest
from replication.modularity import analyse_graph, prepare_graph, read_graph
from replication.protocol import ProtocolError

# inputs 1-4, hidden 5-6, output 7; 8 and 9 hang off input 1 without a path to the output
EDGES = [(1, 5), (2, 5), (3, 6), (4, 6), (5, 7), (6, 7), (1, 8), (8, 9), (5, 6)]


def _net(folder, name="net.txt", edges=EDGES):
    (folder / name).write_text("".join(f"{a} {b} 1\n" for a, b in edges))


def _manifest(folder, text):
    (folder / "manifest.toml").write_text(text)


def test_misspelt_key_is_an_error_naming_manifest_and_key(tmp_path):
    _net(tmp_path)
    _manifest(tmp_path, 'network = [{file = "net.txt", experiment = "clune2013_retina", '
                        'treatment = "pa", ouptut = 7}]\n')
    with pytest.raises(ProtocolError, match=r"manifest.toml: network #1: unknown key 'ouptut'"):
        read_manifest(tmp_path)


@pytest.mark.parametrize("entry,message", [
    ('file = "gone.txt", experiment = "clune2013_retina", treatment = "pa"', "gone.txt not found"),
    ('file = "net.txt", experiment = "nonsense", treatment = "pa"', "unknown experiment 'nonsense'"),
    ('file = "net.txt", experiment = "clune2013_retina"', "lacks 'treatment'"),
    ('file = "net.txt", experiment = "clune2013_retina", treatment = "pa", format = "csv"', "format 'csv'"),
    ('run = "nowhere", experiment = "clune2013_retina", treatment = "pa"', "has no result.json"),
])
def test_bad_manifest_entries_are_one_line_errors(tmp_path, entry, message):
    _net(tmp_path)
    _manifest(tmp_path, "[[network]]\n" + entry.replace(", ", "\n") + "\n")
    with pytest.raises(ProtocolError, match=message) as info:
        read_manifest(tmp_path)
    assert "\n" not in str(info.value) and "network #1" in str(info.value)


def test_output_that_is_not_a_node_is_an_error(tmp_path):
    _net(tmp_path)
    _manifest(tmp_path, '[[network]]\nfile = "net.txt"\nexperiment = "clune2013_retina"\n'
                        'treatment = "pa"\noutput = 16\n')
    with pytest.raises(ProtocolError, match="output 16 is not a node"):
        compare(tmp_path, tmp_path / "runs", n_random=2)


def test_output_read_from_the_run_folder_and_motifs_on_the_q_network(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    _net(run, "network.txt")
    (run / "result.json").write_text(json.dumps({"experiment": "clune2013_retina", "treatment": "pa",
                                                 "output_node": 7}))
    _manifest(tmp_path, '[[network]]\nrun = "run"\n')
    res = compare(tmp_path, tmp_path / "runs", n_random=3)
    (row,) = res["networks"]
    assert row["output"] == 7 and row["output_from"] == "result.json"
    assert row["experiment"] == "clune2013_retina" and row["measure"] == "q"
    assert any("drops 2 of 9 nodes" in w for w in res["warnings"])
    h = prepare_graph(read_graph(run / "network.txt"), include_inputs=True, drop_isolated=True, output=7)
    assert sorted(h) == [1, 2, 3, 4, 5, 6, 7]
    assert row["q"] == pytest.approx(analyse_graph(h, method="spectral", directed=True).q)
    assert row["n_nodes"] == 7
    ffl = {r["id"]: r["n_real"] for r in row["motifs_3"]}
    assert ffl == Mo.census(h, 3)                                   # not the whole file's census
    assert Mo.census(read_graph(run / "network.txt"), 3) != Mo.census(h, 3)


def test_2013_network_without_output_is_analysed_whole_with_a_warning(tmp_path):
    _net(tmp_path)
    _manifest(tmp_path, '[[network]]\nfile = "net.txt"\nexperiment = "clune2013_retina"\ntreatment = "pa"\n')
    res = compare(tmp_path, tmp_path / "runs", n_random=2)
    assert res["networks"][0]["n_nodes"] == 9
    assert any("no output node" in w for w in res["warnings"])


def test_cli_prints_the_2013_measure_and_errors_without_traceback(tmp_path):
    _net(tmp_path)
    _manifest(tmp_path, '[[network]]\nfile = "net.txt"\nexperiment = "clune2013_retina"\n'
                        'treatment = "pa"\noutput = 7\n')
    res = CliRunner().invoke(main, ["compare", str(tmp_path), "--nrand", "2", "--runs", str(tmp_path)])
    assert res.exit_code == 0, res.output
    assert "clune2013_retina pa: n = 1, Q = " in res.output and "(median, 95% CI)" in res.output
    assert "warning:" in res.output and "drops 2 of 9 nodes" in res.output
    _manifest(tmp_path, '[[network]]\nfile = "net.txt"\nexperiment = "clune2013_retina"\n'
                        'treatment = "pa"\nouptut = 7\n')
    bad = CliRunner().invoke(main, ["compare", str(tmp_path)])
    assert bad.exit_code == 1 and "unknown key 'ouptut'" in bad.output and "Traceback" not in bad.output


def test_original2013_command_matches_generations_and_feeds_the_report(tmp_path):
    """`replication original2013` puts the authors' log beside our runs at the generations asked,
    and the report's "original code" cell reads its summary (both programs at the same generation)."""
    from click.testing import CliRunner
    from replication.cli import main
    from replication.report import evaluate_results, fill_original, load_claims
    orig = tmp_path / "orig" / "seed1" / "vm_1"
    orig.mkdir(parents=True)
    (orig / "modularity.dat").write_text("0 0.70 0.10 0.1 600 200\n100 0.95 0.45 0.4 300 40\n")
    run = tmp_path / "runs" / "pcc" / "seed-1"
    run.mkdir(parents=True)
    (run / "log.csv").write_text("generation,best_performance,best_cost,q_best\n"
                                 "0,0.75,410.0,0.3\n50,0.8,300.0,\n100,0.9,200.0,0.25\n")
    out = tmp_path / "summary.csv"
    res = CliRunner().invoke(main, ["original2013", "--original", f"pcc={orig.parent}",
                                    "--runs", str(tmp_path / "runs"), "-g", "0", "-g", "100",
                                    "--out", str(out)])
    assert res.exit_code == 0, res.output
    rows = list(csv.DictReader(open(out)))
    got = {(r["program"], int(r["generation"])): float(r["q_best_median"]) for r in rows}
    assert got == {("original", 0): 0.10, ("original", 100): 0.45,
                   ("replication", 0): 0.3, ("replication", 100): 0.25}
    claim = next(c for c in load_claims() if c.id == "clune2013_retina/pcc/q")
    report_rows = evaluate_results([claim], [])
    fill_original(report_rows, out)
    assert report_rows[0].original.startswith("gen 100: original 0.45")
    assert "ours 0.25" in report_rows[0].original
    bad = CliRunner().invoke(main, ["original2013", "--original", "pcc", "--runs", str(tmp_path / "runs"),
                                    "-g", "0", "--out", str(out)])
    assert bad.exit_code != 0 and "TREATMENT=PATH" in bad.output
