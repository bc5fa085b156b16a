import pytest

from conftest import LOGIC
from replication.protocol import ProtocolError, load_protocol, parse_override


def write_variant(tmp_path, old, new):
    text = LOGIC.read_text()
    assert old in text
    p = tmp_path / "p.toml"
    p.write_text(text.replace(old, new, 1))
    return p


def test_every_treatment_loads():
    for t in ("fixed-g1", "fixed-g2", "mvg"):
        p = load_protocol(LOGIC, t)
        assert p.selection.population == 1000 and p.selection.elite == 300
    assert load_protocol(LOGIC, "mvg").schedule.goals == ("G1", "G2")


@pytest.mark.parametrize("old,new,needle", [
    ("elite = 300 ", "elitee = 300 ", "selection.elitee"),
    ("population = 1000 ", "population = \"many\" ", "selection.population"),
    ("mutation_probability = 0.7", "mutation_probability = 1.7", "variation.mutation_probability"),
    ("tie_break = \"index\"", "tie_break = \"first\"", "selection.tie_break"),
    ("free_gates = 11", "", "fitness.free_gates"),
    ("elite = 300 ", "elite = 600 ", "selection.elite"),
])
def test_errors_name_file_and_key(tmp_path, old, new, needle):
    p = write_variant(tmp_path, old, new)
    with pytest.raises(ProtocolError) as err:
        load_protocol(p, "fixed-g1")
    assert str(p) in str(err.value) and needle in str(err.value)


def test_unknown_treatment_and_bad_override():
    with pytest.raises(ProtocolError, match="no treatment"):
        load_protocol(LOGIC, "nope")
    with pytest.raises(ProtocolError, match="selection.population"):
        load_protocol(LOGIC, "mvg", [("selection.population", -3)])
    with pytest.raises(ProtocolError, match="no section"):
        load_protocol(LOGIC, "mvg", [("nosuch.key", 1)])


def test_overrides_parse_as_toml_and_change_the_digest():
    assert parse_override("run.max_generations=500") == ("run.max_generations", 500)
    assert parse_override("schedule.goals=[\"G2\"]") == ("schedule.goals", ["G2"])
    assert parse_override("selection.tie_break=index") == ("selection.tie_break", "index")
    a = load_protocol(LOGIC, "mvg")
    b = load_protocol(LOGIC, "mvg", [parse_override("run.max_generations=500")])
    assert b.run.max_generations == 500 and a.digest != b.digest
    assert load_protocol(LOGIC, "mvg").digest == a.digest
