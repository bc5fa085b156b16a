"""Does each conclusion depend on our choices?  The same experiment under every defensible reading.

Every protocol file has an ``[alternatives]`` table: for each key whose ledger status is
inferred or chosen (and each paper-vs-code disagreement), the values a careful reader could
defend, default first.  A *variant* sets one key (or, with ``pairs``, two keys) to a
non-default value and leaves every other key at its default.  Each variant's runs are
ordinary runs under ``<runs>/<experiment>/multiverse/<key>=<value>/<treatment>/seed-N/``
(the default reading reuses the experiment's own runs), and every published claim of the
experiment is evaluated on each variant with the report's verdict rules; the result is
``<runs>/<experiment>/multiverse.csv`` with one row per (variant, claim).

Examples
--------
>>> vs = variants("original_protocol/ka2005_logic.toml", keys=["selection.tie_break"])
>>> [(v.label, v.overrides) for v in vs]
[('default', ()), ('selection.tie_break=random', (('selection.tie_break', 'random'),))]
"""
from __future__ import annotations

import csv
import io
import itertools
import json
from dataclasses import dataclass
from pathlib import Path

from .executor import RunSpec
from .report import holds_table, multiverse_section  # noqa: F401  (re-exported)
from .protocol import ProtocolError, alternatives_of, load_protocol, treatment_keys
from .store import reanalysis_run, write_atomic

#: Claim quantities read from Qm (which needs a Qmax calibration); "modularity" is the 2005
#: controls' "nonmodular" rule (Qm lower than the reference's).
QM_QUANTITIES = ("qm", "modularity")

COLUMNS = ["key", "value", "treatment", "claim", "published", "ours", "n", "verdict", "effect", "reading"]


@dataclass(frozen=True)
class Variant:
    """One reading of the protocol: its overrides (empty for the default) and a folder-safe label.

    ``label`` names the variant's folder (``key=value``, pairs joined by ``,``), ``key`` and
    ``value`` are the columns of ``multiverse.csv`` (pairs joined by ``+``).

    Examples
    --------
    >>> v = Variant((("selection.elite", 200), ("network.weights", [-1, 1])))
    >>> v.label
    'selection.elite=200,network.weights=[-1,1]'
    >>> v.key, v.value
    ('selection.elite+network.weights', '200+[-1,1]')
    >>> Variant().label, Variant().key
    ('default', 'default')
    """
    overrides: tuple = ()

    @property
    def label(self) -> str:
        if not self.overrides:
            return "default"
        return ",".join(f"{k}={_fmt(v)}" for k, v in self.overrides)

    @property
    def key(self) -> str:
        return "+".join(k for k, _ in self.overrides) or "default"

    @property
    def value(self) -> str:
        return "+".join(_fmt(v) for _, v in self.overrides) or "default"


def _fmt(value) -> str:
    return json.dumps(value, separators=(",", ":")) if not isinstance(value, str) else value


def variants(protocol_path, keys=None, pairs=()) -> list[Variant]:
    """The default reading, then one variant per non-default value of each selected key, then
    (for the keys named in ``pairs``) every pair of non-default values of two of them.

    The values come from the protocol's ``[alternatives]`` table (default first); ``keys``
    defaults to all of its keys; ``KEY=VALUE`` selects one alternative of a key (as its reading
    is labelled).  An unknown key or value raises ``ProtocolError`` listing the known ones.

    Examples
    --------
    >>> path = "original_protocol/clune2013_retina.toml"
    >>> [v.label for v in variants(path, keys=["network.weights"])]
    ['default', 'network.weights=[-2,-1,1,2]']
    >>> len(variants(path)) == 1 + sum(len(v) - 1 for v in alternatives_of(path).values())
    True
    >>> [v.label for v in variants("original_protocol/ka2005_logic.toml", keys=["variation.mutation_operator=bitflip"])]
    ['default', 'variation.mutation_operator=bitflip']
    """
    alts = alternatives_of(protocol_path)
    chosen = selected_values(protocol_path, keys)
    unknown = [k for k in pairs if k not in alts]
    if unknown:
        raise ProtocolError(f"{protocol_path}: no [alternatives] for {unknown}; known: {sorted(alts)}")
    out = [Variant()]
    for k, values in chosen.items():
        out += [Variant(((k, v),)) for v in values]
    for a, b in itertools.combinations(list(dict.fromkeys(pairs)), 2):
        out += [Variant(((a, va), (b, vb))) for va in alts[a][1:] for vb in alts[b][1:]]
    return out


