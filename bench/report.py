"""Rendering the benchmark's results: the console table, the ratios against the targets, the
picture (matplotlib, headless)."""

from pathlib import Path

# (name, numerator, denominator, minimum ratio)
RATIOS = [
    ("issue/baseline", "issue", "baseline", 0.6),
    ("generate_link/baseline", "generate_link", "baseline", 0.7),
    ("redeem/peer", "redeem", "peer", 1.0),
]
ISSUE_P99_TARGET_MS = 50.0


def ratios(results: dict) -> dict:
    """Throughput ratios, and the same ratios of server CPU per request (inverted: the cheaper
    path has the higher ratio, so both read "≥ target")."""
    out = {}
    for name, num, den, target in RATIOS:
        if num in results and den in results and results[den]["rps"]:
            value = results[num]["rps"] / results[den]["rps"]
            out[name] = {"value": round(value, 2), "target": target, "met": value >= target}
            num_cpu = results[num].get("cpu_ms_per_request")
            den_cpu = results[den].get("cpu_ms_per_request")
            if num_cpu and den_cpu:
                value = den_cpu / num_cpu
                out[f"{name} (cpu)"] = {
                    "value": round(value, 2),
                    "target": target,
                    "met": value >= target,
                }
    if "issue" in results:
        p99 = results["issue"]["p99_ms"]
        out["issue_p99_ms"] = {"value": p99, "target": ISSUE_P99_TARGET_MS, "met": p99 < 50}
    return out


def table(results: dict, ratio_values: dict) -> str:
    lines = [
        f"{'scenario':<16}{'req':>7}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
        f"{'cpu ms':>9}{'web':>7}{'db':>7}{'steal%':>8}  statuses",
        "-" * 104,
    ]
    for name, r in results.items():
        lines.append(
            f"{name:<16}{r['requests']:>7}{r['rps']:>9.1f}{r['p50_ms']:>9.1f}"
            f"{r['p95_ms']:>9.1f}{r['p99_ms']:>9.1f}{r.get('cpu_ms_per_request', 0):>9.2f}"
            f"{r.get('web_cpu_ms_per_request', 0):>7.2f}{r.get('db_cpu_ms_per_request', 0):>7.2f}"
            f"{r.get('steal_pct') or 0:>8.1f}  {r['statuses']}"
        )
    lines.append("")
    for name, ratio in ratio_values.items():
        comparison = "<" if name.endswith("_ms") else "≥"
        verdict = "met" if ratio["met"] else "NOT met"
        lines.append(
            f"{name:<24}{ratio['value']:>8}   target {comparison} {ratio['target']}   {verdict}"
        )
    return "\n".join(lines)


def two_node_table(two_nodes: dict) -> str:
    lines = [
        f"{'two nodes':<16}{'1 node req/s':>14}{'2 nodes req/s':>15}{'scaling':>9}"
        f"{'cpu ms 1/2':>14}{'busy % 1/2':>13}{'steal % 1/2':>14}",
        "-" * 95,
    ]
    for name, r in two_nodes.items():
        one, two = r["one_node"], r["two_nodes"]
        lines.append(
            f"{name:<16}{one['rps']:>14.1f}{two['rps']:>15.1f}{r['scaling']:>9.2f}"
            f"{one['cpu_ms_per_request']:>7.2f}/{two['cpu_ms_per_request']:<6.2f}"
            f"{one['machine_busy_pct']:>7.1f}/{two['machine_busy_pct']:<5.1f}"
            f"{one['steal_pct'] or 0:>8.1f}/{two['steal_pct'] or 0:<5.1f}"
        )
    return "\n".join(lines)


def picture(results: dict, ratio_values: dict, path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(results)
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5))
    bars = left.bar(names, [results[n]["rps"] for n in names], color="#0b5fff")
    left.bar_label(bars, fmt="%.0f")
    left.set_ylabel("requests / second")
    left.set_title("Throughput")
    left.tick_params(axis="x", rotation=30)

    width = 0.27
    xs = range(len(names))
    for offset, key, colour in (
        (-width, "p50_ms", "#7fb2ff"),
        (0, "p95_ms", "#0b5fff"),
        (width, "p99_ms", "#072f80"),
    ):
        right.bar(
            [x + offset for x in xs],
            [results[n][key] for n in names],
            width,
            label=key.removesuffix("_ms"),
            color=colour,
        )
    right.axhline(
        ISSUE_P99_TARGET_MS, color="#c00", linestyle="--", linewidth=1, label="issue p99 target"
    )
    right.set_xticks(list(xs), names, rotation=30)
    right.set_ylabel("latency (ms)")
    right.set_title("Latency")
    right.legend()
    summary = "   ".join(f"{k} {v['value']}" for k, v in ratio_values.items())
    fig.suptitle(f"{title}\n{summary}", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
