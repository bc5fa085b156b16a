"""The cursor on numba's generator (replication.rng.mt_*) draws np.random's very numbers.

The 2013 kernels draw through it; every check compares with np.random itself, across the
refills of the generator's words, interleaved with np.random calls."""
import numpy as np
from numba import njit

from replication.rng import (CURSOR, _draw, mt_begin, mt_below, mt_chance, mt_end, mt_random, mt_skip, seed_numba,
                             skip_draws)


@njit
def _cursor_draws(kinds, ns):
    """kind 0: random(); 1: randint(0, n); 2: skip n outputs (value -1); 3: np.random.random()
    itself, between closing and reopening the cursor."""
    out = np.empty(len(kinds))
    mt, i = mt_begin()
    for k in range(len(kinds)):
        if kinds[k] == 0:
            out[k], i = mt_random(mt, i)
        elif kinds[k] == 1:
            r, i = mt_below(mt, i, ns[k])
            out[k] = r
        elif kinds[k] == 2:
            i = mt_skip(i, ns[k])
            out[k] = -1.0
        else:
            mt_end(i)
            out[k] = np.random.random()
            mt, i = mt_begin()
    mt_end(i)
    return out


@njit
def _plain_draws(kinds, ns):
    out = np.empty(len(kinds))
    for k in range(len(kinds)):
        if kinds[k] == 0 or kinds[k] == 3:
            out[k] = np.random.random()
        elif kinds[k] == 1:
            out[k] = np.random.randint(0, ns[k])
        else:
            for _ in range(ns[k]):
                np.random.randint(0, 2)          # one 32-bit output each
            out[k] = -1.0
    return out


def test_cursor_draws_equal_np_random():
    rng = np.random.default_rng(0)
    for trial in range(40):
        n = int(rng.integers(1, 3000))
        kinds = rng.choice([0, 1, 2, 3], n, p=[0.6, 0.3, 0.05, 0.05])
        ns = np.where(kinds == 2, rng.integers(0, 2000, n),
                      rng.choice([1, 2, 3, 4, 5, 8, 64, 100, 106, 1000, 2 ** 31, 2 ** 32], n))
        seed_numba(trial, "generation", 0)
        a = _cursor_draws(kinds, ns)
        after_a = _plain_draws(np.zeros(5, np.int64), ns[:5])
        seed_numba(trial, "generation", 0)
        b = _plain_draws(kinds, ns)
        after_b = _plain_draws(np.zeros(5, np.int64), ns[:5])
        assert np.array_equal(a, b) and np.array_equal(after_a, after_b), trial


def test_skip_draws_leaves_the_state_of_the_draws():
    for k in (0, 1, 623, 624, 625, 1248, 5000):
        seed_numba(k, "generation", 1)
        _plain_draws(np.array([0, 0, 0]), np.zeros(3, np.int64))      # an index mid-block
        skip_draws(k)
        a = _plain_draws(np.zeros(4, np.int64), np.zeros(4, np.int64))
        seed_numba(k, "generation", 1)
        _plain_draws(np.array([0, 0, 0]), np.zeros(3, np.int64))
        _plain_draws(np.array([2]), np.array([k]))
        assert np.array_equal(a, _plain_draws(np.zeros(4, np.int64), np.zeros(4, np.int64))), k


def test_the_cursor_uses_numbas_own_state():
    assert CURSOR          # numba's accessors were found: the fast path is the one tested above


@njit
def _chances(probs):
    out = np.empty(len(probs), np.bool_)
    mt, i = mt_begin()
    for k in range(len(probs)):
        out[k], i = mt_chance(mt, i, probs[k])
    mt_end(i)
    return out


def test_chance_is_a_draw_below_the_probability():
    rng = np.random.default_rng(1)
    edge = np.array([0.0, -0.5, 1.0, 1.5, 5e-324, 1e-300, 2.0 ** -27, 2.0 ** -53, 0.5, np.nan, np.inf])
    for trial in range(20):
        probs = np.concatenate([rng.random(2000) ** rng.integers(1, 30), edge])
        rng.shuffle(probs)
        seed_numba(trial, "generation", 2)
        a = _chances(probs)
        after = _draw()
        seed_numba(trial, "generation", 2)
        b = np.array([_draw() < p for p in probs])
        assert np.array_equal(a, b) and after == _draw(), trial


def test_chance_decides_near_the_boundary():
    """Probabilities equal to the drawn numbers themselves, and their neighbours, need the
    second output: the outcome is still np.random's."""
    seed_numba(9, "generation", 0)
    xs = np.array([_draw() for _ in range(500)])
    for probs in (xs, np.nextafter(xs, 2.0), np.nextafter(xs, -1.0)):
        seed_numba(9, "generation", 0)
        assert np.array_equal(_chances(probs), xs < probs)
