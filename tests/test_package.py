"""The installed package (issue 19's Done-when): `pip install .` of a clean copy of the repository
into a fresh virtual environment, then, from another folder, `replication list`, a short `run`,
`summary` and `report`, and the Python API.

Offline and fast: the copy is installed with ``--no-deps --no-build-isolation --no-index``; the
fresh environment sees this interpreter's site-packages (numpy, numba, ...) through a ``.pth``
file, which adds the folder to ``sys.path`` without running its own ``.pth`` files, so an editable
install of the package there stays invisible.  About half a minute (numba compiles the kernels of
the freshly installed copy once).
"""
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tarfile
from pathlib import Path

import pytest
import setuptools

ROOT = Path(__file__).resolve().parent.parent


def _can_build_offline() -> str | None:
    major, minor = (int(x) for x in setuptools.__version__.split(".")[:2])
    if (major, minor) < (70, 1) and importlib.util.find_spec("wheel") is None:
        return "setuptools < 70.1 without the 'wheel' package cannot build a wheel offline"
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        return "not a git checkout: cannot tell tracked files from build outputs"
    return None


pytestmark = pytest.mark.skipif(_can_build_offline() is not None, reason=str(_can_build_offline()))


def _clean_copy(dest: Path) -> Path:
    """The working tree as a clean clone would hold it: tracked and not-ignored files only."""
    names = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                           cwd=ROOT, check=True, capture_output=True).stdout.decode().split("\0")
    for name in filter(None, names):
        src = ROOT / name
        if src.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name)
    return dest


def _run(cmd, cwd, env, timeout=300):
    res = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert res.returncode == 0, f"{' '.join(map(str, cmd))} failed:\n{res.stdout}\n{res.stderr}"
    return res.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    base = tmp_path_factory.mktemp("package")
    clone = _clean_copy(base / "clone")
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    py = venv / "bin" / "python"
    purelib = Path(subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                  check=True, capture_output=True, text=True).stdout.strip())
    shared = dict.fromkeys([sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]])
    (purelib / "_shared_site_packages.pth").write_text("".join(f"{p}\n" for p in shared))
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    _run([str(py), "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation", "--no-index",
          str(clone)], cwd=base, env=env)
    elsewhere = base / "elsewhere"
    elsewhere.mkdir()
    return {"base": base, "clone": clone, "py": py, "bin": venv / "bin", "purelib": purelib,
            "env": env, "cwd": elsewhere}


def test_installed_package_ships_its_protocols(installed):
    out = _run([str(installed["py"]), "-c",
                "import json, replication, replication.catalog as c; print(json.dumps("
                "[replication.__file__, str(c.protocol_dir()), c.experiments()]))"],
               installed["cwd"], installed["env"])
    module, folder, experiments = json.loads(out)
    package = installed["purelib"] / "replication"
    assert Path(module) == package / "__init__.py"                 # the installed copy, not the checkout
    assert Path(folder) == package / "original_protocol"
    shipped = sorted(p.name for p in Path(folder).iterdir())
    assert shipped == sorted(p.name for p in (ROOT / "original_protocol").iterdir()
                             if p.suffix == ".toml" or p.name == "LEDGER.md")
    for name in shipped:                                            # copies of the one source
        assert (Path(folder) / name).read_bytes() == (ROOT / "original_protocol" / name).read_bytes()
    assert experiments == sorted(p.stem for p in (ROOT / "original_protocol").glob("*.toml")
                                 if p.stem != "published")


def test_cli_from_another_folder_list_run_summary_report(installed):
    exe, cwd, env = str(installed["bin"] / "replication"), installed["cwd"], installed["env"]
    listing = _run([exe, "list"], cwd, env)
    for name in ("ka2005_logic", "ka2005_retina", "clune2013_retina"):
        assert name in listing
    assert "modularly varying goals" in listing
    _run([exe, "run", "ka2005_logic", "-t", "mvg", "--seed", "1", "--out", "X/ka2005_logic/mvg/seed-1",
          "--set", "run.max_generations=50", "-q"], cwd, env)
    result = json.loads((cwd / "X/ka2005_logic/mvg/seed-1/result.json").read_text())
    assert result["generations_run"] == 50 and result["treatment"] == "mvg"
    summary = _run([exe, "summary", "X/ka2005_logic"], cwd, env)
    assert "ka2005_logic: 1 finished runs" in summary
    assert "50/50" in summary                                       # the published column: published.toml was found
    report = _run([exe, "report", "--runs", "X", "--out", "figs"], cwd, env)
    assert [Path(p).name for p in report.split()] == ["REPORT.md", "REPORT.html"]
    text = (cwd / "figs/REPORT.md").read_text()
    assert "runs solved" in text and "50/50" in text and "not comparable" in text   # 50 of 100,000 generations

    api = _run([str(installed["py"]), "-c",
                "import replication, networkx as nx, pandas as pd;"
                "t = replication.load_runs('X'); g = replication.load_network('X/ka2005_logic/mvg/seed-1');"
                "print(type(t) is pd.DataFrame, len(t), isinstance(g, nx.DiGraph), g.number_of_edges())"],
               cwd, env)
    is_frame, rows, is_graph, edges = api.split()
    n_lines = len((cwd / "X/ka2005_logic/mvg/seed-1/network.txt").read_text().splitlines())
    assert (is_frame, rows, is_graph, int(edges)) == ("True", "1", "True", n_lines)


def test_source_distribution_carries_the_protocols(installed, tmp_path):
    clone = installed["clone"]
    _run([str(installed["py"]), "setup.py", "-q", "sdist", "-d", str(tmp_path)], clone, installed["env"])
    (sdist,) = tmp_path.glob("replication-*.tar.gz")
    with tarfile.open(sdist) as tar:
        names = {Path(n).relative_to(Path(n).parts[0]).as_posix() for n in tar.getnames() if "/" in n}
    for name in ("setup.py", "LICENSE", "CITATION.cff", "original_protocol/published.toml",
                 "original_protocol/LEDGER.md", "original_protocol/ka2005_logic.toml"):
        assert name in names
