"""The entry point: generate the synthetic city into a directory, in parallel, reproducibly.

``generate(out_dir, persons=N, seed=S)`` writes ``manifest.json``, the departmental files under
``sources/`` and the truth under ``truth/``. Persons are split into chunks (see :mod:`.config`) that a
pool of worker processes generates in any order; the parent appends their part files strictly in chunk
order, so the bytes depend on the seed and N only, never on ``workers``.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import xingcheng

from .chunk import ChunkResult, ChunkTask, run_chunk
from .config import GENERATOR_VERSION, REFERENCE_DATE, MessRates, plan_chunks
from .geography import build_geography
from .manifest import Manifest, SourceEntry
from .outputs import Assembler
from .sources import SOURCES

__all__ = ["Progress", "generate"]

Progress = Callable[[str, int, int], None]


def _quiet(stage: str, done: int, total: int) -> None:
    """The default progress callback: report nothing."""


def _results(tasks: list[ChunkTask], workers: int) -> Iterator[ChunkResult]:
    if workers <= 1:
        yield from map(run_chunk, tasks)
        return
    # spawn, not fork: the caller may run threads (a progress bar), and forking those is unsafe.
    pool = multiprocessing.get_context("spawn").Pool(workers)
    try:
        yield from pool.imap(run_chunk, tasks)
        pool.close()
    except BaseException:
        pool.terminate()
        raise
    finally:
        pool.join()


def generate(
    out_dir: Path,
    *,
    persons: int,
    seed: int,
    workers: int | None = None,
    progress: Progress | None = None,
    mess: MessRates | None = None,
) -> Manifest:
    """Generate a city of ``persons`` residents from ``seed`` into ``out_dir`` and return its manifest.

    ``workers`` defaults to the number of CPUs; ``progress(stage, done, total)`` is called as stages
    advance (stages: ``geography``, ``persons``, ``workbooks``, ``manifest``); ``mess`` overrides the
    default rates of mess in the departmental sources.
    """
    report = progress or _quiet
    rates = mess or MessRates()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    plans = plan_chunks(persons, seed)
    parts = out_dir / ".parts"
    shutil.rmtree(parts, ignore_errors=True)
    parts.mkdir()

    report("geography", 0, 1)
    assembler = Assembler(out_dir)
    assembler.geography(build_geography(seed))
    report("geography", 1, 1)

    tasks = [ChunkTask(seed, rates, plan, parts / f"{plan.index:03d}") for plan in plans]
    pool_size = max(1, min(workers or os.cpu_count() or 1, len(tasks)))
    done = 0
    report("persons", 0, persons)
    for result in _results(tasks, pool_size):
        assembler.append(result.part_dir, result.counts)
        done += result.persons
        report("persons", done, persons)

    books = sum(1 for s in SOURCES if s.format == "xlsx")
    report("workbooks", 0, books)
    sheets = assembler.finish()
    report("workbooks", books, books)
    shutil.rmtree(parts)

    manifest = Manifest(
        seed=seed,
        persons=persons,
        generator=f"xingcheng-synth {GENERATOR_VERSION} (xingcheng {xingcheng.__version__})",
        reference_date=REFERENCE_DATE.isoformat(),
        mess_rates=rates.as_dict(),
        sources=tuple(SourceEntry(s, assembler.counts[s.id], sheets.get(s.id, ())) for s in SOURCES),
        truth=tuple(assembler.truth_files()),
        companies=assembler.counts["companies"],
        chunks=len(plans),
    )
    manifest.write(out_dir)
    report("manifest", 1, 1)
    return manifest
