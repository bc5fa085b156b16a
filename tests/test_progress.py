import io

import pytest

from replication.progress import FileReporter, Progress, format_duration, read_progress_file


class Clock:
    def __init__(self):
        self.t = 0.0

    def __call__(self):
        return self.t


def make(items, mode="lines", **kw):
    clock, out = Clock(), io.StringIO()
    return Progress("runs", items, mode=mode, stream=out, clock=clock, **kw), clock, out


def test_eta_from_generations_before_any_run_finishes():
    # 4 runs x 1000 generations, 2 workers: the ETA is known after the first reports
    p, clock, _ = make([(f"mvg seed-{s}", 1000) for s in range(1, 5)])
    assert p.eta() is None and p.rate() is None
    clock.t = 30.0                       # workers started and compiled: not counted as work
    p.update(0, 0)
    p.update(1, 0)
    clock.t = 40.0
    p.update(0, 200)
    p.update(1, 200)                     # 2 x 200 generations in 10 s
    assert p.rate() == pytest.approx(40.0)
    # left: 800 + 800 + 1000 + 1000 = 3600 generations at 40/s
    assert p.eta() == pytest.approx(90.0)
    assert (p.done, p.total) == (0, 4)
    assert p.running() == [0, 1]


def test_finish_drops_units_and_counts():
    p, clock, _ = make([("a", 1000), ("b", 1000)])
    p.update(0, 0)
    clock.t = 10.0
    p.update(0, 100)
    p.finish(0, units=300)               # stop rule met early: the rest of its units go
    assert (p.done, p.total) == (1, 2)
    assert p.units_left() == 1000
    assert p.eta() is not None and p.eta() > 0
    p.finish(1)
    assert p.eta() == 0.0


def test_late_worker_does_not_make_eta_absurd():
    # worker 2 reports 60 s after worker 1 (it was compiling): the throughput is the sum of
    # both workers' rates, not the work done divided by the whole time since the first report
    p, clock, _ = make([("a", 10000), ("b", 10000)])
    p.update(0, 0)
    clock.t = 60.0
    p.update(0, 6000)
    p.update(1, 0)
    clock.t = 61.0
    p.update(0, 6100)
    p.update(1, 100)
    assert p.rate() == pytest.approx(200.0)


def test_resumed_run_counts_only_new_generations():
    p, clock, _ = make([("a", 1000)])
    p.update(0, 500)                     # resumed from a checkpoint at generation 500
    clock.t = 5.0
    p.update(0, 600)
    assert p.units_done() == 100
    assert p.rate() == pytest.approx(20.0)
    assert p.eta() == pytest.approx(400 / 20)


def test_runs_that_finish_between_reports_give_a_rate_from_the_stage_start():
    p, clock, _ = make([("a", 200), ("b", 200), ("c", 200)])
    clock.t = 4.0
    p.finish(0, units=200)
    clock.t = 8.0
    p.finish(1, units=200)
    assert p.rate() == pytest.approx(50.0)
    assert p.eta() == pytest.approx(4.0)


def test_window_follows_a_change_of_speed():
    p, clock, _ = make([("a", 100000)], window=10.0)
    p.update(0, 0)
    for t in range(1, 31):              # 100 gen/s for 30 s, then 10 gen/s
        clock.t = float(t)
        p.update(0, 100 * t)
    for t in range(31, 61):
        clock.t = float(t)
        p.update(0, 3000 + 10 * (t - 30))
    # the average since the start is 3300 / 60 = 55/s; the last 10 s ran at 10/s
    assert p.rate() == pytest.approx(10.0)
    assert p.eta() == pytest.approx((100000 - 3300) / 10.0)


def test_line_mode_prints_a_line_per_finished_item_and_quiet_prints_nothing():
    p, clock, out = make([("fixed-g1 seed-1", 10), ("mvg seed-1", 10)])
    p.finish(1, units=10)
    clock.t = 1.0
    p.finish(0, units=10)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("runs 1/2 done: mvg seed-1")
    assert lines[1].startswith("runs 2/2 done: fixed-g1 seed-1")
    q, _, qout = make([("a", 10)], mode="quiet")
    q.update(0, 5)
    q.finish(0)
    q.close()
    assert qout.getvalue() == ""


def test_auto_mode_is_plain_lines_when_not_a_terminal():
    class Tty(io.StringIO):
        def isatty(self):
            return True
    assert Progress("x", 1, stream=io.StringIO()).mode == "lines"
    p = Progress("x", [("a", 100)], stream=Tty(), clock=Clock())
    assert p.mode == "bar"
    p.update(0, 10)
    assert p.stream.getvalue().startswith("\rx 0/1 done | ETA -- | running: a gen 10/100")
    with pytest.raises(ValueError):
        Progress("x", 1, mode="loud")


def test_status_names_running_items_and_rate():
    p, clock, _ = make([("mvg seed-3", 10000), ("pa seed-1", 10000)])
    p.update(0, 0)
    clock.t = 2.0
    p.update(0, 1200)
    s = p.status()
    assert "runs 0/2 done" in s and "mvg seed-3 gen 1,200/10,000" in s
    assert "600 gen/s" in s and "ETA 31s" in s      # 18,800 left at 600/s


def test_file_reporter_and_poll(tmp_path):
    clock = Clock()
    path = tmp_path / "seed-1" / ".progress"
    r = FileReporter(path, every=1.0, clock=clock)
    r(10, 500)
    clock.t = 0.5
    r(20, 500)                           # throttled: not written
    assert read_progress_file(path) == (10, 500)
    clock.t = 1.5
    r(30, 500)
    assert read_progress_file(path) == (30, 500)
    p, pclock, _ = make([("a", 1)])
    p.watch(0, path)
    p.poll()
    assert p.units == [500.0] and p._current[0] == 30
    r.remove()
    assert read_progress_file(path) is None
    p.poll()                              # a vanished file is not an error


def test_counter_stage():
    out = io.StringIO()
    with Progress("modularity", 3, mode="lines", stream=out, clock=Clock()) as p:
        p.advance()
        p.advance()
    assert p.done == 2 and "modularity 2/3 done" in out.getvalue()


def test_format_duration():
    assert [format_duration(s) for s in (0, 59.6, 61, 3600, None, float("inf"))] == \
        ["0s", "1m00s", "1m01s", "1h00m", "--", "--"]
