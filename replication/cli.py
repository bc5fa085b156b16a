"""Command line: thin wrappers that parse, call and print."""
from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import click

from .adaptation import MAX_GENERATIONS as MAX_ADAPT_GENERATIONS
from .protocol import ProtocolError, default_treatments, load_protocol, parse_override
from .store import StoreError

# Commands whose work is checkpointed: an interrupted one resumes where it stopped.
RESUMABLE = {"run", "replicate", "analyse", "adapt", "compare", "motif-profile"}
INTERRUPTED = "interrupted; the run resumes from its last checkpoint"


def _overrides(values) -> list:
    try:
        return [parse_override(v) for v in values]
    except ProtocolError as exc:
        raise click.BadParameter(str(exc)) from None


class ProtocolParam(click.ParamType):
    """A protocol given by experiment name (``ka2005_logic``, see `replication list`) or by path."""
    name = "PROTOCOL"

    def convert(self, value, param, ctx):
        from .catalog import protocol_path
        try:
            return str(protocol_path(value))
        except ProtocolError as exc:
            self.fail(str(exc), param, ctx)


PROTOCOL = ProtocolParam()


def _load(path, treatment, overrides):
    try:
        return load_protocol(path, treatment, overrides)
    except ProtocolError as exc:
        raise click.ClickException(str(exc)) from None


