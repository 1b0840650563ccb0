"""gunicorn settings read from the working directory (the Procfile's `web` runs there).

With PROMETHEUS_MULTIPROC_DIR set (docs/operations.md), each worker writes its metric values to
files in that directory; when a worker exits its live gauges must be dropped, which
prometheus-client's `mark_process_dead` does (counters and histograms are kept and still added
up, as they should be).
"""

import os


def child_exit(server, worker) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
