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


# ----- numba's generator, drawn from inside a kernel through a cursor
# numba's np.random is a Mersenne Twister whose state (624 words and an index into them, the
# words refilled by a "shuffle" when the index reaches 624) lives in C; each np.random call
# loads the index from memory and stores it back.  A kernel that draws hundreds of thousands of
# times per generation (the 2013 mutation and non-dominated sorting) draws instead through a
# cursor: the index is read once (mt_begin), kept in a register, and written back (mt_end);
# the words are numba's own, refilled by numba's own shuffle, tempered and combined exactly as
# numba does, so the numbers, and the state left behind, are the very ones np.random gives.
# Between mt_begin and mt_end the kernel must not call np.random itself.  The cursor also skips
# outputs whose values cannot matter (mt_skip).  Where numba's accessors are missing (another
# numba version), the cursor calls np.random instead: the same numbers, drawn the slow way.
try:
    from numba import carray as _carray
    from numba.core import types as _types
    from numba.core.extending import intrinsic as _intrinsic
    from numba.cpython import randomimpl as _ri

    _N_WORDS = int(_ri.N)

    @_intrinsic
    def _mt_index(typingctx):
        def codegen(context, builder, sig, args):
            ptr = _ri.get_index_ptr(builder, _ri.get_state_ptr(context, builder, "np"))
            return builder.sext(builder.load(ptr), context.get_value_type(_types.int64))
        return _types.int64(), codegen

    @_intrinsic
    def _mt_set_index(typingctx, value):
        def codegen(context, builder, sig, args):
            ptr = _ri.get_index_ptr(builder, _ri.get_state_ptr(context, builder, "np"))
            builder.store(builder.trunc(args[0], ptr.type.pointee), ptr)
            return context.get_dummy_value()
        return _types.void(_types.int64), codegen

    @_intrinsic
    def _mt_words_ptr(typingctx):
        def codegen(context, builder, sig, args):
            words = _ri.get_array_ptr(builder, _ri.get_state_ptr(context, builder, "np"))
            return builder.bitcast(words, context.get_value_type(_types.CPointer(_types.uint32)))
        return _types.CPointer(_types.uint32)(), codegen

    @_intrinsic
    def _mt_shuffle(typingctx):
        def codegen(context, builder, sig, args):
            builder.call(_ri.get_rnd_shuffle(builder), (_ri.get_state_ptr(context, builder, "np"),))
            return context.get_dummy_value()
        return _types.void(), codegen

    CURSOR = True
except (ImportError, AttributeError):                     # pragma: no cover - other numba versions
    CURSOR = False


if CURSOR:
    @njit(cache=True, inline="always")
    def mt_begin():
        """A cursor on numba's generator: (its words, its index); see :func:`mt_random`.

        Examples
        --------
        >>> from numba import njit
        >>> @njit
        ... def index_now():
        ...     mt, i = mt_begin()
        ...     return len(mt), i
        >>> seed_numba(1, "generation", 0); index_now()        # seeding leaves the words to refill
        (624, 624)
        """
        return _carray(_mt_words_ptr(), (_N_WORDS,)), _mt_index()

    @njit(cache=True, inline="always")
    def mt_end(i):
        """Hand the cursor's index back to numba's generator (see :func:`mt_random`).

        Examples
        --------
        >>> from numba import njit
        >>> @njit
        ... def one():
        ...     mt, i = mt_begin()
        ...     x, i = mt_random(mt, i)
        ...     mt_end(i)
        ...     return x
        >>> seed_numba(2, "generation", 0); a = one(); b = _draw()
        >>> seed_numba(2, "generation", 0); (a, b) == (_draw(), _draw())
        True
        """
        _mt_set_index(i)

    @njit(cache=True, inline="always")
    def mt_u32(mt, i):
        """The next 32-bit output at cursor ``(mt, i)``, and the cursor's new index: numba's
        Mersenne Twister step (refill by numba's shuffle when the index reaches 624, then
        tempering), as ``np.random.randint(0, 2**32)`` gives.

        Examples
        --------
        >>> from numba import njit
        >>> @njit
        ... def first():
        ...     mt, i = mt_begin()
        ...     y, i = mt_u32(mt, i)
        ...     mt_end(i)
        ...     return y
        >>> @njit
        ... def ref():
        ...     return np.random.randint(0, 2**32)
        >>> seed_numba(3, "generation", 0); a = first()
        >>> seed_numba(3, "generation", 0); int(a) == ref()
        True
        """
        if i >= _N_WORDS:
            _mt_shuffle()
            i = 0
        y = mt[i]
        y ^= y >> np.uint32(11)
        y ^= (y << np.uint32(7)) & np.uint32(0x9D2C5680)
        y ^= (y << np.uint32(15)) & np.uint32(0xEFC60000)
        y ^= y >> np.uint32(18)
        return y, i + 1

    @njit(cache=True, inline="always")
    def mt_skip(i, k):
        """The cursor index after ``k`` outputs, skipped without computing them (the words
        are refilled exactly when drawing them would have).

        Examples
        --------
        >>> from numba import njit
        >>> @njit
        ... def after(k, skip):
        ...     mt, i = mt_begin()
        ...     if skip:
        ...         i = mt_skip(i, k)
        ...     else:
        ...         for _ in range(k):
        ...             y, i = mt_u32(mt, i)
        ...     x, i = mt_random(mt, i)
        ...     mt_end(i)
        ...     return x
        >>> seed_numba(4, "generation", 0); a = after(1500, False)
        >>> seed_numba(4, "generation", 0); a == after(1500, True)
        True
        """
        while k > 0:
            if i >= _N_WORDS:
                _mt_shuffle()
                i = 0
            take = min(k, _N_WORDS - i)
            i += take
            k -= take
        return i