def backend_options(command):
    """The executor options every command that runs many runs takes: --jobs (local process
    pool, the default), --cluster local:N, --scheduler ADDRESS, --cluster-config FILE (Dask)."""
    options = [
        click.option("--jobs", "-j", type=click.IntRange(min=1), default=1, show_default=True,
                     help="worker processes"),
        click.option("--cluster", default=None, metavar="local:N",
                     help="run on a Dask LocalCluster of N worker processes"),
        click.option("--scheduler", default=None, metavar="ADDRESS",
                     help="run on an existing Dask cluster, e.g. tcp://10.0.0.5:8786 (shared storage needed)"),
        click.option("--cluster-config", type=click.Path(exists=True, dir_okay=False), default=None,
                     help="run on SLURM or PBS through dask-jobqueue, as this TOML file describes"),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _backend(jobs, cluster, scheduler, cluster_config):
    from .executor import Backend, ExecutorError
    try:
        return Backend.from_options(jobs, cluster, scheduler, cluster_config)
    except ExecutorError as exc:
        raise click.UsageError(str(exc)) from None


def _for_backend(backend, *paths) -> list[str]:
    """Paths as the workers must see them: absolute on a Dask cluster (workers have their own
    working directories), unchanged otherwise."""
    return [str(Path(p).resolve()) if backend.dask else p for p in paths]


def _run_specs(specs, backend, stage: str, quiet: bool = False) -> int:
    """Run the specs not yet finished on ``backend`` behind a progress display; how many ran."""
    from .executor import ExecutorError, job_tasks, pending, run_tasks
    from .progress import Progress
    todo = pending(specs)
    if todo:
        tasks = job_tasks(todo)
        with Progress(stage, [(t.label, t.units) for t in tasks], mode="quiet" if quiet else "auto",
                      stream=sys.stderr) as bar:
            try:
                run_tasks(tasks, backend, bar)
            except ExecutorError as exc:
                raise click.ClickException(str(exc)) from None
    return len(todo)


class GuardedGroup(click.Group):
    """A click group whose commands never end in a traceback.

    Bad input (a protocol, a network file, a run folder, a manifest), file-system errors
    (missing or unwritable paths, a full disk), decoding errors (not UTF-8, JSON, CSV, XML)
    and solver errors become one line naming the file, exit status 1; click's own usage
    errors keep exit status 2; Ctrl-C prints one line and exits with 130.  Set
    ``REPLICATION_DEBUG=1`` to see the Python traceback instead.
    """

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except KeyboardInterrupt:
            if os.environ.get("REPLICATION_DEBUG"):
                raise
            command = ctx.invoked_subcommand
            click.echo(INTERRUPTED if command in RESUMABLE else "interrupted", err=True)
            ctx.exit(130)
        except Exception as exc:       # noqa: BLE001 - the whole point: one line, no traceback
            if os.environ.get("REPLICATION_DEBUG"):
                raise
            raise click.ClickException(describe_error(exc)) from None


def describe_error(exc: BaseException) -> str:
    """One line saying what went wrong and in which file (found on the exception or, for
    decoders that do not record it, in the frames the exception passed through)."""
    import csv
    from xml.etree.ElementTree import ParseError
    from .modularity import ModularityError
    where = _file_of(exc)
    prefix = f"{where}: " if where and where not in str(exc) else ""
    if isinstance(exc, (ProtocolError, StoreError)):
        text = str(exc)
    elif isinstance(exc, OSError):
        import errno
        reason = exc.strerror or str(exc) or type(exc).__name__
        if exc.errno == errno.ENOSPC:
            reason = "no space left on the device (disk full)"
        name = exc.filename if exc.filename is not None else where
        text = f"{name}: {reason}" if name else reason
        if exc.filename2:
            text += f" (-> {exc.filename2})"
    elif isinstance(exc, UnicodeDecodeError):
        text = f"{prefix}not UTF-8 text (byte {exc.start}): not the kind of file expected"
    elif isinstance(exc, json.JSONDecodeError):
        text = f"{prefix}not valid JSON ({exc.msg}, line {exc.lineno} column {exc.colno}): corrupt file?"
    elif isinstance(exc, csv.Error):
        text = f"{prefix}not valid CSV ({exc}): corrupt file?"
    elif isinstance(exc, ParseError):
        text = f"{prefix}not valid XML ({exc})"
    elif isinstance(exc, ModularityError):
        text = f"{prefix}{exc}"
    elif isinstance(exc, MemoryError):
        text = f"{prefix}out of memory (the input is too large for this command)"
    elif isinstance(exc, (ValueError, KeyError, TypeError, IndexError)):
        text = f"{prefix}invalid or corrupt input: {type(exc).__name__}: {exc}"
    else:
        text = (f"{prefix}internal error {type(exc).__name__}: {exc} (please report it; "
                f"REPLICATION_DEBUG=1 shows the traceback)")
    return " ".join(text.split())          # one line


_PATH_NAMES = ("path", "file", "filename", "fname", "fh", "f", "log", "ckpt", "run_json", "manifest",
               "qmax_path", "source")


def _file_of(exc: BaseException) -> str | None:
    """The file an exception is about: its ``filename``, else the innermost frame variable
    with a usual name for a path that holds one (decoders record no file name)."""
    if getattr(exc, "filename", None):
        return str(exc.filename)
    tb, frames = exc.__traceback__, []
    while tb is not None:
        frames.append(tb.tb_frame)
        tb = tb.tb_next
    for frame in reversed(frames):
        local = frame.f_locals
        for name in _PATH_NAMES:
            value = local.get(name)
            if isinstance(value, os.PathLike):
                return os.fspath(value)
            if isinstance(getattr(value, "name", None), str) and hasattr(value, "read"):
                return value.name
            if isinstance(value, str) and 0 < len(value) < 4096 and os.path.exists(value):
                return value
    return None


@click.group(cls=GuardedGroup)
@click.version_option(package_name="replication")
def main():
    """Replicate Kashtan & Alon (2005) and Clune, Mouret & Lipson (2013)."""


# --------------------------------------------------------------------------- list
@main.command("list")
@click.argument("names", nargs=-1, type=PROTOCOL)
def list_(names):
    """The shipped experiments (or NAMES), their treatments and descriptions.

    Each experiment's name works wherever a PROTOCOL is asked for; `*` marks the treatments
    `replication replicate` runs by default."""
    from .catalog import experiment, experiments, protocol_dir
    names = list(names) or [str(protocol_dir() / f"{n}.toml") for n in experiments()]
    for k, name in enumerate(names):
        exp = experiment(name)
        if k:
            click.echo("")
        click.echo(f"{exp.name}  [{exp.kind}]  {exp.path}")
        click.echo(f"  {exp.description}")
        width = max((len(t) for t in exp.treatments), default=0)
        for t, text in exp.treatments.items():
            mark = "*" if t in exp.default_treatments else " "
            click.echo(f"  {mark} {t:<{width}}  {text}".rstrip())


# --------------------------------------------------------------------------- run
@main.command()
@click.argument("protocol", type=PROTOCOL)
@click.option("--treatment", "-t", required=True, help="named treatment in the protocol file")
@click.option("--seed", "-s", type=click.IntRange(min=0), required=True)
@click.option("--out", "-o", type=click.Path(file_okay=False), required=True, help="run folder")
@click.option("--generations", "-g", type=click.IntRange(min=1), default=None,
              help="override run.max_generations (recorded in the run folder)")
@click.option("--set", "sets", multiple=True, metavar="KEY=VALUE",
              help="override a protocol parameter, e.g. --set selection.elite=200")
@click.option("--quiet", "-q", is_flag=True)
def run(protocol, treatment, seed, out, generations, sets, quiet):
    """Run (or resume) one evolution run into OUT.

    PROTOCOL is an experiment name (see `replication list`) or a protocol file."""
    from .evolve import evolve
    overrides = _overrides(sets)
    if generations is not None:
        overrides.append(("run.max_generations", generations))
    proto = _load(protocol, treatment, overrides)
    _check_run_folder(Path(out))
    total = proto.run.max_generations
    last = [time.monotonic()]

    def progress(gen, _total):
        now = time.monotonic()
        if not quiet and now - last[0] > 2:
            last[0] = now
            click.echo(f"  generation {gen:,} / {total:,}", err=True)

    result = evolve(proto, seed, out, overrides=overrides, progress=progress)   # StoreError: see GuardedGroup
    shown = {k: v for k, v in result.items() if k != "genome"}
    click.echo(json.dumps(shown, indent=2, sort_keys=True))


def _check_run_folder(out: Path) -> None:
    """Refuse an --out that holds files but is not a run folder: a run never deletes or
    overwrites files it did not write."""
    if out.exists() and not out.is_dir():
        raise click.ClickException(f"--out {out}: exists and is not a folder")
    # a folder holding files but no run.json is refused by the store (RunStore.prepare)


# --------------------------------------------------------------------------- replicate
@main.command()
@click.argument("protocol", type=PROTOCOL)
@click.option("--treatment", "-t", "treatments", multiple=True,
              help="treatments to run (default: the file's default_treatments)")
@click.option("--runs", "-n", type=click.IntRange(min=1), default=None,
              help="runs per treatment (default: run.runs)")
@click.option("--first-seed", type=click.IntRange(min=0), default=1, show_default=True)
@backend_options
@click.option("--out", "-o", type=click.Path(file_okay=False), default="runs", show_default=True,
              help="runs folder; each run goes to OUT/<experiment>/<treatment>/seed-N")
@click.option("--set", "sets", multiple=True, metavar="KEY=VALUE")
@click.option("--quiet", "-q", is_flag=True, help="no progress output (plain lines when stderr is not a terminal)")
def replicate(protocol, treatments, runs, first_seed, jobs, cluster, scheduler, cluster_config, out, sets,
              quiet):
    """Run every treatment x seed; skips finished runs, resumes unfinished ones."""
    from .executor import pending, plan
    overrides = _overrides(sets)
    backend = _backend(jobs, cluster, scheduler, cluster_config)
    protocol, out = _for_backend(backend, protocol, out)
    treatments = list(treatments) or default_treatments(protocol)
    if not treatments:
        raise click.ClickException(f"{protocol}: no treatments to run")
    jobs_all = []
    for t in treatments:                       # each treatment its own run.runs, unless --runs
        proto = _load(protocol, t, overrides)  # (and fail early on a bad treatment)
        n = runs if runs is not None else proto.run.runs
        jobs_all += plan(protocol, [t], range(first_seed, first_seed + n), out, overrides)
    todo = pending(jobs_all)
    if not quiet:
        click.echo(f"{proto.name}: {len(jobs_all)} runs ({len(treatments)} treatments), "
                   f"{len(jobs_all) - len(todo)} already finished, {len(todo)} to run on "
                   f"{backend.describe()}", err=True)
    if todo:
        started = time.monotonic()
        _run_specs(todo, backend, "runs", quiet)
        if not quiet:
            click.echo(f"wall time {time.monotonic() - started:,.1f} s", err=True)


# --------------------------------------------------------------------------- summary
@main.command()
@click.argument("experiment_dir", type=click.Path(exists=True, file_okay=False))
@click.option("--csv", "csv_out", type=click.Path(dir_okay=False), default=None,
              help="also write the one-row-per-run table here")
def summary(experiment_dir, csv_out):
    """Table of finished runs per treatment, beside the published values."""
    from .analysis import (load_results, markdown_table, summary_rows, summary_rows_2013, tidy_table,
                           to_csv)
    results = load_results(experiment_dir)
    if not results:
        raise click.ClickException(f"no finished runs under {experiment_dir}")
    experiment = results[0]["experiment"]
    click.echo(f"## {experiment}: {len(results)} finished runs ({experiment_dir})\n")
    rows = (summary_rows_2013(results, experiment) if "performance" in results[0]
            else summary_rows(results, experiment))
    click.echo(markdown_table(rows))
    if csv_out:
        Path(csv_out).write_text(to_csv(tidy_table(results)))


# --------------------------------------------------------------------------- modularity
@main.command()
@click.argument("protocol", type=click.Path(exists=True, dir_okay=False))
@click.option("--treatment", "-t", "treatments", multiple=True, help="treatments whose recipe to calibrate "
              "(default: the file's default_treatments; treatments that share a calibration key run it once)")
@click.option("--runs", "-n", type=click.IntRange(min=1), default=None,
              help="calibration runs (default: modularity.qmax_runs; fewer is recorded as reduced)")
@backend_options
@click.option("--out", "-o", type=click.Path(file_okay=False), default="runs", show_default=True,
              help="runs folder; calibrations go to OUT/<experiment>/calibration/<key>/")
@click.option("--set", "sets", multiple=True, metavar="KEY=VALUE")
@click.option("--quiet", "-q", is_flag=True, help="no progress output")
def calibrate(protocol, treatments, runs, jobs, cluster, scheduler, cluster_config, out, sets, quiet):
    """Calibrate Qm once per recipe: Qmax by evolution (ordinary runs) and the random-genome Qrand."""
    from .calibration import calibrate as run_calibration, calibration_dir, calibration_key
    backend = _backend(jobs, cluster, scheduler, cluster_config)
    protocol, out = _for_backend(backend, protocol, out)
    done = set()
    for t in list(treatments) or default_treatments(protocol):
        proto = _load(protocol, t, _overrides(sets))
        if proto.sections.get("modularity") is None:
            raise click.ClickException(f"{protocol}: this experiment's measure is raw Q; nothing to calibrate")
        if calibration_key(proto) in done:
            continue
        done.add(calibration_key(proto))
        res = run_calibration(proto, out, lambda specs, p=proto: _run_calibration(p, specs, backend, quiet),
                              runs)
        click.echo(f"{proto.name} ({t}): calibration in {calibration_dir(out, proto)}", err=True)
        if res["qmax"]:
            click.echo(f"{proto.name} ({t}): Qmax = {res['qmax']['q_max']:.4f} ({res['qmax']['method']})")
        if res["qrand_genome"]:
            click.echo(f"{proto.name} ({t}): random-genome Qrand ({res['qrand_genome']['method']})")


def _run_calibration(proto, specs, backend, quiet: bool = False) -> None:
    """Run the calibration runs not yet finished, with progress."""
    from .executor import pending
    todo = pending(specs)
    if not quiet:
        click.echo(f"{proto.name}: {len(specs)} calibration runs, {len(specs) - len(todo)} finished, "
                   f"{len(todo)} to run on {backend.describe()}", err=True)
    _run_specs(todo, backend, "Qmax runs", quiet)


@main.command()
@click.argument("experiment_dir", type=click.Path(exists=True, file_okay=False))
def analyse(experiment_dir):
    """Q, exact Q, Qrand, Qmax and Qm of every finished run -> EXPERIMENT_DIR/tables/.

    Reads the runs and the Qmax calibration (`replication calibrate`); writes
    tables/modularity.csv and tables/runs.csv; never writes inside a run folder."""
    from .analysis import _iter_results, analyse_experiment
    n = sum(1 for _ in _iter_results(experiment_dir))
    if n == 0:
        raise click.ClickException(f"no finished runs under {experiment_dir}")
    with click.progressbar(length=n, label="modularity", file=sys.stderr) as bar:
        res = analyse_experiment(experiment_dir, progress=lambda: bar.update(1))
    click.echo(f"{res['runs']} runs -> {res['tables']}", err=True)
    for treatment, source in res["missing_calibration"].items():
        click.echo(f"no Qmax calibration for {treatment}: Qm left empty; "
                   f"run `replication calibrate {source}` first", err=True)


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["auto", "mfinder", "edgelist", "graphml"]),
              default="auto", show_default=True)
