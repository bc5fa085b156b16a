"""Command line: thin wrappers that parse, call and print."""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import click

from .protocol import ProtocolError, default_treatments, load_protocol, parse_override


def _overrides(values) -> list:
    try:
        return [parse_override(v) for v in values]
    except ProtocolError as exc:
        raise click.BadParameter(str(exc)) from None


def _load(path, treatment, overrides):
    try:
        return load_protocol(path, treatment, overrides)
    except ProtocolError as exc:
        raise click.ClickException(str(exc)) from None


@click.group()
@click.version_option(package_name="replication")
def main():
    """Replicate Kashtan & Alon (2005) and Clune, Mouret & Lipson (2013)."""


# --------------------------------------------------------------------------- run
@main.command()
@click.argument("protocol", type=click.Path(exists=True, dir_okay=False))
@click.option("--treatment", "-t", required=True, help="named treatment in the protocol file")
@click.option("--seed", "-s", type=int, required=True)
@click.option("--out", "-o", type=click.Path(file_okay=False), required=True, help="run folder")
@click.option("--generations", "-g", type=int, default=None,
              help="override run.max_generations (recorded in the run folder)")
@click.option("--set", "sets", multiple=True, metavar="KEY=VALUE",
              help="override a protocol parameter, e.g. --set selection.elite=200")
@click.option("--quiet", "-q", is_flag=True)
def run(protocol, treatment, seed, out, generations, sets, quiet):
    """Run (or resume) one evolution run into OUT."""
    from .evolve import evolve
    from .store import RunMismatch
    overrides = _overrides(sets)
    if generations is not None:
        overrides.append(("run.max_generations", generations))
    proto = _load(protocol, treatment, overrides)
    total = proto.run.max_generations
    last = [time.monotonic()]

    def progress(gen, _total):
        now = time.monotonic()
        if not quiet and now - last[0] > 2:
            last[0] = now
            click.echo(f"  generation {gen:,} / {total:,}", err=True)

    try:
        result = evolve(proto, seed, out, overrides=overrides, progress=progress)
    except RunMismatch as exc:
        raise click.ClickException(str(exc)) from None
    shown = {k: v for k, v in result.items() if k != "genome"}
    click.echo(json.dumps(shown, indent=2, sort_keys=True))


# --------------------------------------------------------------------------- replicate
@main.command()
@click.argument("protocol", type=click.Path(exists=True, dir_okay=False))
@click.option("--treatment", "-t", "treatments", multiple=True,
              help="treatments to run (default: the file's default_treatments)")
@click.option("--runs", "-n", type=int, default=None, help="runs per treatment (default: run.runs)")
@click.option("--first-seed", type=int, default=1, show_default=True)
@click.option("--jobs", "-j", type=int, default=1, show_default=True,
              help="local worker processes (the default backend)")
@click.option("--cluster", default=None, metavar="local:N",
              help="run on a Dask LocalCluster of N worker processes")
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help="run on an existing Dask cluster, e.g. tcp://10.0.0.5:8786 (shared storage needed)")
@click.option("--cluster-config", type=click.Path(exists=True, dir_okay=False), default=None,
              help="run on SLURM or PBS through dask-jobqueue, as this TOML file describes")
@click.option("--out", "-o", type=click.Path(file_okay=False), default="runs", show_default=True,
              help="runs folder; each run goes to OUT/<experiment>/<treatment>/seed-N")
@click.option("--set", "sets", multiple=True, metavar="KEY=VALUE")
@click.option("--quiet", "-q", is_flag=True, help="no progress output (plain lines when stderr is not a terminal)")
def replicate(protocol, treatments, runs, first_seed, jobs, cluster, scheduler, cluster_config, out, sets,
              quiet):
    """Run every treatment x seed; skips finished runs, resumes unfinished ones."""
    from .executor import Backend, ExecutorError, job_tasks, pending, plan, run_tasks
    from .progress import Progress
    overrides = _overrides(sets)
    try:
        backend = Backend.from_options(jobs, cluster, scheduler, cluster_config)
    except ExecutorError as exc:
        raise click.UsageError(str(exc)) from None
    if backend.dask:                           # workers have their own working directories
        protocol, out = str(Path(protocol).resolve()), str(Path(out).resolve())
    treatments = list(treatments) or default_treatments(protocol)
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
        tasks = job_tasks(todo)
        with Progress("runs", [(t.label, t.units) for t in tasks], mode="quiet" if quiet else "auto",
                      stream=sys.stderr) as bar:
            try:
                run_tasks(tasks, backend, bar)
            except ExecutorError as exc:
                raise click.ClickException(str(exc)) from None
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
@click.argument("experiment_dir", type=click.Path(exists=True, file_okay=False))
@click.option("--jobs", "-j", type=int, default=1, show_default=True,
              help="worker processes for the Qmax calibration runs")
