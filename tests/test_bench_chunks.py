"""bench/run.py's chunks: a scenario measured in turns adds up to what one window would give."""

from bench import cpu, load, run

MACHINE_COLUMNS = 10  # /proc/stat's cpu line: user nice system idle iowait irq softirq steal …


def _window(web_s: float, db_s: float, busy: int, idle: int, steal: int, lost: int = 0) -> dict:
    machine = [busy, 0, 0, idle, 0, 0, 0, steal, 0, 0]
    assert len(machine) == MACHINE_COLUMNS
    return {"web_s": web_s, "db_s": db_s, "machine": machine, "lost": lost}


def _loaded(latencies: list[float], seconds: float, statuses: dict) -> dict:
    return {**load.summarize(latencies, seconds, statuses, 4), "latencies": latencies}


def test_cpu_per_request_is_total_cpu_over_total_requests_not_a_mean_of_chunks():
    windows = [_window(1.0, 0.2, 90, 10, 0), _window(3.0, 0.6, 80, 20, 0)]
    figures = cpu.figures(windows, requests=1000)
    assert figures["cpu_ms_per_request"] == 4.8  # (1.2 + 3.6) s over 1,000 requests
    assert figures["web_cpu_ms_per_request"] == 4.0
    assert figures["db_cpu_ms_per_request"] == 0.8
    assert figures["machine_busy_pct"] == 85.0
    assert figures["lost_processes"] == 0


def test_steal_and_lost_processes_add_up_over_the_windows():
    windows = [_window(1, 0, 90, 0, 10, lost=1), _window(1, 0, 100, 0, 0)]
    figures = cpu.figures(windows, requests=10)
    assert figures["steal_pct"] == 5.0
    assert figures["lost_processes"] == 1


def test_combined_chunks_give_rps_percentiles_and_statuses_over_every_request():
    first = _loaded([0.010] * 99 + [0.500], seconds=1.0, statuses={"201": 100})
    second = _loaded([0.020] * 100, seconds=3.0, statuses={"201": 99, "429": 1})
    chunks = [(first, _window(0.2, 0.1, 1, 1, 0)), (second, _window(0.6, 0.1, 1, 1, 0))]
    result = run._combined(chunks, concurrency=4, nodes=1)
    assert result["requests"] == 200
    assert result["rps"] == 50.0  # 200 requests in 4 s, not the mean of 100 and 33 req/s
    assert result["p50_ms"] == 20.0 and result["p99_ms"] == 20.0 and result["mean_ms"] > 15
    assert result["statuses"] == {"201": 199, "429": 1}
    assert result["cpu_ms_per_request"] == 5.0
    assert result["cpu_ms_per_chunk"] == [3.0, 7.0]
    assert "latencies" not in result


def test_one_chunk_reports_no_spread():
    chunk = (_loaded([0.01, 0.02], 0.1, {"200": 2}), _window(0.01, 0.0, 1, 1, 0))
    result = run._combined([chunk], concurrency=4, nodes=2)
    assert "cpu_ms_per_chunk" not in result
    assert result["nodes"] == 2
