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
@click.option("--jobs", "-j", type=int, default=1, show_default=True, help="worker processes")
@click.option("--out", "-o", type=click.Path(file_okay=False), default="runs", show_default=True,
              help="runs folder; each run goes to OUT/<experiment>/<treatment>/seed-N")
@click.option("--set", "sets", multiple=True, metavar="KEY=VALUE")
def replicate(protocol, treatments, runs, first_seed, jobs, out, sets):
    """Run every treatment x seed; skips finished runs, resumes unfinished ones."""
    from .parallel import pending, plan, run_all
    overrides = _overrides(sets)
    treatments = list(treatments) or default_treatments(protocol)
    base = _load(protocol, treatments[0], overrides)
    n = runs if runs is not None else base.run.runs
    for t in treatments:
        _load(protocol, t, overrides)          # fail early on a bad treatment
    jobs_all = plan(protocol, treatments, range(first_seed, first_seed + n), out, overrides)
    todo = pending(jobs_all)
    click.echo(f"{base.name}: {len(jobs_all)} runs ({len(treatments)} treatments x {n} seeds), "
               f"{len(jobs_all) - len(todo)} already finished, {len(todo)} to run on {jobs} worker(s)",
               err=True)
    if todo:
        started = time.monotonic()
        with click.progressbar(length=len(todo), label="runs", file=sys.stderr,
                               show_eta=True, show_pos=True) as bar:
            run_all(todo, jobs, on_done=lambda _r: bar.update(1))
        click.echo(f"wall time {time.monotonic() - started:,.1f} s", err=True)


# --------------------------------------------------------------------------- summary
@main.command()
@click.argument("experiment_dir", type=click.Path(exists=True, file_okay=False))
@click.option("--csv", "csv_out", type=click.Path(dir_okay=False), default=None,
              help="also write the one-row-per-run table here")
def summary(experiment_dir, csv_out):
    """Table of finished runs per treatment, beside the published values."""
    from .analysis import load_results, markdown_table, summary_rows, tidy_table, to_csv
    results = load_results(experiment_dir)
    if not results:
        raise click.ClickException(f"no finished runs under {experiment_dir}")
    experiment = results[0]["experiment"]
    click.echo(f"## {experiment}: {len(results)} finished runs ({experiment_dir})\n")
    click.echo(markdown_table(summary_rows(results, experiment)))
    if csv_out:
        Path(csv_out).write_text(to_csv(tidy_table(results)))


# --------------------------------------------------------------------------- bench
@main.command()
@click.argument("what", type=click.Choice(["circuits"]))
@click.option("--json", "as_json", is_flag=True, help="print one JSON object")
@click.option("--population", type=int, default=1000, show_default=True)
def bench(what, as_json, population):
    """Throughput benchmarks, as ratios against a plain reference measured in the same run."""
    from . import bench as b
    res = b.bench_circuits(population)
    if as_json:
        click.echo(json.dumps(res, indent=2))
    else:
        for k, v in res.items():
            click.echo(f"{k:>40}: {v:,.4g}" if isinstance(v, float) else f"{k:>40}: {v}")


if __name__ == "__main__":
    main()
