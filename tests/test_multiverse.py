"""The multiverse: every published claim under every defensible reading (issue: does each
conclusion depend on our choices?)."""
import csv

import pytest
from click.testing import CliRunner

from conftest import LOGIC
from replication.cli import main
from replication.multiverse import COLUMNS, Variant, holds_table, multiverse_section, variants
from replication.protocol import ProtocolError, alternatives_of, load_protocol


def test_every_alternative_is_a_valid_value_with_the_default_first():
    for name in ("ka2005_logic", "ka2005_retina", "clune2013_retina"):
        path = f"original_protocol/{name}.toml"
        for key, values in alternatives_of(path).items():
            for v in values:                          # each reading builds a valid protocol
                load_protocol(path, None, [(key, v)])


def test_an_alternatives_table_must_list_the_default_first(tmp_path):
    text = open(LOGIC).read().replace('"selection.tie_break" = ["index", "random"]',
                                       '"selection.tie_break" = ["random", "index"]')
    bad = tmp_path / "bad.toml"
    bad.write_text(text)
    with pytest.raises(ProtocolError, match="default 'index' first"):
        alternatives_of(bad)


def test_variants_are_one_at_a_time_plus_requested_pairs():
    vs = variants(LOGIC, keys=["selection.tie_break", "circuit.initial_state"])
    assert [v.label for v in vs] == ["default", "selection.tie_break=random", "circuit.initial_state=1"]
    vs = variants(LOGIC, keys=["selection.tie_break"], pairs=["selection.tie_break", "circuit.initial_state"])
    assert vs[-1].overrides == (("selection.tie_break", "random"), ("circuit.initial_state", 1))
    with pytest.raises(ProtocolError, match="no \\[alternatives\\]"):
        variants(LOGIC, keys=["run.max_generations"])


def test_holds_counts_each_reading_once():
    rows = [{"claim": "e/t/q", "reading": "default", "key": "a", "value": "1", "verdict": "reproduced",
             "effect": "x", "n": 3},
            {"claim": "e/t/q", "reading": "default", "key": "b", "value": "0", "verdict": "reproduced",
             "effect": "x", "n": 3},
            {"claim": "e/t/q", "reading": "a=2", "key": "a", "value": "2", "verdict": "not reproduced",
             "effect": "y", "n": 3}]
    assert holds_table(rows) == {"e/t/q": (1, 2)}
    assert "| t/q | 1 of 2 |" in multiverse_section(rows)


def test_multiverse_command_writes_one_row_per_value_and_claim(tmp_path):
    """The issue's Done-when, with a tiny calibration so that it runs in a test."""
    args = ["multiverse", str(LOGIC), "--key", "selection.tie_break", "--runs", "2", "--out", str(tmp_path),
            "--calibration-runs", "1", "--quiet",
            "--set", "run.max_generations=300", "--set", "modularity.qmax_generations=10",
            "--set", "modularity.qmax_population=40", "--set", "modularity.qmax_elite=10"]
    res = CliRunner().invoke(main, args)
    assert res.exit_code == 0, res.output
    rows = list(csv.DictReader(open(tmp_path / "ka2005_logic" / "multiverse.csv")))
    assert set(COLUMNS) <= set(rows[0])
    pairs = [(r["value"], r["claim"]) for r in rows]
    assert len(pairs) == len(set(pairs))                        # one row per (value, claim)
    assert {r["key"] for r in rows} == {"selection.tie_break"}
    assert {r["value"] for r in rows} == {"index", "random"}
    claims = {r["claim"] for r in rows}
    assert {c for v, c in pairs if v == "index"} == {c for v, c in pairs if v == "random"} == claims
    # shortened runs are never "reproduced"
    assert all(r["verdict"] != "reproduced" for r in rows)
    # the variant's runs live in their own folder, with the override recorded
    assert (tmp_path / "ka2005_logic" / "multiverse" / "selection.tie_break=random" / "mvg" / "seed-1"
            / "result.json").exists()
    assert Variant((("selection.tie_break", "random"),)).label == "selection.tie_break=random"
