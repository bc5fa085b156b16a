"""Every random stream of the package, derived from (run seed, named stream, index).

A run is fully defined by (protocol, overrides, seed).  Each piece of randomness draws from
its own stream, seeded from the run seed, a stream name and an index (usually the
generation), so that

* a run resumed from a checkpoint continues bit for bit as an uninterrupted one would;
* results never depend on how many workers or machines ran them;
* an analysis step (Qrand, traces) can never shift the draws of the evolution.

The numba kernels draw from numba's own generator, which :func:`seed_numba` seeds; NumPy
generators come from :func:`numpy_generator`.  The derivations below are the ones the
package used before the streams were named here, kept so that stored runs stay
reproducible; new streams take new, distinct tags.

Streams
-------
``generation``
    index g: all draws of generation g (selection, variation, sampled environments).
``init``
    the initial population.
``environment``
    a per-run fixed sample of the 2005 retina's patterns.
``final``
    the choice among equally good final networks (2013), index = ``max_generations``.
``trace``
    Qrand of a logged network (2005 Fig. 3), index g: the same derivation as
    ``generation`` g, but used only *after* that generation's draws, so it cannot shift them.
``coordinates``
    the randomised input coordinates of the 2013 P&CC-randcoords treatment (NumPy).
``analysis``
    randomisations of analyses (Qrand, motifs), index k.
``goals``
    random goals of the random-varying-goals controls (NumPy), index (0, epoch) or (1, k).

Calibration runs (Qmax by evolution) are ordinary runs whose seeds start at
:data:`CALIBRATION_SEED_BASE`; the random-genome Qrand table uses :data:`QRAND_GENOME_SEED`,
so neither can coincide with an experiment's seeds (1, 2, ...).

Examples
--------
>>> derive(1, "generation", 0) == derive(1, "generation", 0)
True
>>> derive(1, "generation", 0) != derive(2, "generation", 0)
True
>>> derive(7, "init") == derive(7, "generation", -1)
True
"""
from __future__ import annotations

import numpy as np
from numba import njit

_MASK64 = (1 << 64) - 1

#: Calibration run k (Qmax by evolution) has run seed CALIBRATION_SEED_BASE + k.
CALIBRATION_SEED_BASE = 1_000_000
#: The seed of the random-genome Qrand table (the 2005 paper's second Qrand control).
QRAND_GENOME_SEED = 2_000_000

# stream -> offset added to the index before mixing (the historical derivations)
_OFFSETS = {"generation": 0, "trace": 0, "init": None, "environment": None, "final": 1}
_FIXED_INDEX = {"init": -1, "environment": -2}
_NUMPY_TAGS = {"coordinates": 0x7A5D, "analysis": 0xA11A, "goals": 0x60A1}


def _splitmix(seed: int, index: int) -> int:
    """A 32-bit seed for (seed, index), via the splitmix64 finaliser."""
    x = (int(seed) * 0x9E3779B97F4A7C15 + (int(index) & _MASK64) * 0xD1B54A32D192ED03
         + 0x94D049BB133111EB) & _MASK64
    x ^= x >> 30
    x = (x * 0xBF58476D1CE4E5B9) & _MASK64
    x ^= x >> 27
    x = (x * 0x94D049BB133111EB) & _MASK64
    x ^= x >> 31
    return x & 0xFFFFFFFF


def derive(seed: int, stream: str, index: int = 0) -> int:
    """The 32-bit generator seed of ``stream`` at ``index`` for run seed ``seed``.

    Parameters
    ----------
    seed : int
        The run seed.
    stream : str
        One of ``generation``, ``trace``, ``init``, ``environment``, ``final`` (numba
        streams; see the module docstring).
    index : int
        Generation (``generation``, ``trace``), ``max_generations`` (``final``); ignored
        by ``init`` and ``environment``.

    Examples
    --------
    >>> 0 <= derive(3, "generation", 10) < 2**32
    True
    >>> derive(3, "final", 100) == derive(3, "generation", 101)
    True
    """
    if stream in _FIXED_INDEX:
        return _splitmix(seed, _FIXED_INDEX[stream])
    if stream not in _OFFSETS:
        raise ValueError(f"unknown random stream {stream!r}; known: {sorted(_OFFSETS) + sorted(_NUMPY_TAGS)}")
    return _splitmix(seed, index + _OFFSETS[stream])


@njit(cache=True)
def _seed_numba(s):
    np.random.seed(s)


def seed_numba(seed: int, stream: str, index: int = 0) -> None:
    """Seed numba's generator (the one every kernel draws from) for this stream.

    Examples
    --------
    >>> seed_numba(1, "generation", 5); a = _draw()
    >>> seed_numba(1, "generation", 5); a == _draw()
    True
    """
    _seed_numba(derive(seed, stream, index))


def seed_numba_raw(value: int) -> None:
    """Seed numba's generator with an explicit value, reduced to 32 bits.

    For kernels whose seed comes from the caller rather than from a named stream (e.g. an
    analysis with a user-given seed).  Values that agree in their low 32 bits seed alike.

    Examples
    --------
    >>> seed_numba_raw(42); a = _draw()
    >>> seed_numba_raw(42 + 2**32); a == _draw()
    True
    >>> seed_numba_raw(43); a == _draw()
    False
    """
    _seed_numba(int(value) & 0xFFFFFFFF)


@njit(cache=True)
def _draw():
    return np.random.random()


def numpy_generator(seed: int, stream: str, *index: int) -> np.random.Generator:
    """A NumPy generator for a per-run NumPy stream (``coordinates``, ``analysis``, ``goals``);
    ``index`` (non-negative integers) selects one of many draws of the stream (``goals``:
    (0, epoch) or (1, k), see :meth:`replication.tasks.Schedule.goal_items`).

    Examples
    --------
    >>> int(numpy_generator(1, "coordinates").integers(1 << 30)) == int(numpy_generator(1, "coordinates").integers(1 << 30))
    True
    """
    if stream not in _NUMPY_TAGS:
        raise ValueError(f"unknown NumPy stream {stream!r}; known: {sorted(_NUMPY_TAGS)}")
    return np.random.default_rng([int(seed), _NUMPY_TAGS[stream], *(int(i) for i in index)])


def sample_seed(seed: int, k: int) -> int:
    """The seed of the k-th randomisation of an analysis seeded with ``seed`` (Qrand, motif nulls).

    Examples
    --------
    >>> sample_seed(0, 3) != sample_seed(0, 4)
    True
    """
    return int(seed) * 1_000_003 + int(k)