@click.option("--directed/--undirected", default=False, show_default=True,
              help="Leicht-Newman directed Q, or Newman-Girvan Q of the undirected graph")
@click.option("--method", type=click.Choice(["exact", "greedy", "girvan-newman", "spectral", "louvain"]),
              default="greedy", show_default=True)
@click.option("--nrand", type=click.IntRange(min=0), default=None,
              help="randomised networks for Qrand (default: 1000 when --calibration is given)")
@click.option("--swaps", type=click.IntRange(min=1), default=10, show_default=True,
              help="swaps per edge per randomisation")
@click.option("--calibration", type=click.Path(exists=True, file_okay=False), default=None,
              help="a calibration folder holding qmax.json (made by `replication analyse`)")
@click.option("--qmax-hillclimb", type=click.IntRange(min=1), default=None, metavar="CLIMBS",
              help="estimate Qmax by this many degree-preserving hill climbs instead")
@click.option("--inputs/--no-inputs", "include_inputs", default=True, show_default=True,
              help="keep nodes without incoming edges (a circuit's inputs)")
@click.option("--output", "output_node", default=None,
              help="keep only nodes with a directed path to this node")
@click.option("--self-loops/--no-self-loops", default=False, show_default=True)
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True)
@click.option("--max-nodes", type=click.IntRange(min=1), default=None,
              help="raise (or lower) the method's size limit; default: "
                   "exact 60, girvan-newman 300, greedy and spectral 200,000 nodes")