def selected_values(protocol_path, keys=None) -> dict[str, list]:
    """Key -> the non-default values to run: every alternative of a ``KEY``, one of a
    ``KEY=VALUE`` (several may be named); no ``keys``: every key of ``[alternatives]``.

    Examples
    --------
    >>> selected_values("original_protocol/ka2005_logic.toml", ["run.stop", "variation.mutation_operator=bitflip"])
    {'run.stop': ['sustained'], 'variation.mutation_operator': ['bitflip']}
    >>> selected_values("original_protocol/ka2005_logic.toml", ["run.stop=never"])   # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    replication.protocol.ProtocolError: ...: 'never' is not an alternative of run.stop; known: ['sustained']
    """
    alts = alternatives_of(protocol_path)
    out: dict[str, list] = {}
    for entry in (keys or list(alts)):
        k, _, label = entry.partition("=")
        if k not in alts:
            raise ProtocolError(f"{protocol_path}: no [alternatives] for {[k]}; known: {sorted(alts)}")
        others = alts[k][1:]
        if not label:
            out[k] = list(others)
            continue
        match = [v for v in others if _fmt(v) == label]
        if not match:
            raise ProtocolError(f"{protocol_path}: {label!r} is not an alternative of {k}; "
                                f"known: {[_fmt(v) for v in others]}")
        out[k] = [v for v in others if v in out.get(k, []) + match]
    return out


def variant_dir(runs_root, experiment: str, variant: Variant, sets=()) -> Path:
    """Where a variant's runs live.  The default reading reuses the experiment's own runs,
    unless ``--set`` overrides (``sets``) make them other runs than the experiment's; runs under
    ``sets`` live in folders of their own (``<label>@<sets>``), so a shortened multiverse and a
    full-length one never claim the same folder.

    Examples
    --------
    >>> variant_dir("runs", "exp", Variant()).as_posix()
    'runs/exp'
    >>> variant_dir("runs", "exp", Variant((("selection.elite", 200),))).as_posix()
    'runs/exp/multiverse/selection.elite=200'
    >>> variant_dir("runs", "exp", Variant(), sets=[("run.max_generations", 300)]).as_posix()
    'runs/exp/multiverse/default@run.max_generations=300'
    >>> variant_dir("runs", "exp", Variant((("selection.elite", 200),)), [("run.max_generations", 300)]).name
    'selection.elite=200@run.max_generations=300'
    """
    base = Path(runs_root) / experiment
    if not sets:
        return base / "multiverse" / variant.label if variant.overrides else base
    return base / "multiverse" / f"{variant.label}@{Variant(tuple(sets)).label}"


def reading_overrides(protocol_path, treatment: str, variant: Variant, sets=()) -> list[tuple]:
    """The overrides of a treatment's runs under a reading: ``sets``, then the variant's, less
    the keys the treatment's own table sets (see :func:`plan`).

    Examples
    --------
    >>> v = Variant((("run.stop", "sustained"),))
    >>> reading_overrides("original_protocol/ka2005_logic.toml", "mvg", v, [("run.max_generations", 9)])
    [('run.max_generations', 9), ('run.stop', 'sustained')]
    >>> reading_overrides("original_protocol/ka2005_logic.toml", "q-only", v)
    []
    """
    own = treatment_keys(protocol_path, treatment)
    return list(sets) + [(k, value) for k, value in variant.overrides if k not in own]