else:                                                     # pragma: no cover
    @njit(cache=True)
    def mt_begin():
        """No cursor: the words are not reachable (see :func:`mt_random`).

        Examples
        --------
        >>> len(mt_begin()[0])
        0
        """
        return np.zeros(0, np.uint32), 0

    @njit(cache=True)
    def mt_end(i):
        """Nothing to hand back without a cursor.

        Examples
        --------
        >>> mt_end(0)
        """

    @njit(cache=True)
    def mt_u32(mt, i):
        """The next 32-bit output, from np.random.

        Examples
        --------
        >>> seed_numba(3, "generation", 0); int(mt_u32(mt_begin()[0], 0)[0]) < 2**32
        True
        """
        return np.uint32(np.random.randint(0, 4294967296)), i

    @njit(cache=True)
    def mt_skip(i, k):
        """Draw ``k`` outputs from np.random (nothing to skip without a cursor).

        Examples
        --------
        >>> mt_skip(0, 3)
        0
        """
        for _ in range(k):
            np.random.randint(0, 2)
        return i


@njit(cache=True, inline="always")
def mt_random(mt, i):
    """``np.random.random()`` drawn at cursor ``(mt, i)``: returns the number and the new index.

    Two 32-bit outputs a, b give ``((a >> 5) * 2**26 + (b >> 6)) / 2**53``, numba's (and
    NumPy's legacy) double.  A kernel opens the cursor with :func:`mt_begin`, draws, and closes
    it with :func:`mt_end` before calling np.random or returning.

    Examples
    --------
    >>> from numba import njit
    >>> @njit
    ... def three():
    ...     mt, i = mt_begin()
    ...     out = np.empty(3)
    ...     for k in range(3):
    ...         out[k], i = mt_random(mt, i)
    ...     mt_end(i)
    ...     return out
    >>> seed_numba(5, "generation", 0); a = three()
    >>> seed_numba(5, "generation", 0); a.tolist() == [_draw() for _ in range(3)]
    True
    """
    a, i = mt_u32(mt, i)
    b, i = mt_u32(mt, i)
    return ((a >> np.uint32(5)) * 67108864.0 + (b >> np.uint32(6))) / 9007199254740992.0, i


