"""Figures from small real runs: every figure renders, names its runs and has a caption; one
colour per treatment; networks laid out by module and retina side; clear errors without runs."""
import json
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from click.testing import CliRunner

from replication.cli import main
from replication.figures import (ALL, PALETTE, make_all, module_layout, read_partition,
                                 read_run_network, treatment_colour)
from replication.figures.style import read_log

ROOT = Path(__file__).resolve().parent.parent
PROTO = ROOT / "original_protocol"
SMALL_Q = ["modularity.qmax_runs=2", "modularity.qmax_generations=20", "modularity.qmax_population=60",
           "modularity.qmax_elite=20", "modularity.qrand_samples=20"]


def run(root, experiment, treatment, seed, generations, *extra):
    out = root / experiment / treatment / f"seed-{seed}"
    args = ["run", str(PROTO / f"{experiment}.toml"), "-t", treatment, "--seed", str(seed), "--out", str(out),
            "--set", f"run.max_generations={generations}"]
    for s in extra:
        args += ["--set", s]
    res = CliRunner().invoke(main, args)
    assert res.exit_code == 0, res.output
    return out


def calibrate(root, experiment, treatment):
    """The Qmax calibration stage (a few short runs) that analysis reads."""
    args = ["calibrate", str(PROTO / f"{experiment}.toml"), "-t", treatment, "--runs", "2", "--out", str(root)]
    for s in SMALL_Q:
        args += ["--set", s]
    res = CliRunner().invoke(main, args)
    assert res.exit_code == 0, res.output


def make_runs(root: Path) -> Path:
    """Short real runs of the 2005 logic and retina experiments and of the 2013 PA / P&CC."""
    from replication.analysis import analyse_experiment, motif_profiles
    for seed in (1, 2):
        run(root, "ka2005_logic", "fixed-g1", seed, 300, *SMALL_Q)
        run(root, "ka2005_logic", "mvg", seed, 400, *SMALL_Q)
    run(root, "ka2005_logic", "mvg-sustained", 1, 500, "run.post_solution_generations=60", *SMALL_Q)
    for seed in (1, 2):                      # Fig. 3: modular G2 circuits decaying under fixed G2
        run(root, "ka2005_logic", "decay-g2", seed, 15, "trace.qrand_samples=10", *SMALL_Q)
    calibrate(root, "ka2005_logic", "fixed-g1")
    calibrate(root, "ka2005_logic", "decay-g2")
    analyse_experiment(root / "ka2005_logic")
    motif_profiles(root / "ka2005_logic", sizes=(3, 4), n_random=3, solved_only=False)
    for t in ("fixed-and", "mvg"):
        run(root, "ka2005_retina", t, 1, 100, *SMALL_Q)
    calibrate(root, "ka2005_retina", "fixed-and")
    analyse_experiment(root / "ka2005_retina")
    for t in ("pa", "pcc"):
        run(root, "clune2013_retina", t, 1, 20, "run.log_every=1", "analysis.q_every=5")
    return root


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    return make_runs(tmp_path_factory.mktemp("runs"))


@pytest.fixture(scope="module")
def made(runs, tmp_path_factory):
    out = tmp_path_factory.mktemp("figures")
    return make_all(runs, out)


def test_every_figure_with_runs_renders_with_caption_and_sources(made):
    drawn = {name for name, paths in made.items() if paths}
    assert {"ka2005_fig1ab", "ka2005_fig1cd", "ka2005_fig2", "ka2005_fig5bc", "ka2005_retina_fitness",
            "clune2013_fig2cd", "clune2013_fig2ef"} <= drawn
    for name in drawn:
        png, pdf, src = made[name]
        assert png.stat().st_size > 5000 and pdf.stat().st_size > 1000
        meta = json.loads(src.read_text())
        assert meta["runs"] and all(Path(f, "result.json").exists() for f in meta["runs"])
        assert "n = " in meta["caption"] and "Differs from the paper" in meta["caption"]
    # the runs needed for these are absent: skipped, not drawn empty
    assert made["clune2013_fig4a"] == [] and made["ka2005_fig5d"] == []
    assert made["ka2005_fig3"] and "band = +-1 SE" in json.loads(made["ka2005_fig3"][2].read_text())["caption"]