@click.option("--time-limit", type=click.FloatRange(min=0, min_open=True), default=120.0,
              show_default=True, help="seconds the exact solver may run; if it stops before "
                                      "proving optimality the command fails with the bound and gap")
@click.option("--json", "as_json", is_flag=True)
def qm(file, fmt, directed, method, nrand, swaps, calibration, qmax_hillclimb, include_inputs,
       output_node, self_loops, seed, max_nodes, time_limit, as_json):
    """Q, best partition, and (with a Qmax) Qrand and Qm of a network file.

    Each method has a size limit (--max-nodes raises it); `exact` either proves its
    partition optimal within --time-limit or fails with the best Q, the bound and the gap."""
    from .modularity import Recipe, apply_recipe, check_size, prepare_graph, read_graph
    from .store import read_json
    try:
        g = read_graph(file, fmt)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    if output_node is not None:
        output_node = int(output_node) if output_node.lstrip("-").isdigit() else output_node
        if output_node not in g:
            raise click.ClickException(f"--output {output_node!r} is not a node of {file}")
    sources = [n for n in g if g.in_degree(n) == 0]
    probe = prepare_graph(g, include_inputs=include_inputs, drop_isolated=True, self_loops=self_loops,
                          output=output_node, inputs=sources)
    if probe.number_of_edges() == 0:
        raise click.ClickException(f"{file}: no edges to analyse (empty file, or every node filtered out)")
    check_size(probe.number_of_nodes(), method, max_nodes)
    q_max = None
    if calibration:
        qmax_path = Path(calibration) / "qmax.json"
        if not qmax_path.exists():
            raise click.ClickException(f"{qmax_path} not found")
        cal = read_json(qmax_path)
        if not isinstance(cal, dict) or not isinstance(cal.get("q_max"), (int, float)) \
                or isinstance(cal.get("q_max"), bool) or cal["q_max"] != cal["q_max"]:
            raise click.ClickException(f"{qmax_path}: no numeric 'q_max' (corrupt calibration?)")
        q_max = {"q_max": float(cal["q_max"]), "method": str(cal.get("method", "calibration"))}
    if nrand is None:
        nrand = 1000 if (q_max is not None or qmax_hillclimb) else 0
    recipe = Recipe(method=method, directed=directed, include_inputs=include_inputs, drop_isolated=True,
                    self_loops=self_loops, qrand_method="swap" if nrand else None, qrand_samples=nrand,
                    qrand_swaps_per_edge=swaps, qmax_method="hillclimb" if qmax_hillclimb else None,
                    qmax_runs=qmax_hillclimb or 10)
    rep = apply_recipe(g, recipe, seed=seed, q_max=q_max, output=output_node, inputs=sources,
                       max_nodes=max_nodes, time_limit=time_limit)
    if as_json:
        click.echo(json.dumps(rep.to_dict(), default=lambda o: o.item() if hasattr(o, "item") else str(o)))
        return
    click.echo(f"Q = {rep.q:.4f}  ({method}, {'directed' if directed else 'undirected'}; "
               f"{rep.n_nodes} nodes, {rep.n_edges} edges)")
    for i, c in enumerate(rep.partition, 1):
        click.echo(f"  module {i}: {' '.join(map(str, c))}")
    if rep.q_rand is not None:
        click.echo(f"Qrand = {rep.q_rand:.4f} +- {rep.q_rand_sd:.4f} (SD; {rep.q_rand_method})")
    if rep.q_max is not None:
        click.echo(f"Qmax = {rep.q_max:.4f} ({rep.q_max_method})")
    if rep.qm is not None:
        click.echo(f"Qm = {rep.qm:.4f}")


