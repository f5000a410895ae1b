"""Fixed parameters of the synthetic city: reference date, chunking, seeds and the rates of mess.

Everything that decides *what* is generated for a seed lives here, so that a change to any of it is a
visible change of :data:`GENERATOR_VERSION`. Nothing here reads the clock or the environment: the city is
generated "as of" :data:`REFERENCE_DATE`, whatever day the generator runs.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import random
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Final, TypeVar

__all__ = [
    "BATCH_SIZE",
    "GENERATOR_VERSION",
    "LANES",
    "LANE_WIDTH",
    "MAX_CHUNKS",
    "MIN_CHUNK_SIZE",
    "PERSONS_PER_COMPANY",
    "REFERENCE_DATE",
    "BatchPlan",
    "ChunkPlan",
    "FastRandom",
    "MessRates",
    "derive_seed",
    "make_rng",
    "plan_chunks",
]

T = TypeVar("T")

# Bump whenever the output for a given seed changes.
GENERATOR_VERSION: Final = "1.0"

# The city is generated as it stood on this day: ages, "recent" births and registration dates are
# relative to it, so that the output never depends on when the generator runs.
REFERENCE_DATE: Final = dt.date(2024, 6, 30)

# Persons are generated in chunks, one chunk per task of the worker pool. A chunk's output depends only
# on (seed, persons, chunk index), never on the number of workers. There are at most MAX_CHUNKS chunks
# because unique ID numbers are guaranteed by giving each chunk its own lane of sequence numbers (see
# population.py): 500 sequence values per sex and day, LANE_WIDTH of them per chunk.
MIN_CHUNK_SIZE: Final = 1_000
MAX_CHUNKS: Final = 100
LANES: Final = 500
LANE_WIDTH: Final = LANES // MAX_CHUNKS
# Inside a chunk persons are generated and written in batches, so a worker's memory is bounded by the
# batch, not by the chunk.
BATCH_SIZE: Final = 5_000
PERSONS_PER_COMPANY: Final = 8


@dataclass(frozen=True, slots=True)
class MessRates:
    """Per-record probabilities of each kind of mess in the departmental sources.

    The truth files always hold the clean values; these rates only shape the sources. The defaults are
    low, as in real exchanges, but high enough that a city of a few thousand people shows every kind.
    """

    name_typo: float = 0.01  # a similar-looking or similar-sounding character
    traditional: float = 0.01  # 張 for 张 …
    stray_space: float = 0.008  # "王 小明", "李娜 "
    id_swap: float = 0.004  # two adjacent digits of an ID number swapped: the check fails
    id_missing: float = 0.01  # the ID number left empty (only where the form allows it)
    full_width: float = 0.006  # ４３０１… in ID numbers, phones and addresses
    stale_address: float = 0.04  # share of persons who moved; one department still has the old address
    missing_field: float = 0.03  # an optional field (phone, address …) left empty
    birth_date_off: float = 0.004  # a birth date one day off from the ID number
    other_phone: float = 0.05  # a department has an older phone number
    exact_duplicate: float = 0.004  # the same record again, under a new record key
    near_duplicate: float = 0.004  # the same entity again, with small differences

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class BatchPlan:
    """A run of persons generated and written together; companies are founded per batch."""

    person_start: int
    persons: int
    company_start: int
    companies: int


@dataclass(frozen=True, slots=True)
class ChunkPlan:
    """One unit of parallel work, fully determined by (seed, total persons, index)."""

    index: int
    chunks: int
    seed: int
    person_start: int
    persons: int
    batches: tuple[BatchPlan, ...]

    @property
    def companies(self) -> int:
        return sum(batch.companies for batch in self.batches)


def derive_seed(seed: int, *parts: object) -> int:
    """Derive an independent 64-bit seed from the run's seed and a path of names or numbers."""
    text = ":".join(["xingcheng-synth", str(seed), *map(str, parts)])
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")


class FastRandom(random.Random):
    """``random.Random`` with integer draws scaled from one float.

    The standard ``randrange``/``randint``/``choice`` reject-sample bits in pure Python (about 1.7 µs a
    call); the generator makes a dozen such draws per person. Scaling ``random()`` costs a tenth of that;
    its bias, below 2**-53 times the range, is irrelevant for ranges under a billion. The stream stays
    fully determined by the seed.
    """

    def randrange(self, start: int, stop: int | None = None, step: int = 1) -> int:
        if step != 1:
            return super().randrange(start, stop, step)
        if stop is None:
            return int(self.random() * start)
        return start + int(self.random() * (stop - start))

    def randint(self, a: int, b: int) -> int:
        return a + int(self.random() * (b - a + 1))

    def choice(self, seq: Sequence[T]) -> T:  # type: ignore[override]
        return seq[int(self.random() * len(seq))]


def make_rng(seed: int, *parts: object) -> random.Random:
    """A private generator for one purpose; the module-level ``random`` functions are never used.

    Reproducibility is the point here, not unpredictability: nothing secret is ever drawn from it.
    """
    return FastRandom(derive_seed(seed, *parts) if parts else seed)


def _companies_for(persons: int) -> int:
    return persons // PERSONS_PER_COMPANY


def plan_chunks(persons: int, seed: int) -> list[ChunkPlan]:
    """Split ``persons`` into at most :data:`MAX_CHUNKS` chunks and each chunk into batches."""
    if persons < 1:
        raise ValueError("persons must be at least 1")
    size = max(MIN_CHUNK_SIZE, math.ceil(persons / MAX_CHUNKS))
    count = math.ceil(persons / size)
    plans: list[ChunkPlan] = []
    company = 0
    for index in range(count):
        start = index * size
        chunk_persons = min(size, persons - start)
        batches: list[BatchPlan] = []
        for offset in range(0, chunk_persons, BATCH_SIZE):
            batch_persons = min(BATCH_SIZE, chunk_persons - offset)
            companies = _companies_for(batch_persons)
            batches.append(BatchPlan(start + offset, batch_persons, company, companies))
            company += companies
        plans.append(
            ChunkPlan(
                index=index,
                chunks=count,
                seed=derive_seed(seed, "chunk", index),
                person_start=start,
                persons=chunk_persons,
                batches=tuple(batches),
            )
        )
    return plans