def test_captions_explain_bars_and_bands(made):
    def caption(name):
        return json.loads(made[name][2].read_text())["caption"]
    assert "SE" in caption("ka2005_fig1cd") and "drawn under its mfinder ID" in caption("ka2005_fig1cd")
    assert "95% bootstrap CI" in caption("clune2013_fig2cd")
    assert "every generation" in caption("ka2005_fig1ab") and "inset" in caption("ka2005_fig1ab")


def test_fig1b_uses_every_generation_of_the_mvg_log(runs):
    log = read_log(runs / "ka2005_logic" / "mvg-sustained" / "seed-1")
    gen = log["generation"]
    assert np.array_equal(gen, np.arange(gen.size))              # one row per generation
    best, goal = log["best_fitness"], log["goal"]
    switches = np.flatnonzero(goal[1:] != goal[:-1]) + 1
    # the saw-tooth the figure shows is in the data: after some switch the best fitness drops
    assert switches.size > 2 and np.any(best[switches] < best[switches - 1])


def test_one_colour_per_treatment():
    assert treatment_colour("mvg") != treatment_colour("mvg-sustained")
    assert treatment_colour("pa") != treatment_colour("pcc")
    assert treatment_colour("fixed-g1") == treatment_colour("fixed-and")      # same role, same colour
    family = [t for t in PALETTE if not t.endswith(("-and", "-or", "-and-cost")) or t == "fixed-and"]
    main = ["fixed-g1", "fixed-g2", "mvg", "mvg-sustained", "decay-g2", "fixed-g1-cost", "mvg-cost",
            "pa", "pcc", "pcc-nc", "pro", "pcc-randcoords", "mvg-pa", "mvg-pcc"]
    assert set(main) <= set(family)
    assert len({PALETTE[t] for t in main}) == len(main)                     # no two treatments share


def test_motif_legend_skips_treatments_without_networks(runs, tmp_path):
    from replication.figures.ka2005 import motif_z_figure
    path = runs / "ka2005_logic" / "motifs.json"
    prof = json.loads(path.read_text())
    prof["n_networks"]["decay-g2"] = 0
    prof["runs"]["decay-g2"] = []
    prof["treatments"]["decay-g2"] = {"3": [], "4": []}
    alt = tmp_path / "ka2005_logic"
    alt.mkdir()
    (alt / "motifs.json").write_text(json.dumps(prof))
    import matplotlib.pyplot as plt
    captured = {}
    orig = plt.close

    def keep(fig=None):
        captured["fig"] = fig
        return orig(fig)
    plt.close = keep
    try:
        motif_z_figure(tmp_path, tmp_path / "out", "ka2005_logic", "m")
    finally:
        plt.close = orig
    labels = [t.get_text() for ax in captured["fig"].axes for leg in [ax.get_legend()] if leg
              for t in leg.get_texts()]
    assert labels and not any("decay-g2" in s for s in labels)
    assert "decay-g2" not in json.loads((tmp_path / "out" / "m.sources.json").read_text())["caption"]


def test_circuit_drawing_groups_modules_inputs_bottom_output_top(runs):
    folder = runs / "ka2005_logic" / "mvg" / "seed-1"
    g = read_run_network(folder)
    result = json.loads((folder / "result.json").read_text())
    assert {0, 1, 2, 3} <= set(g) and g.nodes[result["output_node"]]["output"]
    part = read_partition(folder)
    assert part and set().union(*map(set, part)) <= set(g)
    pos, module, back = module_layout(g, part)
    out = result["output_node"]
    assert all(pos[v][1] == 0 for v in range(4)) and pos[out][1] == max(y for _, y in pos.values())
    for lev in {y for _, y in pos.values()}:                 # modules are contiguous in every level
        row = [module[v] for v in sorted((v for v in g if pos[v][1] == lev), key=lambda v: pos[v][0])]
        seen = [m for k, m in enumerate(row) if k == 0 or m != row[k - 1]]
        assert len(seen) == len(set(seen))
    assert all(e in g.edges for e in back)


def test_retina_drawing_keeps_left_pixels_left(runs):
    for folder in (runs / "ka2005_retina" / "mvg" / "seed-1", runs / "clune2013_retina" / "pcc" / "seed-1"):
        g = read_run_network(folder)
        pos, _, _ = module_layout(g, read_partition(folder))
        left = [pos[v][0] for v in g if g.nodes[v].get("side") == "left"]
        right = [pos[v][0] for v in g if g.nodes[v].get("side") == "right"]
        assert len(left) == len(right) == 4 and max(left) < min(right)
        out = [v for v in g if g.nodes[v]["output"]]
        assert len(out) == 1 and pos[out[0]][1] == max(y for _, y in pos.values())
    # 2005 retina: pixel i is column i % 4, left half = columns 0-1
    g = read_run_network(runs / "ka2005_retina" / "mvg" / "seed-1")
    assert {v for v in g if g.nodes[v].get("side") == "left"} == {0, 1, 4, 5}