def plan(protocol_path, variant_list, treatments, seeds, runs_root, sets=()) -> list[RunSpec]:
    """The runs of every variant x treatment x seed (``sets`` apply to all of them).

    A reading does not change a key the treatment's own table sets: that value is the
    treatment's design, not an open choice (e.g. the controls of ka2005_logic stop by their own
    rule under ``run.stop=sustained``); such a run is the default reading's run, read again
    (:func:`split_reanalysis`).

    Examples
    --------
    >>> path = "original_protocol/ka2005_logic.toml"
    >>> vs = variants(path, keys=["selection.tie_break"])
    >>> specs = plan(path, vs, ["mvg"], [1, 2], "runs")
    >>> [Path(s.folder).as_posix() for s in specs]
    ['runs/ka2005_logic/mvg/seed-1', 'runs/ka2005_logic/mvg/seed-2', 'runs/ka2005_logic/multiverse/selection.tie_break=random/mvg/seed-1', 'runs/ka2005_logic/multiverse/selection.tie_break=random/mvg/seed-2']
    >>> specs[2].protocol().selection.tie_break
    'random'
    >>> [s.protocol().run.stop for s in plan(path, variants(path, keys=["run.stop"]), ["mvg", "q-only"], [1], "runs")]
    ['all-goals-solved', 'first-solution', 'sustained', 'first-solution']
    """
    specs = []
    for v in variant_list:
        for t in treatments:
            overrides = reading_overrides(protocol_path, t, v, sets)
            protocol = load_protocol(protocol_path, t, overrides)
            folder = variant_dir(runs_root, protocol.name, v, sets)
            specs += [RunSpec.of(protocol, s, folder / t / f"seed-{s}", overrides)
                      for s in seeds]
    return specs


def split_reanalysis(specs, runs_root, experiment: str, sets=()) -> tuple[list[RunSpec], list]:
    """Split planned runs into those to evolve and those that only re-read the default reading's
    runs: a variant whose overrides change only what the analysis reads (``modularity.*``, for a
    treatment that neither selects on Q nor traces it), or a key the treatment never reads
    (:data:`replication.store.INERT_WHEN`: crowding ties with one objective), evolves draw for
    draw as the default run of the same seed (:func:`replication.store.evolves_identically`), so
    it is not run again.

    Returns ``(to_evolve, [(spec, default run folder), ...])``.

    Examples
    --------
    >>> path = "original_protocol/ka2005_logic.toml"
    >>> vs = variants(path, keys=["modularity.method", "selection.tie_break"])
    >>> specs = plan(path, vs, ["mvg", "q-only"], [1], "runs")
    >>> evolve, reread = split_reanalysis(specs, "runs", "ka2005_logic")
    >>> [Path(s.folder).as_posix() for s in evolve]          # q-only selects on Q: run again
    ['runs/ka2005_logic/mvg/seed-1', 'runs/ka2005_logic/q-only/seed-1', 'runs/ka2005_logic/multiverse/modularity.method=exact/q-only/seed-1', 'runs/ka2005_logic/multiverse/selection.tie_break=random/mvg/seed-1', 'runs/ka2005_logic/multiverse/selection.tie_break=random/q-only/seed-1']
    >>> [(Path(s.folder).as_posix(), src.as_posix()) for s, src in reread]
    [('runs/ka2005_logic/multiverse/modularity.method=exact/mvg/seed-1', 'runs/ka2005_logic/mvg/seed-1')]
    """
    from .store import evolves_identically
    by_folder = {Path(s.folder): s for s in specs}
    base = variant_dir(runs_root, experiment, Variant(), sets)
    evolve, reread = [], []
    for s in specs:
        source = base / s.treatment / f"seed-{s.seed}"
        default = by_folder.get(source)
        if default is not None and default is not s and not evolves_identically(
                json.loads(default.protocol_json), json.loads(s.protocol_json)):
            reread.append((s, source))
        else:
            evolve.append(s)
    return evolve, reread


