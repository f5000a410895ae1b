"""Build the lake's compiled validation checks: xingcheng/lake/native/xc.c → xc.duckdb_extension (``make native``).

The extension is compiled against the C extension API header of the DuckDB release that is installed. The
header is not in this repository: it is taken from that release's source distribution on PyPI, fetched
once at build time into ``build/duckdb-<version>/`` and checked against its pinned SHA-256. The compiled
file gets the 512-byte footer DuckDB reads before loading an extension (ABI ``C_STRUCT``, the C API
version, the platform; no signature: the lake loads it with ``allow_unsigned_extensions``, see decision
0037).

Run with the project's Python (the one whose ``duckdb`` loads the result). Exits non-zero, with the reason,
when it cannot build; the lake then validates with SQL alone.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import urllib.request
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "xingcheng" / "lake" / "native" / "xc.c"
TARGET = ROOT / "xingcheng" / "lake" / "native" / "xc.duckdb_extension"
# DuckDB release → its source distribution on PyPI (the pinned version of constraints.txt).
SDISTS = {
    "1.4.4": (
        "https://files.pythonhosted.org/packages/36/9d/ab66a06e416d71b7bdcb9904cdf8d4db3379ef632bb8e9495646702d9718/"
        "duckdb-1.4.4.tar.gz",
        "8bba52fd2acb67668a4615ee17ee51814124223de836d9e2fdcbc4c9021b3d3c",
    ),
}
HEADERS = ("duckdb.h", "duckdb_extension.h")
C_API_VERSION = "v1.2.0"  # the stable C extension API the source is written against
EXTENSION_VERSION = "v1.0.0"
FIELD = 32
SIGNATURE = 256


def headers(version: str) -> Path:
    """The folder holding DuckDB ``version``'s C headers, fetched and verified when not there yet."""
    folder = ROOT / "build" / f"duckdb-{version}" / "include"
    if all((folder / h).exists() for h in HEADERS):
        return folder
    if version not in SDISTS:
        raise SystemExit(f"build-native: no pinned source distribution for DuckDB {version} (see SDISTS)")
    url, sha256 = SDISTS[version]
    print(f"build-native: fetching the DuckDB {version} headers from {url}", file=sys.stderr)
    with urllib.request.urlopen(url, timeout=120) as response:  # noqa: S310 - a pinned https URL
        blob = response.read()
    digest = hashlib.sha256(blob).hexdigest()
    if digest != sha256:
        raise SystemExit(f"build-native: {url} has SHA-256 {digest}, expected {sha256}")
    folder.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(blob), mode="r:gz") as tar:
        for name in HEADERS:
            member = tar.getmember(f"duckdb-{version}/external/duckdb/src/include/{name}")
            data = tar.extractfile(member)
            assert data is not None
            (folder / name).write_bytes(data.read())
    return folder


def footer(platform: str) -> bytes:
    """DuckDB's extension metadata: eight 32-byte fields (read back to front) and the signature space."""
    fields = ["", "", "", "C_STRUCT", EXTENSION_VERSION, C_API_VERSION, platform, "4"]
    out = b"".join(f.encode().ljust(FIELD, b"\0") for f in fields)
    return out + b"\0" * SIGNATURE


def build() -> Path:
    version = duckdb.__version__
    include = headers(version)
    platform = duckdb.connect().execute("PRAGMA platform").fetchone()[0]
    cc = os.environ.get("CC", "cc")
    if shutil.which(cc) is None:
        raise SystemExit(f"build-native: no C compiler ({cc}) on PATH")
    with tempfile.TemporaryDirectory() as tmp:
        library = Path(tmp) / "xc.so"
        subprocess.run(  # noqa: S603 - the compiler named by CC, on our own source
            [cc, "-O2", "-std=c11", "-Wall", "-Wextra", "-Werror", "-shared", "-fPIC", "-fvisibility=hidden",
             f"-I{include}", str(SOURCE), "-o", str(library)],
            check=True,
        )  # fmt: skip
        staged = TARGET.with_suffix(".tmp")
        staged.write_bytes(library.read_bytes() + footer(platform))
        staged.replace(TARGET)
    # Loads and answers: a file DuckDB refuses fails the build here, not the first load.
    con = duckdb.connect(config={"allow_unsigned_extensions": True})
    con.execute(f"LOAD '{TARGET}'")
    got = con.execute("SELECT xc_digits('0731', 4), xc_uscc_ok('91350100M000100Y43')").fetchone()
    if got != (731, True):
        raise SystemExit(f"build-native: the built extension answered {got}")
    print(f"build-native: {TARGET.relative_to(ROOT)} ({platform}, DuckDB {version})", file=sys.stderr)
    return TARGET


if __name__ == "__main__":
    build()