def test_module_layout_puts_feedback_below_and_modules_apart():
    g = nx.DiGraph([(0, 4), (1, 4), (2, 5), (3, 5), (4, 6), (5, 6), (6, 4)])   # 6 -> 4 is feedback
    for v in range(4):
        g.nodes[v].update(kind="input", x=float(v))
    g.nodes[6]["output"] = True
    pos, module, back = module_layout(g, [[0, 1, 4], [2, 3, 5], [6]])
    assert back == {(6, 4)} and pos[6][1] > pos[4][1]
    assert pos[5][0] - pos[4][0] > 1.0                                        # a gap between modules


def test_missing_or_empty_runs_folder_is_an_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        make_all(tmp_path / "nowhere", tmp_path / "out")
    (tmp_path / "empty" / "ka2005_logic").mkdir(parents=True)
    with pytest.raises(ValueError, match="no finished runs"):
        make_all(tmp_path / "empty", tmp_path / "out")
    assert not (tmp_path / "out").exists()
    assert set(ALL) >= {"ka2005_fig1ab", "clune2013_fig2ef"}


def test_docstring_examples_run():
    import doctest

    from replication.figures import drawing, style
    for module in (style, drawing):
        failures, tried = doctest.testmod(module)
        assert tried > 0 and failures == 0


def test_cli_figures_on_an_empty_runs_folder_fails_with_a_message(tmp_path):
    (tmp_path / "runs").mkdir()
    res = CliRunner().invoke(main, ["figures", "--runs", str(tmp_path / "runs"), "--out", str(tmp_path / "f")])
    assert res.exit_code != 0 and "no finished runs" in res.output


def test_fig4a_boxes_every_adaptation_folder(runs, tmp_path):
    """Adaptation runs are laid out as adapt/<treatment>-<from>-to-<to>/net-K/rep-R/ (a layout test:
    the generation counts are made up, the figure must name every folder and give n per box)."""
    from replication.figures.clune2013 import fig4a
    base = tmp_path / "clune2013_retina" / "adapt"
    rng = np.random.default_rng(1)
    for key in ("pa-AND-to-OR", "pcc-AND-to-OR", "mvg-pcc-AND-to-OR"):
        for net in range(2):
            for rep in range(3):
                folder = base / key / f"net-{net}" / f"rep-{rep}"
                folder.mkdir(parents=True)
                (folder / "result.json").write_text(json.dumps({"generations_run": int(rng.integers(1, 500))}))
    png, _, src = fig4a(tmp_path, tmp_path / "out")
    meta = json.loads(src.read_text())
    assert len(meta["runs"]) == 18 and "1.5 x IQR" in meta["caption"]


def test_clune2013_fig3_fig5_fig6_from_small_runs(tmp_path):
    """The figures added for issue 15 render from tiny real runs, name their runs and their n."""
    from replication.figures import clune2013
    from replication.mole import run_mole
    from replication.protocol import load_protocol
    small = ("run.log_every=1", "analysis.q_every=5", "selection.population=40")
    for t in ("pa", "pcc", "pro", "pcc-nc"):
        run(tmp_path, "clune2013_retina", t, 1, 8, *small)
    for exp in ("clune2013_nonmodular", "clune2013_xor5", "clune2013_hxor"):
        for t in ("pa", "pcc"):
            run(tmp_path, exp, t, 1, 8, *small)
    run_mole(load_protocol(PROTO / "clune2013_retina.toml", "pcc"), [1], tmp_path, 3, 16, (10, 10))
    out = tmp_path / "fig"
    for fn, name in ((clune2013.fig3, "fig3_mole"), (clune2013.fig5, "fig5_other_problems"),
                     (clune2013.fig6, "fig6_cost_variants")):
        paths = fn(tmp_path, out)
        assert paths and paths[0].name == f"clune2013_{name}.png" and paths[0].stat().st_size > 5000
        meta = json.loads(paths[2].read_text())
        assert "n = 1" in meta["caption"] and "Differs from the paper" in meta["caption"]
        assert meta["runs"]
    assert clune2013.fig3(tmp_path / "nothing", out) == []