# --------------------------------------------------------------------------- motifs
@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["auto", "mfinder", "edgelist", "graphml"]),
              default="auto", show_default=True)
@click.option("--size", "-s", type=click.Choice(["3", "4"]), default="3", show_default=True)
@click.option("--nrand", "-r", type=click.IntRange(min=1), default=100, show_default=True,
              help="random networks")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True)
@click.option("--layers", "layers_spec", default=None, metavar="FILE-or-SIZES",
              help="layer-preserving random networks (mfinder -rcl): a file of 'node layer' lines, "
                   "or layer sizes such as 8,4,2,1 (nodes numbered from 1 in layer order)")
@click.option("--out", "-f", "stem", default=None,
              help="also write STEM_OUT.txt in mfinder 1.2's layout")
@click.option("--json", "as_json", is_flag=True, help="print a JSON list of per-ID statistics")
def motifs(file, fmt, size, nrand, seed, layers_spec, stem, as_json):
    """Subgraph census with Z-scores against degree-preserving random networks (mfinder-compatible)."""
    import networkx as nx
    from .modularity import read_graph
    from .motifs import mfinder_out, motif_analysis, parse_layers
    try:
        g = read_graph(file, fmt)
        loops = list(nx.selfloop_edges(g))
        if loops:
            click.echo(f"{file}: ignoring {len(loops)} self-loop(s), as mfinder does", err=True)
            g.remove_edges_from(loops)
        if g.number_of_edges() == 0:
            raise click.ClickException(f"{file}: no edges (besides self-loops) to analyse")
        layers = parse_layers(layers_spec, g) if layers_spec else None
        res = motif_analysis(g, int(size), nrand, seed, layers)
        if stem:
            Path(f"{stem}_OUT.txt").write_text(mfinder_out(g, Path(file).name, int(size), res.stats, nrand,
                                                            res.switch_ratio))
    except (ValueError, OSError, UnicodeDecodeError) as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        click.echo(json.dumps([s.to_dict() for s in res.stats]))
        return
    click.echo("ID\tNREAL\tNRAND (mean+-sd)\tZ\tP\tUNIQ")
    for st in res.stats:
        z = "undef" if st.z is None else f"{st.z:.2f}"
        click.echo(f"{st.id}\t{st.n_real}\t{st.mean_rand:.1f}+-{st.sd_rand:.1f}\t{z}\t{st.p:.3f}\t{st.uniq}")


@main.command("motif-profile")
@click.argument("experiment_dir", type=click.Path(exists=True, file_okay=False))
@click.option("--size", "-s", "sizes", type=click.Choice(["3", "4"]), multiple=True)
@click.option("--nrand", "-r", type=click.IntRange(min=1), default=100, show_default=True)
@click.option("--solved-only/--all-runs", default=True, show_default=True)
def motif_profile(experiment_dir, sizes, nrand, solved_only):
    """Mean +- SE of motif Z-scores per treatment over the runs' best networks
    (written to EXPERIMENT_DIR/motifs.json)."""
    from .analysis import motif_profiles
    sizes = [int(s) for s in sizes] or [3, 4]
    prof = motif_profiles(experiment_dir, sizes, nrand, solved_only)
    for treatment, by_size in prof["treatments"].items():
        for sz, rows in by_size.items():
            top = sorted(rows, key=lambda r: -abs(r["z_mean"]))[:6]
            click.echo(f"{treatment} size {sz} (n = {prof['n_networks'][treatment]}): " + ", ".join(
                f"{r['id']}: {r['z_mean']:+.2f}+-{r['z_se']:.2f}" for r in top))


# --------------------------------------------------------------------------- adaptation (2013)
@main.command()
@click.argument("protocol", type=PROTOCOL)
@click.option("--treatment", "-t", required=True, help="treatment to evolve the clones with")
@click.option("--source-treatment", default=None, help="treatment whose perfect networks are cloned "
              "(default: the treatment itself, or the one that differs from it only in evolving under "
              "the fixed goal FROM, e.g. pa-or for pa --from OR)")
@click.option("--from", "from_goal", default="AND", show_default=True)
@click.option("--to", "to_goal", default="OR", show_default=True)
@click.option("--replicates", type=click.IntRange(min=1), default=50, show_default=True)
@click.option("--max-generations", type=click.IntRange(min=1), default=MAX_ADAPT_GENERATIONS, show_default=True,
              help="cut-off: unsolved runs count as this many generations (paper: 5000)")
