"""The golden cases: short runs of every experiment and treatment, pinned before the engine redesign.

Each case is (protocol file, treatment, seed, overrides).  ``make_golden.py`` wrote their
result.json (without wall time), log.csv and network.txt under ``tests/golden/<experiment>/``;
``tests/test_golden.py`` re-runs them and asserts the files are byte-identical.
"""
LOGIC = "original_protocol/ka2005_logic.toml"
RETINA = "original_protocol/ka2005_retina.toml"
C13 = "original_protocol/clune2013_retina.toml"

_LOGIC_T = ["fixed-g1", "fixed-g2", "mvg", "fixed-g1-cost", "mvg-cost", "mvg-sustained"]
_RETINA_T = ["fixed-and", "fixed-or", "mvg", "fixed-and-cost"]
# pinned with the paper's weight list, the retina's default when they were written (the default
# is now the code's {2, -1, 1, 2}: LEDGER); the engine they pin is the same under either list
PAPER_WEIGHTS = "network.weights=[-2,-1,1,2]"
_C13_T = ["pa", "pcc", "pcc-nc", "pro", "mvg-pa", "mvg-pcc", "pcc-randcoords", "pa-or", "pcc-or",
          "mvg-pa-e10", "mvg-pcc-e100", "pro-fresh"]
# the paper's other problems (Fig. 5), pinned when they were added (issue 15)
_C13_OTHER = [("original_protocol/clune2013_nonmodular.toml", t) for t in ("pa", "pcc")] + \
    [("original_protocol/clune2013_xor5.toml", t) for t in ("pa", "pcc", "pcc-h8")] + \
    [("original_protocol/clune2013_hxor.toml", t) for t in ("pa", "pcc", "pcc-nc")]

CASES = (
    [(LOGIC, t, s, ("run.max_generations=400",)) for t in _LOGIC_T for s in (1, 2)]
    + [(LOGIC, "decay-g2", s, ("run.max_generations=12", "trace.qrand_samples=20")) for s in (1, 2)]
    # a run that solves and stops by its own rule (MVG solves in ~1,000 generations)
    + [(LOGIC, "mvg", 3, ("run.max_generations=3000",))]
    + [(RETINA, t, s, ("run.max_generations=300",)) for t in _RETINA_T for s in (1, 2)]
    + [(C13, t, s, ("run.max_generations=40", "selection.population=200", "run.log_every=1",
                    "analysis.q_every=10", PAPER_WEIGHTS)) for t in _C13_T for s in (1, 2)]
    + [(f, t, s, ("run.max_generations=40", "selection.population=200", "run.log_every=1",
                  "analysis.q_every=10") + ((PAPER_WEIGHTS,) if "retina" in f or "nonmodular" in f else ()))
       for f, t in _C13_OTHER for s in (1, 2)]
)


def case_dir(case) -> str:
    protocol, treatment, seed, _ = case
    experiment = protocol.split("/")[-1].removesuffix(".toml")
    return f"{experiment}/{treatment}/seed-{seed}"
