"""The benchmarks run and report what they claim to (not timed: rates are only checked to be rates)."""
import math

from replication import bench
from replication import evolve as loop


def test_bench_circuits_reports_both_loops_and_restores_the_switch():
    res = bench.bench_circuits(population=40, generations=30)
    for key in ("loop_generations_per_s", "step_loop_generations_per_s", "loop_generations_per_cpu_s",
                "eval_only_generations_per_s_evolved", "peak_rss_mb"):
        assert res[key] > 0 and math.isfinite(res[key]), key
    assert math.isclose(res["speedup_fused_vs_step_loop"],
                        res["loop_generations_per_s"] / res["step_loop_generations_per_s"])
    assert loop.FUSED is True


def test_run_seconds_restores_the_switch_on_error(tmp_path):
    class Broken:
        pass
    try:
        bench._run_seconds(Broken(), 1, fused=False)
    except Exception:
        pass
    assert loop.FUSED is True