@click.option("--networks", type=click.IntRange(min=1), default=None,
              help="at most this many source networks (the first perfect ones in seed order)")
@click.option("--fill", is_flag=True,
              help="first run additional trials of the source treatment (seeds after its runs, into "
                   "OUT/<experiment>/adapt/sources/) until NETWORKS perfect networks exist, as the paper did")
@click.option("--max-trials", type=click.IntRange(min=1), default=1000, show_default=True,
              help="with --fill: stop adding trials when the source treatment has this many")
@backend_options
@click.option("--out", "-o", type=click.Path(file_okay=False), default="runs", show_default=True)
@click.option("--quiet", "-q", is_flag=True, help="no progress output")
def adapt(protocol, treatment, source_treatment, from_goal, to_goal, replicates, max_generations,
          networks, fill, max_trials, jobs, cluster, scheduler, cluster_config, out, quiet):
    """Clone perfect networks and time their adaptation to the other goal (2013 Fig. 4a)."""
    import numpy as np
    from .adaptation import (plan_adaptation, plan_source_trials, source_networks, source_treatment_for,
                             trials_so_far)
    from .store import read_json
    backend = _backend(jobs, cluster, scheduler, cluster_config)
    protocol, out = _for_backend(backend, protocol, out)
    proto = _load(protocol, treatment, [])
    try:
        source = source_treatment or source_treatment_for(protocol, treatment, from_goal)
    except ValueError as err:
        raise click.UsageError(f"{err}; name one with --source-treatment") from None
    _load(protocol, source, [])
    exp_dir = Path(out) / proto.name
    if fill:
        if networks is None:
            raise click.UsageError("--fill needs --networks (how many perfect source networks to reach)")
        while specs := plan_source_trials(protocol, out, proto.name, source, from_goal, networks, max_trials):
            if not quiet:
                click.echo(f"{source}: {len(source_networks(exp_dir, source, from_goal))} perfect {from_goal} "
                           f"networks of {networks}; {len(specs)} more trials (seeds {specs[0].seed}-"
                           f"{specs[-1].seed}) on {backend.describe()}", err=True)
            _run_specs(specs, backend, f"{source} source trials", quiet)
        have = len(source_networks(exp_dir, source, from_goal))
        if have < networks:
            raise click.ClickException(f"{source}: only {have} perfect {from_goal} networks in "
                                       f"{len(trials_so_far(exp_dir, source))} trials (--max-trials {max_trials})")
    specs = plan_adaptation(protocol, out, proto.name, treatment, source, from_goal, to_goal, replicates,
                            max_generations, networks)
    if not specs:
        raise click.ClickException(f"no finished {source} run with a network perfect on {from_goal} "
                                   f"under {out}/{proto.name}")
    n_nets = len({str(Path(s.folder).parent) for s in specs})
    if not quiet:
        click.echo(f"adapt {treatment} {from_goal}->{to_goal}: {n_nets} networks x {replicates} replicates "
                   f"on {backend.describe()}", err=True)
    _run_specs(specs, backend, f"adapt {treatment} {from_goal}->{to_goal}", quiet)
    results = [read_json(Path(s.folder) / "result.json") for s in specs]
    gens = np.array([r["generations_run"] for r in results])
    click.echo(f"{treatment} {from_goal}->{to_goal}: {len(gens)} runs from {n_nets} networks; median "
               f"{np.median(gens):.1f} generations (unsolved: {sum(r['solved_generation'] is None for r in results)})")


# --------------------------------------------------------------------------- multiverse
@main.command()
@click.argument("protocol", type=ProtocolParam())
@click.option("--key", "keys", multiple=True, metavar="KEY[=VALUE]",
              help="an [alternatives] key to vary, or one of its values (default: every key, every value)")
@click.option("--pairs", multiple=True, metavar="KEY",
              help="also run every pair of non-default values of these keys (two-key interactions)")
@click.option("--treatment", "-t", "treatments", multiple=True,
              help="treatments to run (default: those the experiment's published claims need)")
@click.option("--runs", "-n", type=click.IntRange(min=1), default=20, show_default=True,
              help="runs per variant and treatment")
@click.option("--calibration-runs", type=click.IntRange(min=1), default=10, show_default=True,
              help="Qmax calibration runs per calibration key a variant needs (fewer than the "
                   "protocol's are recorded as reduced)")
@backend_options
@click.option("--out", "-o", type=click.Path(file_okay=False), default="runs", show_default=True)
@click.option("--set", "sets", multiple=True, metavar="KEY=VALUE", help="applies to every variant")
@click.option("--adapt-replicates", type=click.IntRange(min=0), default=0, show_default=True,
              help="claims on adaptation times (2013 Fig. 4a): this many adaptation runs from each perfect "
                   "network among a reading's runs (0: none, those claims are not tested)")
@click.option("--evaluate-only", is_flag=True,
              help="run, calibrate and analyse nothing: evaluate the claims on the runs and tables already there")
