"""Benchmark the synthetic city generator: wall time, peak memory and records per second.

Run ``.venv/bin/python bench/bench_synth.py [--persons 1000000] [--workers N]``. The city is generated
into a temporary directory and deleted afterwards. The baseline, measured in the same run, writes the
same total number of rows (every source record, truth row and link) of constant strings with a plain
``csv.writer`` in one process, so the ratio says how much the generator costs over merely writing rows.
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import tempfile
import time
from pathlib import Path

from _report import machine_line, peak_rss_mib, write_section

from xingcheng.synth import Manifest, generate

BASELINE_ROW = ("P000000001", "430102199001011234", "王小明", "男", "1990-01-01", "430102001001",
                "长沙市芙蓉区五一大道101号", "13800000000", "汉族", "已婚")  # fmt: skip


def baseline(rows: int, directory: Path) -> float:
    """Seconds to write ``rows`` constant rows with csv.writer."""
    start = time.perf_counter()
    with (directory / "baseline.csv").open("w", encoding="utf-8", newline="") as handle:
        write = csv.writer(handle).writerow
        for _ in range(rows):
            write(BASELINE_ROW)
    return time.perf_counter() - start


def _size(path: Path) -> str:
    size = path.stat().st_size
    return f"{size / 2**20:,.1f} MiB" if size >= 2**20 else f"{size / 1024:,.0f} KiB"


def cpu_seconds() -> float:
    """User + system CPU of this process and its waited-for children (the workers)."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def report(
    manifest: Manifest, out: Path, wall: float, cpu: float, base: float, workers: int, load_before: float
) -> str:
    source_records = sum(s.records for s in manifest.sources)
    truth_records = sum(t.records for t in manifest.truth)
    total = source_records + truth_records
    lines = [
        "## Synthetic city (`xingcheng.synth.generate`)",
        "",
        machine_line(),
        "",
        "| persons | workers | wall time | CPU time | records written | records/s | parent peak RSS |"
        " worker peak RSS | baseline (csv.writer, same rows) | ratio |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        f"| {manifest.persons:,} | {workers} | {wall:.1f} s | {cpu:.0f} s | {total:,} | {total / wall:,.0f} | "
        f"{peak_rss_mib():.0f} MiB | {peak_rss_mib(children=True):.0f} MiB | {base:.1f} s | {wall / base:.1f}× |",
        "",
        f"Load average (1 min) before and after the run: {load_before:.1f} → {os.getloadavg()[0]:.1f} on "
        f"{os.cpu_count()} cores; other work on a shared machine stretches wall times, the ratio less so.",
        "",
        f"Records written = {source_records:,} departmental records + {truth_records:,} truth rows "
        f"(including one link per departmental record). Peak RSS of the workers is the largest single worker.",
        "",
        "| source | department | file | format | encoding | records | size |",
        "|---|---|---|---|---|---:|---:|",
    ]
    for entry in manifest.sources:
        s = entry.spec
        lines.append(
            f"| {s.id} | {s.department.name} | `{s.file}` | {s.format} | {s.encoding} | {entry.records:,} | "
            f"{_size(out / s.file)} |"
        )
    for truth in manifest.truth:
        lines.append(f"| truth: {truth.name} | — | `{truth.file}` | csv | utf-8 | {truth.records:,} | "
                     f"{_size(out / truth.file)} |")  # fmt: skip
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=20240630)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--no-write", action="store_true", help="print the section instead of writing it")
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="bench-synth-") as tmp:
        out = Path(tmp) / "city"
        start = time.perf_counter()
        manifest = generate(out, persons=args.persons, seed=args.seed, workers=args.workers)
        wall = time.perf_counter() - start
        cpu = cpu_seconds()
        rows = sum(s.records for s in manifest.sources) + sum(t.records for t in manifest.truth)
        base = baseline(rows, Path(tmp))
        markdown = report(manifest, out, wall, cpu, base, args.workers, load_before)
    print(markdown)
    if not args.no_write:
        write_section("synth", markdown)


if __name__ == "__main__":
    main()
