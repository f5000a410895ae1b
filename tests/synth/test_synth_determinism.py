"""Same seed and size, same bytes — whatever the number of workers; another seed, another city."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from xingcheng.synth import generate


def _digests(root: Path) -> dict[str, str]:
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def test_same_seed_gives_identical_bytes_with_one_or_two_workers(tmp_path: Path) -> None:
    generate(tmp_path / "one", persons=2_000, seed=5, workers=1)
    generate(tmp_path / "two", persons=2_000, seed=5, workers=2)
    one, two = _digests(tmp_path / "one"), _digests(tmp_path / "two")
    assert len(one) == 18  # manifest, 10 sources, 7 truth files
    assert one == two


def test_a_second_run_reproduces_the_first(tmp_path: Path) -> None:
    generate(tmp_path / "a", persons=1_500, seed=9, workers=1)
    generate(tmp_path / "b", persons=1_500, seed=9, workers=1)
    assert _digests(tmp_path / "a") == _digests(tmp_path / "b")


def test_another_seed_gives_another_city(tmp_path: Path) -> None:
    generate(tmp_path / "a", persons=1_000, seed=1, workers=1)
    generate(tmp_path / "b", persons=1_000, seed=2, workers=1)
    a, b = _digests(tmp_path / "a"), _digests(tmp_path / "b")
    assert a.keys() == b.keys()
    assert all(a[name] != b[name] for name in a)


def test_geography_depends_on_the_seed_not_on_the_size(tmp_path: Path) -> None:
    generate(tmp_path / "small", persons=300, seed=3, workers=1)
    generate(tmp_path / "large", persons=3_000, seed=3, workers=1)
    for name in ("truth/communities.csv", "truth/grid_cells.csv"):
        assert (tmp_path / "small" / name).read_bytes() == (tmp_path / "large" / name).read_bytes()


def test_the_run_leaves_no_parts_and_no_timestamps(tmp_path: Path) -> None:
    stages: list[tuple[str, int, int]] = []
    generate(tmp_path, persons=1_200, seed=4, workers=1, progress=lambda *a: stages.append(a))
    assert not (tmp_path / ".parts").exists()
    assert not re.search(r"\d{4}-\d\d-\d\dT\d\d:", (tmp_path / "manifest.json").read_text(encoding="utf-8"))
    assert ("persons", 1_200, 1_200) in stages
    assert stages[-1] == ("manifest", 1, 1)
    assert [s for s, done, total in stages if s == "persons" and done == 0] == ["persons"]