@click.option("--quiet", "-q", is_flag=True)
def multiverse(protocol, keys, pairs, treatments, runs, calibration_runs, jobs, cluster, scheduler,
               cluster_config, out, sets, adapt_replicates, evaluate_only, quiet):
    """Every published claim under every defensible reading -> OUT/<experiment>/multiverse.csv.

    One-at-a-time variants of the protocol's [alternatives] keys (all other keys at their
    defaults), N runs each; the default reading reuses the experiment's own runs."""
    from .multiverse import run_multiverse
    backend = _backend(jobs, cluster, scheduler, cluster_config)
    protocol, out = _for_backend(backend, protocol, out)

    def runner(specs):
        _run_specs(specs, backend, "multiverse runs", quiet)

    rows = run_multiverse(protocol, runner, keys=list(keys) or None, pairs=list(pairs), runs=runs,
                          runs_root=out, sets=_overrides(sets), treatments=list(treatments) or None,
                          calibration_runs=calibration_runs, evaluate_only=evaluate_only,
                          adapt_replicates=adapt_replicates)
    from .multiverse import holds_table
    if not quiet:
        for claim, (ok, n) in holds_table(rows).items():
            click.echo(f"{claim}: holds under {ok} of {n} readings")


@main.command()
@click.argument("protocol", type=PROTOCOL)
@click.option("--treatment", "-t", required=True, help="treatment whose network model and goal are mapped")
@click.option("--runs", type=click.IntRange(min=1), required=True, help="MOLE runs (paper: 30)")
@click.option("--first-seed", type=click.IntRange(min=1), default=1, show_default=True)
@click.option("--generations", type=click.IntRange(min=1), required=True, help="paper's code: 10,000")
@click.option("--population", type=click.IntRange(min=4), required=True, help="paper's code: 1000")
@click.option("--bins", type=click.IntRange(min=1), required=True, help="cells per axis (paper's code: 200)")
@click.option("--cost-max", type=click.FloatRange(min=0, min_open=True), default=500.0, show_default=True,
              help="cost at the map's right edge (code: optimal length / 500)")
@backend_options
@click.option("--out", "-o", type=click.Path(file_okay=False), default="runs", show_default=True)
@click.option("--quiet", "-q", is_flag=True, help="no progress output")
def mole(protocol, treatment, runs, first_seed, generations, population, bins, cost_max, jobs, cluster,
         scheduler, cluster_config, out, quiet):
    """MOLE map: best performance per (Q, cost) cell (2013 Fig. 3) -> OUT/<experiment>/mole/seed-N/map.json."""
    from .mole import map_path, run_mole
    from .progress import Progress
    backend = _backend(jobs, cluster, scheduler, cluster_config)
    protocol, out = _for_backend(backend, protocol, out)
    proto = _load(protocol, treatment, [])
    seeds = range(first_seed, first_seed + runs)
    todo = [s for s in seeds if not map_path(out, proto, s).exists()]
    try:
        with Progress("MOLE maps", [(f"mole seed-{s}", float(generations)) for s in todo],
                      mode="quiet" if quiet else "auto", stream=sys.stderr) as bar:
            paths = run_mole(proto, seeds, out, generations, population, (bins, bins), cost_max,
                             backend=backend, progress=bar)
    except ValueError as err:
        raise click.ClickException(str(err)) from None
    click.echo(f"{len(paths)} MOLE maps under {Path(out) / proto.name / 'mole'}")


# --------------------------------------------------------------------------- figures, report, compare
def _require_runs(runs_dir) -> None:
    """Stop (leaving existing figures and reports alone) when there are no finished runs."""
    from .analysis import has_runs
    if not Path(runs_dir).is_dir():
        raise click.ClickException(f"runs folder {runs_dir} does not exist; nothing written")
    if not has_runs(runs_dir):
        raise click.ClickException(f"no finished runs under {runs_dir}; nothing written")


@main.command()
@click.option("--runs", "runs_dir", type=click.Path(file_okay=False), default="runs", show_default=True)
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default="figures", show_default=True)
@click.option("--only", multiple=True, help="figure names (default: all); see replication.figures.ALL")
def figures(runs_dir, out_dir, only):
    """Regenerate every replicated figure from the run folders (PNG, PDF and .sources.json)."""
    from .figures import make_all
    _require_runs(runs_dir)
    try:
        made = make_all(Path(runs_dir), Path(out_dir), only)
    except (FileNotFoundError, ValueError) as err:
        raise click.ClickException(str(err)) from err
    for name, paths in made.items():
        click.echo(f"{name}: {paths[0].name if paths else 'skipped (no runs for it)'}")


@main.command()
@click.option("--runs", "runs_dir", type=click.Path(file_okay=False), default="runs", show_default=True)
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default="figures", show_default=True)
@click.option("--external", type=click.Path(exists=True, dir_okay=False), default=None,
              help="a compare.json made by `replication compare`: its values become a third column")
def report(runs_dir, out_dir, external):
    """Write OUT/REPORT.md and OUT/REPORT.html: every published claim beside ours, with verdicts."""
    from .report import write_report
    _require_runs(runs_dir)
    try:
        path = write_report(Path(runs_dir), Path(out_dir), Path(external) if external else None)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{path}\n{path.with_suffix('.html')}")


@main.command()
@click.argument("folder", type=click.Path(exists=True, file_okay=False))
@click.option("--runs", "runs_dir", type=click.Path(file_okay=False), default="runs", show_default=True,
              help="where the experiments' Qmax calibrations are")
@click.option("--nrand", type=click.IntRange(min=0), default=100, show_default=True,
              help="random networks for motifs")
