"""Read /metrics' counters as a scrape would, for tests that check a path moves them exactly."""

from config import metrics


def sample(text: str, name: str) -> float:
    """The value of the sample `name` (with its labels) in exposition `text`, 0 when absent."""
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def issued(kind: str) -> float:
    """linkgate_links_issued_total for links of `kind`, in this process."""
    return sample(metrics.render()[0].decode(), f'linkgate_links_issued_total{{kind="{kind}"}}')