def analyse(experiment_dir, jobs):
    """Add Q, Qrand, Qmax and Qm to every finished run's result.json.

    Qmax is calibrated once per experiment (EXPERIMENT_DIR/calibration/) and reused."""
    from .analysis import annotate_modularity
    root = Path(experiment_dir).parent
    n = len(list(Path(experiment_dir).glob("*/seed-*/result.json")))
    with click.progressbar(length=n, label="modularity", file=sys.stderr) as bar:
        updated = annotate_modularity(experiment_dir, root, jobs=jobs, progress=lambda: bar.update(1))
    click.echo(f"{updated} of {n} runs annotated", err=True)


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["auto", "mfinder", "edgelist", "graphml"]),
              default="auto", show_default=True)
@click.option("--directed/--undirected", default=False, show_default=True,
              help="Leicht-Newman directed Q, or Newman-Girvan Q of the undirected graph")
@click.option("--method", type=click.Choice(["exact", "greedy", "girvan-newman", "spectral", "louvain"]),
              default="greedy", show_default=True)
@click.option("--nrand", type=int, default=None,
              help="randomised networks for Qrand (default: 1000 when --calibration is given)")
@click.option("--swaps", type=int, default=10, show_default=True, help="swaps per edge per randomisation")
@click.option("--calibration", type=click.Path(exists=True, file_okay=False), default=None,
              help="a calibration folder holding qmax.json (made by `replication analyse`)")
@click.option("--qmax-hillclimb", type=int, default=None, metavar="CLIMBS",
              help="estimate Qmax by this many degree-preserving hill climbs instead")
@click.option("--inputs/--no-inputs", "include_inputs", default=True, show_default=True,
              help="keep nodes without incoming edges (a circuit's inputs)")
@click.option("--output", "output_node", default=None,
              help="keep only nodes with a directed path to this node")
@click.option("--self-loops/--no-self-loops", default=False, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--json", "as_json", is_flag=True)
def qm(file, fmt, directed, method, nrand, swaps, calibration, qmax_hillclimb, include_inputs,
       output_node, self_loops, seed, as_json):
    """Q, best partition, and (with a Qmax) Qrand and Qm of a network file."""
    from .modularity import analyse_graph, prepare_graph, q_max_hillclimb, read_graph
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
    g = prepare_graph(g, include_inputs=include_inputs, drop_isolated=True, self_loops=self_loops,
                      output=output_node, inputs=sources)
    q_max = q_max_method = None
    if calibration:
        qmax_path = Path(calibration) / "qmax.json"
        if not qmax_path.exists():
            raise click.ClickException(f"{qmax_path} not found")
        cal = read_json(qmax_path)
        q_max, q_max_method = cal["q_max"], cal["method"]
    elif qmax_hillclimb:
        q_max, best = q_max_hillclimb(g, directed=directed, climbs=qmax_hillclimb, seed=seed)
        q_max_method = f"hillclimb, {qmax_hillclimb} climbs (best {best:.4f})"
    if nrand is None:
        nrand = 1000 if q_max is not None else 0
    rep = analyse_graph(g, method=method, directed=directed, qrand_samples=nrand, swaps_per_edge=swaps,
                        q_max_value=q_max, q_max_method=q_max_method, seed=seed)
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
@click.option("--nrand", "-r", type=int, default=100, show_default=True, help="random networks")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--out", "-f", "stem", default=None,
              help="also write STEM_OUT.txt in mfinder 1.2's layout")
@click.option("--json", "as_json", is_flag=True, help="print a JSON list of per-ID statistics")
def motifs(file, fmt, size, nrand, seed, stem, as_json):
    """Subgraph census with Z-scores against degree-preserving random networks (mfinder-compatible)."""
    from .modularity import read_graph
    from .motifs import analyse, mfinder_out
    try:
        g = read_graph(file, fmt)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    g.remove_edges_from(list(__import__("networkx").selfloop_edges(g)))
    stats = analyse(g, int(size), nrand, seed)
    if stem:
        Path(f"{stem}_OUT.txt").write_text(mfinder_out(g, Path(file).name, int(size), stats, nrand))
    if as_json:
        click.echo(json.dumps([s.to_dict() for s in stats]))
        return
    click.echo("ID\tNREAL\tNRAND (mean+-sd)\tZ\tP")
    for st in stats:
        z = "undef" if st.z is None else f"{st.z:.2f}"
        click.echo(f"{st.id}\t{st.n_real}\t{st.mean_rand:.1f}+-{st.sd_rand:.1f}\t{z}\t{st.p:.3f}")


