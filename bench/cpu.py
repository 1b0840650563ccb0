"""Server CPU per request and CPU steal, from /proc (Linux).

`Sampler(server_pids, db_url)` snapshots, at `start()` and `stop()`, the user + system CPU time
(/proc/<pid>/stat fields 14 and 15, in clock ticks) of every gunicorn process (each master and
its workers) and of every PostgreSQL backend connected to the bench database (pids from
pg_stat_activity, the sampler's own connection excluded), and the machine's counters in
/proc/stat (for steal: time the hypervisor gave to other guests while this one wanted to run).
The load generator runs on the same cores; its CPU is not counted, which is why CPU per request
is the figure to compare and req/s is only read next to it. Redis's CPU is not counted either:
the server is shared with the other suites on this machine. `figures(windows, requests)` adds up
several windows (a scenario measured in chunks, bench/run.py) before dividing.
"""

import os
from pathlib import Path

import psycopg

TICK_S = 1.0 / os.sysconf("SC_CLK_TCK")


def _ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0
    return int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of the line)


def _children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (FileNotFoundError, ProcessLookupError, IndexError):
                continue
            if ppid == pid:
                out.append(int(entry.name))
    return out


def _machine() -> list[int]:
    return [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]


class Sampler:
    def __init__(self, server_pids: list[int], db_url: str) -> None:
        self.server_pids = server_pids
        self.db_url = db_url

    def _pids(self) -> tuple[list[int], list[int]]:
        web = [p for master in self.server_pids for p in (master, *_children(master))]
        with psycopg.connect(self.db_url, autocommit=True) as conn:
            db = [
                row[0]
                for row in conn.execute(
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                    " AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
                )
            ]
        return web, db

    def _snapshot(self) -> dict:
        web, db = self._pids()
        return {
            "web": {pid: _ticks(pid) for pid in web},
            "db": {pid: _ticks(pid) for pid in db},
            "machine": _machine(),
        }

    def start(self) -> None:
        self.before = self._snapshot()

    def stop(self) -> dict:
        """The window's raw counters (seconds of CPU, machine ticks); `figures` turns one or
        several windows into per-request figures."""
        after = self._snapshot()

        def spent(kind: str) -> float:
            # Processes that appeared during the window count from zero (a new backend).
            return sum(t - self.before[kind].get(pid, 0) for pid, t in after[kind].items())

        # A process gone by the end took its counters with it: say so, the figure is low then.
        lost = [
            pid for kind in ("web", "db") for pid in self.before[kind] if pid not in after[kind]
        ]
        return {
            "web_s": spent("web") * TICK_S,
            "db_s": spent("db") * TICK_S,
            "machine": [
                b - a for a, b in zip(self.before["machine"], after["machine"], strict=False)
            ],
            "lost": len(lost),
        }


def figures(windows: list[dict], requests: int) -> dict:
    """Server CPU per request, steal and how busy the machine was, over the windows together."""
    web_s = sum(w["web_s"] for w in windows)
    db_s = sum(w["db_s"] for w in windows)
    delta = [sum(column) for column in zip(*(w["machine"] for w in windows), strict=True)]
    total = sum(delta[:8]) or 1  # user nice system idle iowait irq softirq steal
    return {
        "lost_processes": sum(w["lost"] for w in windows),
        "cpu_ms_per_request": round((web_s + db_s) * 1000 / requests, 2),
        "web_cpu_ms_per_request": round(web_s * 1000 / requests, 2),
        "db_cpu_ms_per_request": round(db_s * 1000 / requests, 2),
        "steal_pct": round(100 * delta[7] / total, 1) if len(delta) > 7 else None,
        "machine_busy_pct": round(100 * (total - delta[3] - delta[4]) / total, 1),
    }
