"""Write the golden files (run once, from the repository root, with the engine they pin).

    python tests/golden/make_golden.py
"""
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from cases import CASES, case_dir  # noqa: E402

HERE = Path(__file__).parent


def run_case(case, out: Path) -> None:
    protocol, treatment, seed, overrides = case
    cmd = [sys.executable, "-m", "replication", "run", protocol, "-t", treatment, "--seed", str(seed),
           "--out", str(out), "--quiet"]
    for o in overrides:
        cmd += ["--set", o]
    subprocess.run(cmd, check=True)


def pinned_files(folder: Path) -> dict[str, bytes]:
    """result.json without wall time and digest, log.csv and network.txt."""
    res = json.loads((folder / "result.json").read_text())
    for volatile in ("wall_seconds", "protocol_digest", "version"):
        res.pop(volatile, None)
    return {"result.json": (json.dumps(res, indent=2, sort_keys=True) + "\n").encode(),
            "log.csv": (folder / "log.csv").read_bytes(),
            "network.txt": (folder / "network.txt").read_bytes()}


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        for case in CASES:
            out = Path(tmp) / case_dir(case)
            run_case(case, out)
            dest = HERE / case_dir(case)
            if dest.exists():
                shutil.rmtree(dest)
            dest.mkdir(parents=True)
            for name, data in pinned_files(out).items():
                (dest / name).write_bytes(data)
            print("pinned", case_dir(case), flush=True)
