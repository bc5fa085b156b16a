import pytest

from replication.tasks import Schedule, input_masks, truth_table


def rows_where(table, n=4):
    return [r for r in range(1 << n) if (table >> r) & 1]


def test_input_masks_first_input_is_most_significant():
    x, y, z, w = input_masks(4)
    assert x == 0xFF00 and y == 0xF0F0 and z == 0xCCCC and w == 0xAAAA


def test_goals_of_the_paper_by_enumeration():
    names = ("X", "Y", "Z", "W")
    g1 = truth_table("(X ^ Y) & (Z ^ W)", names)
    g2 = truth_table("(X ^ Y) | (Z ^ W)", names)
    for r in range(16):
        x, y, z, w = (r >> 3) & 1, (r >> 2) & 1, (r >> 1) & 1, r & 1
        assert (g1 >> r) & 1 == ((x ^ y) & (z ^ w))
        assert (g2 >> r) & 1 == ((x ^ y) | (z ^ w))
    assert len(rows_where(g1)) == 4 and len(rows_where(g2)) == 12


def test_not_and_constants():
    assert truth_table("~X", ("X",)) == 0b01
    assert truth_table("1", ("X", "Y")) == 0b1111


@pytest.mark.parametrize("bad", ["X + Y", "Q ^ X", "import os", "X ^"])
def test_bad_expressions_are_rejected(bad):
    with pytest.raises(ValueError):
        truth_table(bad, ("X", "Y"))


def test_mvg_schedule_switches_every_epoch_starting_with_first_goal():
    s = Schedule("mvg", ("G1", "G2"), 20)
    assert [s.goal_at(g) for g in (0, 19, 20, 39, 40)] == ["G1", "G1", "G2", "G2", "G1"]
    assert Schedule("fixed", ("G2",), 20).goal_at(12345) == "G2"