@njit(cache=True, inline="always")
def mt_chance(mt, i, prob):
    """``np.random.random() < prob`` at cursor ``(mt, i)``: returns the outcome and the new
    index, computing the second 32-bit output only when the first leaves the outcome open.

    The number drawn is N / 2**53 with N = (a >> 5) * 2**26 + (b >> 6) < 2**53, exact in
    float64, so it is below ``prob`` exactly when N < prob * 2**53 (exact too: a power-of-two
    scaling).  The first output fixes N to within 2**26: it alone decides unless
    ``prob * 2**53`` falls inside that interval (a chance of about 2**-27 for a given prob);
    the second output is still taken from the generator either way.

    Examples
    --------
    >>> from numba import njit
    >>> @njit
    ... def outcomes(probs):
    ...     mt, i = mt_begin()
    ...     out = np.empty(len(probs), np.bool_)
    ...     for k in range(len(probs)):
    ...         out[k], i = mt_chance(mt, i, probs[k])
    ...     mt_end(i)
    ...     return out
    >>> probs = np.array([0.5, 0.01, 1e-300, 0.0, 1.0, 2.0, 0.3] * 200)
    >>> seed_numba(7, "generation", 0); a = outcomes(probs); after = _draw()
    >>> seed_numba(7, "generation", 0); b = [_draw() < p for p in probs]
    >>> a.tolist() == b, after == _draw()
    (True, True)
    """
    a, i = mt_u32(mt, i)
    high = (a >> np.uint32(5)) * 67108864.0         # N without the second output's 26 bits
    limit = prob * 9007199254740992.0
    if high >= limit:
        return False, mt_skip(i, 1)
    if high + 67108864.0 <= limit:
        return True, mt_skip(i, 1)
    b, i = mt_u32(mt, i)
    return high + (b >> np.uint32(6)) < limit, i


@njit(cache=True, inline="always")
def mt_below(mt, i, n):
    """``np.random.randint(0, n)`` (1 <= n <= 2**32) drawn at cursor ``(mt, i)``: returns
    the number and the new index.  As numba: no output for n = 1; else the low bits of an
    output, as many as ``n - 1`` needs, drawn again while they are >= n.

    Examples
    --------
    >>> from numba import njit
    >>> @njit
    ... def some(ns):
    ...     mt, i = mt_begin()
    ...     out = np.empty(len(ns), np.int64)
    ...     for k in range(len(ns)):
    ...         out[k], i = mt_below(mt, i, ns[k])
    ...     mt_end(i)
    ...     return out
    >>> @njit
    ... def ref(ns):
    ...     return np.array([np.random.randint(0, n) for n in ns])
    >>> ns = np.array([1, 5, 106, 2, 64, 3, 1000])
    >>> seed_numba(6, "generation", 0); a = some(ns)
    >>> seed_numba(6, "generation", 0); a.tolist() == ref(ns).tolist()
    True
    """
    if n == 1:
        return np.int64(0), i
    bits = 0
    m = n - 1
    while m > 0:
        bits += 1
        m >>= 1
    mask = np.uint32(0xFFFFFFFF) >> np.uint32(32 - bits)
    while True:
        y, i = mt_u32(mt, i)
        r = np.int64(y & mask)
        if r < n:
            return r, i


@njit(cache=True)
def mt_permutation(n):
    """``np.random.permutation(n)``, the same numbers and the same draws, about 1.4x faster:
    numba's Fisher-Yates shuffle of ``arange(n)`` (from the last slot down, slot k swapped
    with ``randint(0, k + 1)``) with its draws taken at a cursor (:func:`mt_below`).

    Examples
    --------
    >>> from numba import njit
    >>> @njit
    ... def ref(n):
    ...     return np.random.permutation(n)
    >>> seed_numba(2, "generation", 0); a = ref(1000); after = _draw()
    >>> seed_numba(2, "generation", 0); b = mt_permutation(1000)
    >>> a.tolist() == b.tolist(), after == _draw()
    (True, True)
    """
    out = np.arange(n)
    mt, i = mt_begin()
    k = n - 1
    while k > 0:
        j, i = mt_below(mt, i, k + 1)
        t = out[k]
        out[k] = out[j]
        out[j] = t
        k -= 1
    mt_end(i)
    return out


@njit(cache=True)
def skip_draws(k):
    """Advance numba's generator by ``k`` 32-bit outputs, as ``k`` calls of
    ``np.random.randint(0, 2)`` would (or of ``randint(0, n)`` for any power of two
    ``2 <= n <= 2**32``: each takes exactly one output), without computing them.

    Examples
    --------
    >>> from numba import njit
    >>> @njit
    ... def coins(k):
    ...     for _ in range(k):
    ...         np.random.randint(0, 2)
    >>> seed_numba(1, "generation", 0); coins(1500); a = _draw()
    >>> seed_numba(1, "generation", 0); skip_draws(1500); a == _draw()
    True
    """
    mt, i = mt_begin()
    mt_end(mt_skip(i, k))


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