def run_multiverse(protocol_path, runner, keys=None, pairs=(), runs: int = 20, runs_root="runs", sets=(),
                   treatments=None, calibration_runs: int | None = 10, progress=None,
                   evaluate_only: bool = False, adapt_replicates: int = 0) -> list[dict]:
    """Run every variant's runs (``runner(specs)`` executes RunSpecs), calibrate and analyse them,
    evaluate every published claim of the experiment on each, and write ``multiverse.csv``.

    ``calibration_runs``: Qmax calibration runs per calibration key a variant needs (recorded as
    reduced in qmax.json when fewer than the protocol's; None = the protocol's number); a
    variant is calibrated only if a claim of the experiment reads Qm (:data:`QM_QUANTITIES`).
    ``evaluate_only``: run, calibrate and analyse nothing; evaluate the claims on the runs and
    tables already there (e.g. after a verdict rule changed).
    ``adapt_replicates``: for claims on adaptation times (2013 Fig. 4a), this many adaptation
    runs from each perfect source network among a reading's runs (:func:`adaptation_plan`);
    0: none, and those claims are "no data".
    Returns the rows written.

    Examples
    --------
    A runner that only collects the planned runs: without runs, every claim is "no data".

    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> planned = []
    >>> rows = run_multiverse("original_protocol/clune2013_retina.toml", planned.extend,
    ...                       keys=["network.weights"], runs=2, runs_root=root)
    >>> treatments = {s.treatment for s in planned}      # those the claims need
    >>> {"pa", "pcc"} <= treatments and len(planned) == 2 * 2 * len(treatments)   # readings x seeds
    True
    >>> sorted({r["verdict"] for r in rows}), sorted({r["reading"] for r in rows})
    (['no data'], ['default', 'network.weights=[-2,-1,1,2]'])

    Under ``sets`` (e.g. shortened runs) a reading is named with them: it is another reading.

    >>> rows = run_multiverse("original_protocol/clune2013_retina.toml", lambda specs: None,
    ...                       keys=["network.weights"], runs=1, runs_root=root, sets=[("run.max_generations", 9)])
    >>> sorted({r["reading"] for r in rows})
    ['default@run.max_generations=9', 'network.weights=[-2,-1,1,2]@run.max_generations=9']
    >>> stored = read_csv(root / "clune2013_retina" / "multiverse.csv")
    >>> stored[-len(rows):] == [{k: str(v) for k, v in r.items()} for r in rows]   # after the first call's
    True
    >>> sorted({r["reading"] for r in stored})[:2]
    ['default', 'default@run.max_generations=9']

    A later call for another key (or reading) keeps the rows of the first:

    >>> more = run_multiverse("original_protocol/clune2013_retina.toml", planned.extend,
    ...                       keys=["selection.crowding_ties"], runs=2, runs_root=root)
    >>> sorted({r["key"] for r in read_csv(root / "clune2013_retina" / "multiverse.csv")})
    ['network.weights', 'selection.crowding_ties']
    """
    from .adaptation import adaptation_name
    from .analysis import analyse_experiment, format_published, load_results
    from .calibration import calibrate, calibration_key
    from .protocol import default_treatments, treatments_of
    from .report import (apply_qualitative_rules, claim_treatments, evaluate_results, load_claims,
                         reads_motifs, rule_treatments)
    experiment = load_protocol(protocol_path, None).name
    claims = [c for c in load_claims() if c.experiment == experiment]
    known = treatments_of(protocol_path)
    tested = [c for c in claims if c.kind != "qualitative"]      # claims in words have no rule to test
    adapt_claims = [c for c in tested if c.quantity.startswith("adapt_")] if adapt_replicates else []
    jobs = adaptation_jobs(protocol_path, adapt_claims)
    # by default the treatments the claims need (those in words with a rule too: e.g. the controls
    # and their reference), and the adaptations' sources (e.g. pa-or)
    needed = claim_treatments(tested) + rule_treatments(claims, motifs=True) + [source for _, source, _, _ in jobs]
    treatments = list(dict.fromkeys(treatments or [t for t in needed if t in known]
                                    or default_treatments(protocol_path)))
    seeds = list(range(1, runs + 1))
    # a Qmax calibration only where a claim reads Qm (the Fig. 4 circuits' claims do not)
    needs_qm = any(c.quantity in QM_QUANTITIES for c in claims)
    # a motif analysis of each reading's networks where a claim reads one ("no significant motifs")
    motif_settings = _motif_settings(Path(runs_root) / experiment) if any(map(reads_motifs, claims)) else None
    vs = variants(protocol_path, keys, pairs)
    specs = plan(protocol_path, vs, treatments, seeds, runs_root, sets)
    evolve, reread = split_reanalysis(specs, runs_root, experiment, sets)
    if not evaluate_only:
        runner(evolve)
        for spec, source in reread:     # analysis-only readings: the default runs, read again
            if (source / "result.json").exists():
                reanalysis_run(source, spec.folder, spec.protocol(), spec.seed, spec.overrides)
    # adaptation runs from each reading's perfect networks (after its runs: they are the sources)
    adapt_plans = {v.label: adaptation_plan(protocol_path, jobs, variant_dir(runs_root, experiment, v, sets),
                                            seeds, adapt_replicates, list(sets) + list(v.overrides))
                   for v in vs} if jobs else {}
    if adapt_plans and not evaluate_only:
        runner([spec for specs, _ in adapt_plans.values() for spec in specs])

    others: dict[str, list] = {}

    def other_experiment(name):         # a claim's reference experiment: its main runs, read once
        if name not in others:
            others[name] = load_results(Path(runs_root) / name)
        return others[name]
    rows = []
    for v in vs:
        folder = variant_dir(runs_root, experiment, v, sets)
        done = set()
        for t in treatments if not evaluate_only else ():
            p = load_protocol(protocol_path, t, reading_overrides(protocol_path, t, v, sets))
            mod = p.sections.get("modularity")
            if needs_qm and mod is not None and mod.qmax_method == "evolve" and calibration_key(p) not in done:
                done.add(calibration_key(p))
                calibrate(p, runs_root, runner, calibration_runs)
        if not evaluate_only:
            analyse_experiment(folder, runs_root=runs_root)
        results = [r for r in load_results(folder) if r["treatment"] in treatments and r["seed"] in seeds]
        adapt = (adaptation_times(folder, adapt_plans[v.label][1], adapt_replicates)
                 if v.label in adapt_plans else {})
        verdicts = evaluate_results(claims, results, adapt)
        # statements in words with a rule (e.g. "separates inputs"), as the report tests them
        motifs = (reading_motifs(folder, results, *motif_settings, compute=not evaluate_only)
                  if motif_settings else None)
        apply_qualitative_rules(verdicts, results, motifs, other_experiment)
        evaluated = []
        for c, row in zip(claims, verdicts):
            involved = [c.a, c.b] if c.kind == "contrast" else [c.published.get("runs_of", c.treatment)]
            if c.quantity.startswith("adapt_"):     # n: source networks (the unit of its CI)
                n = sum(len(adapt.get(adaptation_name(t, c.quantity), [])) for t in involved)
            else:
                n = sum(r["treatment"] in involved for r in results)
            evaluated.append({"treatment": c.treatment or f"{c.a}-vs-{c.b}", "claim": c.id,
                              "published": format_published(c.published) if c.kind != "contrast"
                              else c.published.get("published", ""),
                              "ours": row.ours, "n": n,
                              "verdict": row.verdict.label, "effect": _effect(row.ours)})
        if v.overrides:
            rows += rows_for(v, evaluated, reading=folder.name if sets else None)
        else:           # the default reading: one row set per key, under the key's default value
            alts = alternatives_of(protocol_path)
            for k in dict.fromkeys(list(selected_values(protocol_path, keys)) + list(pairs)):
                rows += rows_for(Variant(((k, alts[k][0]),)), evaluated,
                                 reading=folder.name if sets else "default")
        if progress:
            progress(v)
    path = Path(runs_root) / experiment / "multiverse.csv"
    mine = {(r["key"], r["reading"]) for r in rows}
    kept = [r for r in read_csv(path) if (r["key"], r["reading"]) not in mine] if path.exists() else []
    write_csv(path, kept + rows)        # other readings' rows, from earlier calls, are kept
    return rows


