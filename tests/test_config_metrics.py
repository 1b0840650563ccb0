"""config.metrics: committed audit events move the right counters, the rendering adds the
scrape-time collectors, and multiprocess mode adds up the values of several processes."""

import os
import subprocess
import sys

from prometheus_client.core import GaugeMetricFamily

from config import metrics
from tests.metrics_counts import sample


def test_audit_events_move_their_counters_and_others_none():
    events = [
        ("login_link.generated", {"kind": "magiclink"}),
        ("login_link.redeemed", {}),
        ("login_link.redeem_failed", {"reason": "expired"}),
        ("notification.bounced", {}),
        ("user.created", {}),  # no counter
    ]
    before = metrics.render()[0].decode()
    for event, details in events:
        metrics.record_event(event, details)
    after = metrics.render()[0].decode()
    for name in (
        'linkgate_links_issued_total{kind="magiclink"}',
        "linkgate_links_redeemed_total",
        'linkgate_links_failed_total{reason="expired"}',
        'linkgate_emails_total{outcome="bounced"}',
    ):
        assert sample(after, name) == sample(before, name) + 1, name


class Backlog:
    def collect(self):
        gauge = GaugeMetricFamily("linkgate_test_backlog", "A scrape-time gauge.")
        gauge.add_metric([], 7)
        yield gauge


def test_render_adds_the_scrape_time_collectors():
    text, content_type = metrics.render(Backlog())
    assert sample(text.decode(), "linkgate_test_backlog") == 7
    assert content_type.startswith("text/plain")
    assert "linkgate_test_backlog" not in metrics.render()[0].decode()  # not kept


MULTIPROCESS = """
import django, os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()
from config import metrics
from tests.metrics_counts import sample
metrics.record_refusal("browser.fresh_link.ip")
metrics.record_refusal("browser.fresh_link.ip")
print(metrics.render()[0].decode())
"""


def test_multiprocess_mode_adds_up_every_process_through_the_directory(tmp_path):
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path), "DEBUG": "true"}
    for _ in range(2):  # two processes, as two gunicorn workers
        output = subprocess.run(
            [sys.executable, "-c", MULTIPROCESS],
            env=env,
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        ).stdout
    assert any(tmp_path.iterdir())
    name = 'linkgate_rate_limit_refusals_total{limit="browser.fresh_link.ip"}'
    assert sample(output, name) == 4
