"""Generation streams: twenty times the persons must not mean twenty times the memory.

Each size runs in a fresh interpreter (one worker, in-process) and reports its own peak RSS. Holding the
persons would cost well over a kilobyte each (objects, names, ID numbers, addresses), so 38,000 extra
persons would add far more than the allowance below; streaming keeps the peak flat (measured: equal
within 1 MiB), and the allowance only absorbs allocator noise.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = """
import resource, sys
from pathlib import Path
from xingcheng.synth import generate
generate(Path(sys.argv[1]), persons=int(sys.argv[2]), seed=3, workers=1)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def _peak_mib(tmp_path: Path, persons: int) -> float:
    out = tmp_path / str(persons)
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(out), str(persons)], capture_output=True, text=True, check=True
    )
    return int(result.stdout.split()[-1]) / 1024


def test_peak_memory_does_not_grow_with_the_number_of_persons(tmp_path: Path) -> None:
    small = _peak_mib(tmp_path, 2_000)
    large = _peak_mib(tmp_path, 40_000)
    assert large - small < 10, (small, large)