#: a reading's motif analysis, in its folder (the experiment's own motifs.json covers all its runs)
MOTIFS_FILE = "multiverse-motifs.json"


def _motif_settings(experiment_dir: Path) -> tuple[list[int], int]:
    """(sizes, random networks per network) of the experiment's own motif analysis
    (``motifs.json``, :func:`replication.analysis.motif_profiles`), so that every reading is
    analysed as the default is; without one, sizes 3 and 4 and 100 random networks."""
    path = experiment_dir / "motifs.json"
    if path.exists():
        done = json.loads(path.read_text())
        return list(done["sizes"]), int(done["n_random"])
    return [3, 4], 100


def reading_motifs(folder: Path, results: list[dict], sizes, n_random: int, compute: bool = True) -> dict | None:
    """The motif profiles of one reading's solved runs among ``results``, in ``folder /``
    :data:`MOTIFS_FILE`: made once, made again only when the runs changed; with ``compute``
    false, only read (None when not made).

    Examples
    --------
    >>> import tempfile
    >>> from replication.api import run_evolution
    >>> from replication.analysis import load_results
    >>> root = Path(tempfile.mkdtemp())
    >>> small = {"selection.population": 20, "selection.elite": 6, "run.max_generations": 5}
    >>> _ = run_evolution("ka2005_logic", "mvg", 1, root / "mvg" / "seed-1", small)
    >>> reading_motifs(root, load_results(root), [3], 5, compute=False) is None
    True
    >>> reading_motifs(root, load_results(root), [3], 5)["n_networks"]      # the run did not solve
    {'mvg': 0}
    >>> (root / MOTIFS_FILE).is_file()
    True

    A call for fewer treatments keeps the profiles of the others:

    >>> _ = run_evolution("ka2005_logic", "fixed-g1", 1, root / "fixed-g1" / "seed-1", small)
    >>> sorted(reading_motifs(root, load_results(root), [3], 5)["n_networks"])
    ['fixed-g1', 'mvg']
    >>> only_mvg = [r for r in load_results(root) if r["treatment"] == "mvg"]
    >>> sorted(reading_motifs(root, only_mvg, [3], 5)["n_networks"])
    ['fixed-g1', 'mvg']
    """
    from .analysis import motif_profiles
    from .store import write_json
    path = Path(folder) / MOTIFS_FILE
    solved = [r for r in results if r.get("solved_generation") is not None]
    runs = {t: [r["_folder"] for r in solved if r["treatment"] == t] for t in sorted({r["treatment"] for r in results})}
    done = json.loads(path.read_text()) if path.exists() else None
    if done is not None and not compute:
        return done
    if not compute:
        return None
    # a treatment's profile depends on its own networks only: keep the stored treatments whose
    # runs are the same (a call for fewer treatments keeps the others'), make the rest
    same = done is not None and done.get("sizes") == list(sizes) and done.get("n_random") == n_random
    kept = {t for t in (done or {}).get("runs", {}) if same and done["runs"][t] == runs.get(t, done["runs"][t])}
    todo = [t for t in runs if t not in kept]
    if not todo:
        return done
    made = motif_profiles(folder, sizes, n_random, True, results=[r for r in results if r["treatment"] in todo],
                          path=path)
    if kept:
        for part in ("n_networks", "runs", "treatments"):
            made[part] = dict(sorted({**{t: done[part][t] for t in kept}, **made[part]}.items()))
        write_json(path, made)
    return made