@main.command("motif-profile")
@click.argument("experiment_dir", type=click.Path(exists=True, file_okay=False))
@click.option("--size", "-s", "sizes", type=click.Choice(["3", "4"]), multiple=True)
@click.option("--nrand", "-r", type=int, default=100, show_default=True)
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
@click.argument("protocol", type=click.Path(exists=True, dir_okay=False))
@click.option("--treatment", "-t", required=True, help="treatment to evolve the clones with")
@click.option("--source-treatment", default=None, help="treatment whose perfect networks are cloned "
              "(default: the same; e.g. pa-or for networks evolved under L-OR-R)")
@click.option("--from", "from_goal", default="AND", show_default=True)
@click.option("--to", "to_goal", default="OR", show_default=True)
@click.option("--replicates", type=int, default=50, show_default=True)
@click.option("--max-generations", type=int, default=5000, show_default=True)
@click.option("--networks", type=int, default=None, help="at most this many source networks")
@click.option("--jobs", "-j", type=int, default=1, show_default=True)
@click.option("--out", "-o", type=click.Path(file_okay=False), default="runs", show_default=True)
def adapt(protocol, treatment, source_treatment, from_goal, to_goal, replicates, max_generations,
          networks, jobs, out):
    """Clone perfect networks and time their adaptation to the other goal (2013 Fig. 4a)."""
    import numpy as np
    from .adaptation import plan_adaptation, run_adaptation
    proto = _load(protocol, treatment, [])
    plan_ = plan_adaptation(protocol, out, proto.name, treatment, source_treatment or treatment,
                            from_goal, to_goal, replicates, max_generations, networks)
    if not plan_:
        raise click.ClickException(f"no finished {source_treatment or treatment} run with a network "
                                   f"perfect on {from_goal} under {out}/{proto.name}")
    with click.progressbar(length=len(plan_), label=f"adapt {treatment} {from_goal}->{to_goal}",
                           file=sys.stderr) as bar:
        results = run_adaptation(plan_, jobs, on_done=lambda: bar.update(1))
    gens = np.array([r["generations_run"] for r in results])
    click.echo(f"{treatment} {from_goal}->{to_goal}: {len(results)} runs from "
               f"{len({p[6] for p in plan_})} networks; median {np.median(gens):.1f} generations "
               f"(unsolved: {sum(r['solved_generation'] is None for r in results)})")


# --------------------------------------------------------------------------- figures, report, compare
@main.command()
@click.option("--runs", "runs_dir", type=click.Path(file_okay=False), default="runs", show_default=True)
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default="figures", show_default=True)
@click.option("--only", multiple=True, help="figure names (default: all); see replication.figures.ALL")
def figures(runs_dir, out_dir, only):
    """Regenerate every replicated figure from the run folders (PNG, PDF and .sources.json)."""
    from .figures import make_all
    for name, paths in make_all(Path(runs_dir), Path(out_dir), only).items():
        click.echo(f"{name}: {paths[0].name if paths else 'skipped (no runs for it)'}")


@main.command()
@click.option("--runs", "runs_dir", type=click.Path(file_okay=False), default="runs", show_default=True)
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default="figures", show_default=True)
@click.option("--external", type=click.Path(dir_okay=False), default=None,
              help="a compare.json made by `replication compare`: its values become a third column")
def report(runs_dir, out_dir, external):
    """Write OUT/REPORT.md: published values beside ours, with statistics and verdicts."""
    from .report import write_report
    click.echo(str(write_report(Path(runs_dir), Path(out_dir), Path(external) if external else None)))


@main.command()
@click.argument("folder", type=click.Path(exists=True, file_okay=False))
@click.option("--runs", "runs_dir", type=click.Path(file_okay=False), default="runs", show_default=True,
              help="where the experiments' Qmax calibrations are")
@click.option("--nrand", type=int, default=100, show_default=True, help="random networks for motifs")
def compare(folder, runs_dir, nrand):
    """Analyse networks from another program (FOLDER/manifest.toml) like our runs -> FOLDER/compare.json."""
    from .external import compare as run_compare
    from .protocol import ProtocolError
    try:
        res = run_compare(Path(folder), Path(runs_dir), nrand)
    except (ProtocolError, ValueError) as exc:
        raise click.ClickException(str(exc)) from None
    for a in res["aggregates"]:
        qm = a["qm"]
        click.echo(f"{a['experiment']} {a['treatment']}: n = {a['n']}, "
                   f"Qm = {'-' if not qm else f'{qm[0]:.3f} +- {qm[1]:.3f}'}")


# --------------------------------------------------------------------------- bench
@main.command()
@click.argument("what", type=click.Choice(["circuits", "retina", "retina2013", "qm"]))
@click.option("--json", "as_json", is_flag=True, help="print one JSON object")
@click.option("--population", type=int, default=None, help="default: the experiment's")
def bench(what, as_json, population):
    """Throughput benchmarks, as ratios against a plain reference measured in the same run."""
    from . import bench as b
    if what == "circuits":
        res = b.bench_circuits(population or 1000)
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
