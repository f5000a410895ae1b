"""Timing the stages of a registry build: wall-clock seconds and the CPU seconds the process spent on them.

The machines builds run on are shared; wall time says how long a stage took, CPU time (all threads of the
process, DuckDB's included) how much work it was, whatever else the machine was doing.
"""

from __future__ import annotations

import time

__all__ = ["Stopwatch"]


class Stopwatch:
    """Consecutive laps: ``lap(name)`` records the time since the previous lap (or ``restart``)."""

    def __init__(self) -> None:
        self.wall: dict[str, float] = {}
        self.cpu: dict[str, float] = {}
        self.restart()

    def restart(self) -> None:
        self._wall = time.perf_counter()
        self._cpu = time.process_time()

    def lap(self, name: str) -> None:
        wall, cpu = time.perf_counter(), time.process_time()
        self.wall[name] = round(wall - self._wall, 3)
        self.cpu[name] = round(cpu - self._cpu, 3)
        self._wall, self._cpu = wall, cpu