def adaptation_jobs(protocol_path, claims) -> list[tuple[str, str, str, str]]:
    """(treatment, source treatment, from goal, to goal) of every adaptation the claims read
    (quantities ``adapt_<from>_to_<to>``), each once.

    Examples
    --------
    >>> from replication.report import load_claims
    >>> cs = [c for c in load_claims() if c.experiment == "clune2013_retina" and c.quantity.startswith("adapt_")]
    >>> sorted(adaptation_jobs("original_protocol/clune2013_retina.toml", cs))
    [('pa', 'pa', 'AND', 'OR'), ('pa', 'pa-or', 'OR', 'AND'), ('pcc', 'pcc', 'AND', 'OR'), ('pcc', 'pcc-or', 'OR', 'AND')]
    """
    from .adaptation import adaptation_goals, source_treatment_for
    wanted = dict.fromkeys((t, *adaptation_goals(c.quantity)) for c in claims
                           for t in ([c.a, c.b] if c.kind == "contrast" else [c.treatment]))
    return [(t, source_treatment_for(protocol_path, t, frm), frm, to) for t, frm, to in wanted]


def adaptation_plan(protocol_path, jobs, folder: Path, seeds, replicates: int, overrides=()):
    """One reading's adaptation runs: ``replicates`` runs from each of its runs (``seeds``)
    whose network is perfect on the goal adapted from, for every adaptation of ``jobs``
    (:func:`adaptation_jobs`).

    The paper ran additional trials until 50 networks per treatment were perfect; a reading
    uses the perfect ones among its own runs (no additional trials), so the runs of one
    reading and the default's are comparable in design.  The default reading's runs are the
    experiment's own adaptation runs (the same networks, replicate seeds 1..``replicates``).

    Returns ``(specs, {adaptation name: source seeds})``.

    Examples
    --------
    >>> import tempfile
    >>> from replication.report import load_claims
    >>> from replication.store import run_dir, write_json
    >>> root = Path(tempfile.mkdtemp())
    >>> for seed, acc in ((1, 1.0), (2, 0.95), (3, 1.0)):
    ...     write_json(run_dir(root, "clune2013_retina", "pa", seed) / "result.json",
    ...                {"seed": seed, "genome": [0] * 121, "best_accuracy": {"AND": acc}})
    >>> path = "original_protocol/clune2013_retina.toml"
    >>> jobs = adaptation_jobs(path, [c for c in load_claims() if c.id == "clune2013_retina/pa/adapt_and_to_or"])
    >>> specs, sources = adaptation_plan(path, jobs, root / "clune2013_retina", [1, 2, 3], 2)
    >>> sources, [Path(s.folder).relative_to(root).as_posix() for s in specs][:2]
    ({'pa-AND-to-OR': [1, 3]}, ['clune2013_retina/adapt/pa-AND-to-OR/net-1/rep-1', 'clune2013_retina/adapt/pa-AND-to-OR/net-1/rep-2'])
    """
    from .adaptation import MAX_GENERATIONS, adaptation_specs, perfect_networks
    specs, chosen = [], {}
    wanted = set(seeds)
    for t, source, frm, to in jobs:
        nets = [r for r in perfect_networks(folder, source, frm) if r["seed"] in wanted]
        chosen[f"{t}-{frm}-to-{to}"] = [r["seed"] for r in nets]     # as adaptation_name names it
        specs += adaptation_specs(protocol_path, folder, t, nets, frm, to, replicates, MAX_GENERATIONS, overrides)
    return specs, chosen


