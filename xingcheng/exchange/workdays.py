"""Working days (工作日) in China: Monday to Friday, less public holidays, plus make-up working days (调休).

The holiday list is data (``data/holidays.csv`` or ``XINGCHENG_EXCHANGE_HOLIDAYS_FILE``). Deadlines are
counted in China Standard Time (UTC+8, no daylight saving since 1991) and fall at the end of a working day.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

__all__ = ["CST", "Calendar"]

CST = dt.timezone(dt.timedelta(hours=8), "CST")


@dataclass(frozen=True)
class Calendar:
    holidays: frozenset[dt.date]
    workdays: frozenset[dt.date]

    @classmethod
    def load(cls, path: Path | None = None) -> Calendar:
        if path is None:
            text = (resources.files("xingcheng.exchange") / "data" / "holidays.csv").read_text(encoding="utf-8")
        else:
            text = path.read_text(encoding="utf-8")
        holidays, workdays = set(), set()
        for row in csv.DictReader(text.splitlines()):
            day = dt.date.fromisoformat(row["date"].strip())
            (workdays if row["kind"].strip() == "workday" else holidays).add(day)
        return cls(frozenset(holidays), frozenset(workdays))

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5

    def add_working_days(self, start: dt.datetime, days: int) -> dt.datetime:
        """The end (23:59:59.999999 CST) of the ``days``-th working day after the day of ``start``."""
        day = start.astimezone(CST).date()
        left = days
        while left > 0:
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                left -= 1
        end = dt.datetime.combine(day, dt.time(23, 59, 59, 999999), tzinfo=CST)
        return end.astimezone(dt.UTC)

    def working_days_between(self, start: dt.datetime, end: dt.datetime) -> int:
        """Working days after the day of ``start`` up to and including the day of ``end`` (0 if end ≤ start)."""
        a, b = start.astimezone(CST).date(), end.astimezone(CST).date()
        count = 0
        while a < b:
            a += dt.timedelta(days=1)
            if self.is_working_day(a):
                count += 1
        return count