def compare(folder, runs_dir, nrand):
    """Analyse networks from another program (FOLDER/manifest.toml) like our runs -> FOLDER/compare.json.

    Prints each experiment's own measure: Qm (mean +- SE) for the 2005 experiments, raw Q
    (median [95% CI]) for Clune et al. 2013."""
    from .external import compare as run_compare
    from .protocol import ProtocolError
    try:
        res = run_compare(Path(folder), Path(runs_dir), nrand)
    except ProtocolError as exc:       # other errors: the group's guard names the file
        raise click.ClickException(str(exc)) from None
    for w in res["warnings"]:
        click.echo(f"warning: {w}", err=True)
    for a in res["aggregates"]:
        if a["measure"] == "q":
            m = a["q_median_ci"]
            shown = "Q = -" if not m else f"Q = {m[0]:.3f} [{m[1]:.3f}, {m[2]:.3f}] (median, 95% CI)"
        else:
            qm = a["qm"]
            shown = "Qm = -" if not qm else f"Qm = {qm[0]:.3f} +- {qm[1]:.3f}"
            if not qm and a["q"]:
                shown += f" (no Qmax calibration under {runs_dir}; Q = {a['q'][0]:.3f} +- {a['q'][1]:.3f})"
        click.echo(f"{a['experiment']} {a['treatment']}: n = {a['n']}, {shown}")


@main.command("original2013")
@click.option("--original", "originals", multiple=True, metavar="TREATMENT=PATH", required=True,
              help="a modularity.dat of the authors' program (or a folder holding vm_*/modularity.dat), "
                   "one per seed; repeatable")
@click.option("--runs", "runs_dir", type=click.Path(exists=True, file_okay=False), required=True,
              help="our experiment folder, e.g. runs/clune2013_retina (its <treatment>/seed-N runs)")
@click.option("-g", "--generation", "generations", type=click.IntRange(min=0), multiple=True, required=True,
              help="generations to compare at (ours: where log.csv has a Q)")
@click.option("--out", type=click.Path(dir_okay=False), required=True,
              help="summary CSV (median and range per program, treatment, generation); the per-seed "
                   "rows go beside it as <name>-rows.csv")
def original2013(originals, runs_dir, generations, out):
    """The authors' 2013 program beside our runs at matched generations (best network's performance, Q, cost).

    The report's "original code" column reads the summary from figures/original2013/summary.csv."""
    from .original2013 import early_dynamics, summarise, write_csv
    orig = {}
    for item in originals:
        treatment, _, path = item.partition("=")
        if not path:
            raise click.BadParameter(f"{item!r}: expected TREATMENT=PATH", param_hint="--original")
        path = Path(path)
        found = sorted(path.glob("vm_*/modularity.dat")) if path.is_dir() else [path]
        if not found or not found[0].exists():
            raise click.BadParameter(f"{path}: no modularity.dat there", param_hint="--original")
        orig.setdefault(treatment, []).extend(found)
    ours = {t: sorted(p for p in Path(runs_dir, t).glob("seed-*") if (p / "log.csv").exists())
            for t in orig}
    rows = early_dynamics(orig, ours, sorted(generations))
    if not rows:
        raise click.ClickException("no generation of those asked is in the logs")
    out = Path(out)
    write_csv(rows, out.with_name(out.stem + "-rows.csv"))
    write_csv(summarise(rows), out)
    for r in summarise(rows):
        cost = f"{r['cost_median']:.1f}" if r["cost_median"] is not None else "- (not logged: no cost objective)"
        click.echo(f"{r['program']:>11} {r['treatment']:>4} gen {r['generation']:>5}: n = {r['n']}, "
                   f"performance {r['best_performance_median']:.3f}, Q {r['q_best_median']:.3f}, cost {cost}")


# --------------------------------------------------------------------------- bench
@main.command()
@click.argument("what", type=click.Choice(["circuits", "qmax", "retina", "retina2013", "qm", "all"]))
@click.option("--json", "as_json", is_flag=True, help="print one JSON object")
@click.option("--population", type=click.IntRange(min=4), default=None, help="default: the experiment's")
def bench(what, as_json, population):
    """Throughput benchmarks, as ratios against a plain reference measured in the same run."""
    from . import bench as b
    if what == "all":
        res = b.bench_all()
        if as_json:
            click.echo(json.dumps(res, indent=2))
            return
        for row in res["summary"]:
            ratio = row["loop_over_eval_only"]
            target = row["target_generations_per_s"]
            click.echo(f"{row['what']:>45}: {row['generations_per_s']:,.0f} generations/s"
                       + (f", {ratio:.2f}x evaluation alone" if ratio is not None else "")
                       + (f" (target {target:,}: {'met' if row['meets_target'] else 'not met'})" if target else ""))
        click.echo(f"{'peak memory':>45}: {res['peak_rss_mb']:,.0f} MB")
        return
    if what == "circuits":
        res = b.bench_circuits(population or 1000)
    elif what == "qmax":
        res = b.bench_qmax(population or 1000)
    elif what == "retina":
        res = b.bench_retina(population or 600)
    elif what == "retina2013":
        res = b.bench_retina2013(population or 1000)
    else:
        res = b.bench_qm()
    if as_json:
        click.echo(json.dumps(res, indent=2))
    else:
        for k, v in res.items():
            click.echo(f"{k:>40}: {v:,.4g}" if isinstance(v, float) else f"{k:>40}: {v}")


if __name__ == "__main__":
    main()