def adaptation_times(folder: Path, sources: dict, replicates: int) -> dict[str, list[list[int]]]:
    """Generations to adapt per adaptation name, one list per source network of ``sources``
    (:func:`adaptation_plan`), replicates 1..``replicates`` only (the experiment's own folder
    may hold more); networks without a finished run are left out.

    Examples
    --------
    >>> import tempfile
    >>> from replication.store import adaptation_run_dir, write_json
    >>> root = Path(tempfile.mkdtemp())
    >>> for net, rep, gens in ((1, 1, 12), (1, 2, 40), (1, 3, 9), (4, 1, 7), (5, 1, 3)):
    ...     write_json(adaptation_run_dir(root, "exp", "pa-AND-to-OR", net, rep) / "result.json",
    ...                {"generations_run": gens})
    >>> adaptation_times(root / "exp", {"pa-AND-to-OR": [1, 4]}, 2)
    {'pa-AND-to-OR': [[12, 40], [7]]}
    """
    from .analysis import read_adaptation_runs
    runs = read_adaptation_runs(folder)
    out = {}
    for name, seeds in sources.items():
        nets = runs.get(name, {})
        clusters = [[r.result["generations_run"] for r in sorted(nets[s], key=lambda r: r.replicate)
                     if r.replicate <= replicates] for s in seeds if s in nets]
        out[name] = [c for c in clusters if c]
    return out


def _effect(ours: str) -> str:
    """The effect size shown in a cell: our value(s) as the report prints them (compact)."""
    return " ".join(str(ours).split())[:60]


def rows_for(variant: Variant, evaluated: list[dict], reading: str | None = None) -> list[dict]:
    """multiverse.csv rows of one variant from evaluated claims (dicts with claim, treatment,
    published, ours, n, verdict, effect); ``reading`` names the reading (default: the variant's
    label; the default reading is listed under each key's default value, as reading "default").

    Examples
    --------
    >>> rows = rows_for(Variant((("selection.elite", 200),)), [{"claim": "c", "verdict": "reproduced"}])
    >>> rows[0]["key"], rows[0]["value"], rows[0]["verdict"], rows[0]["reading"], rows[0]["n"]
    ('selection.elite', '200', 'reproduced', 'selection.elite=200', '')
    """
    return [{"key": variant.key, "value": variant.value, **{c: e.get(c, "") for c in COLUMNS[2:-1]},
             "reading": reading or variant.label} for e in evaluated]


def write_csv(path: Path, rows: list[dict]) -> None:
    """Write ``multiverse.csv``: the :data:`COLUMNS`, one row per (reading, claim), atomically.

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "multiverse.csv"
    >>> write_csv(path, rows_for(Variant(), [{"claim": "c", "verdict": "no data", "n": 0}]))
    >>> path.read_text().splitlines()[0] == ",".join(COLUMNS)
    True
    """
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=COLUMNS, extrasaction="ignore")
    w.writeheader()
    w.writerows(rows)
    write_atomic(Path(path), buf.getvalue())


def read_csv(path: Path) -> list[dict]:
    """The rows of a ``multiverse.csv`` (every value a string), as :func:`write_csv` wrote them.

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "multiverse.csv"
    >>> write_csv(path, rows_for(Variant(), [{"claim": "c", "verdict": "no data", "n": 0}]))
    >>> row = read_csv(path)[0]
    >>> row["claim"], row["verdict"], row["n"], row["reading"]
    ('c', 'no data', '0', 'default')
    """
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))
