"""Where the registries read departmental records from: the one adapter between them and the lake.

Every builder reads a source through :class:`SourceReader`: ``sql(con, source_id)`` returns a SELECT
over the source's records with the department's own column names as text, or ``None`` when the hub
holds no such source. :class:`LakeSources` reads the newest version of each resource from the lake;
:class:`FileSources` reads a synthetic city's folder (``manifest.json``) directly and serves the
benchmark and the tests. :func:`open_sources` picks one — the single place the choice is made.
"""

from __future__ import annotations

import codecs
import json
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import duckdb

__all__ = ["KEY_COLUMNS", "FileSources", "LakeSources", "SourceReader", "connect", "open_sources"]

# The key column of each departmental source the registries read: how its ledger resource is recognised.
KEY_COLUMNS: dict[str, str] = {
    "psb_hukou": "人员编号",
    "hc_birth_certificates": "出生医学证明编号",
    "mca_marriages": "业务编号",
    "hrss_insured": "aac001",
    "hsa_insured": "psn_no",
    "amr_market_entities": "主体身份代码",
    "tax_taxpayers": "djxh",
    "housing_properties": "record_no",
    "nrp_standard_addresses": "addr_code",
    "um_city_components": "部件标识码",
}


class SourceReader(Protocol):
    def sql(self, con: duckdb.DuckDBPyConnection, source_id: str) -> str | None:
        """A SELECT over the records of ``source_id`` (department column names, text), or None."""

    def describe(self) -> dict[str, Any]:
        """What was read: {source_id: version or file} for the build log."""

    def close(self) -> None:
        """Release what reading needed (temporary files)."""


def connect(
    *, threads: int | None = None, memory_limit: str | None = None, temp_directory: str | None = None
) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB for a registry build; extensions come from their wheels, nothing downloads."""
    from xingcheng.lake.engine import extension_path, quote_literal

    config: dict[str, Any] = {
        "autoinstall_known_extensions": False,
        "autoload_known_extensions": False,
        "allow_community_extensions": False,
    }
    if threads:
        config["threads"] = threads
    if memory_limit:
        config["memory_limit"] = memory_limit
    if temp_directory:
        config["temp_directory"] = temp_directory
    # Insertion order is never relied on (every result is ordered or keyed); without it DuckDB spills more freely.
    config["preserve_insertion_order"] = False
    con = duckdb.connect(":memory:", config=config)
    con.execute("SET enable_progress_bar = false")
    for name in ("encodings", "excel"):
        con.execute(f"LOAD {quote_literal(str(extension_path(name)))}")
    return con


@dataclass
class FileSources:
    """The departmental files of a synthetic city folder, read in place (no lake involved)."""

    folder: Path
    _manifest: dict[str, Any] | None = field(default=None, repr=False)
    _views: dict[int, dict[str, str]] = field(default_factory=dict, repr=False)
    _scratch: Path | None = field(default=None, repr=False)

    @property
    def manifest(self) -> dict[str, Any]:
        if self._manifest is None:
            self._manifest = json.loads((self.folder / "manifest.json").read_text(encoding="utf-8"))
        return self._manifest

    def _entry(self, source_id: str) -> dict[str, Any] | None:
        for entry in self.manifest["sources"]:
            if entry["id"] == source_id:
                return entry
        return None

    def sql(self, con: duckdb.DuckDBPyConnection, source_id: str) -> str | None:
        from xingcheng.lake.readers import open_source

        entry = self._entry(source_id)
        if entry is None or not (self.folder / entry["file"]).is_file():
            return None
        views = self._views.setdefault(id(con), {})
        if source_id in views:
            return f"SELECT * FROM {views[source_id]}"  # noqa: S608 - a view name of our own
        sheets = entry.get("sheets") or [None]
        path = self.folder / entry["file"]
        if entry["format"] == "csv" and entry.get("encoding", "utf-8").lower() not in ("utf-8", "utf-8-sig", "utf8"):
            path = self._utf8(path, entry["encoding"])
        parts = []
        for sheet in sheets:
            src = open_source(
                con,
                path,
                sheet=sheet,
                expected=[f["name"] for f in entry["fields"]] if entry["format"] == "jsonl" else None,
                name=f"src_{source_id}",
            )
            parts.append(f"SELECT * EXCLUDE (_row) FROM ({src.sql})")  # noqa: S608
        # A view, not a table: every builder reads a source once, straight into its own table, so holding a
        # second copy of every departmental file in memory would only make a city-scale build spill.
        view = f"xc_src_{source_id}"
        con.execute(f"CREATE OR REPLACE TEMP VIEW {view} AS {' UNION ALL '.join(parts)}")
        views[source_id] = view
        return f"SELECT * FROM {view}"  # noqa: S608

    def _utf8(self, path: Path, encoding: str) -> Path:
        # DuckDB's encodings extension decodes GB18030 about ten times slower than Python's codec does.
        if self._scratch is None:
            self._scratch = Path(tempfile.mkdtemp(prefix="xc-registries-"))
        target = self._scratch / (path.stem + ".utf8.csv")
        if not target.exists():
            decoder = "gb18030" if encoding.lower() in ("gbk", "gb2312", "gb18030") else encoding
            with path.open("rb") as raw, target.open("w", encoding="utf-8", newline="") as out:
                reader = codecs.getreader(decoder)(raw)
                while chunk := reader.read(1 << 22):
                    out.write(chunk)
        return target

    def close(self) -> None:
        if self._scratch is not None:
            shutil.rmtree(self._scratch, ignore_errors=True)
            self._scratch = None
        self._views.clear()

    def describe(self) -> dict[str, Any]:
        return {e["id"]: e["file"] for e in self.manifest["sources"]}


@dataclass
class LakeSources:
    """The newest version of each departmental resource in the lake (DuckLake), read in the build's own DuckDB.

    A source is found as the ledger resource whose key field is the source's key column and that has a lake
    version. The lake quarantines rows that break their resource's rules (an ID number failing its check
    included), so those records reach the registries only when the department corrects them.
    """

    settings: Any
    db: Any
    codes: dict[str, str] = field(default_factory=dict)
    _service: Any = field(default=None, repr=False)
    _attached: set[int] = field(default_factory=set, repr=False)
    _read: dict[str, str] = field(default_factory=dict, repr=False)

    def _lake(self) -> Any:
        if self._service is None:
            from xingcheng.lake.service import LakeService

            self._service = LakeService(self.settings)
        return self._service

    def code(self, source_id: str) -> str | None:
        if source_id not in self.codes:
            from xingcheng.registries import repository as repo

            key = KEY_COLUMNS.get(source_id)
            self.codes[source_id] = repo.lake_resource_with_key(self.db, key) if key else None  # type: ignore[assignment]
        return self.codes.get(source_id)

    def available(self) -> bool:
        """Does the lake hold the household register (the spine of the population registry)?"""
        return self.code("psb_hukou") is not None

    def _attach(self, con: duckdb.DuckDBPyConnection) -> None:
        if id(con) in self._attached:
            return
        from xingcheng.lake.engine import CATALOG, catalog_spec, extension_path, quote_literal
        from xingcheng.lake.engine import data_path as lake_data_path

        kind, spec = catalog_spec(self.settings)
        for name in ("ducklake", kind):
            con.execute(f"LOAD {quote_literal(str(extension_path(name)))}")
        con.execute(
            f"ATTACH {quote_literal('ducklake:' + spec)} AS {CATALOG} "
            f"(DATA_PATH {quote_literal(lake_data_path(self.settings))}, READ_ONLY)"
        )
        self._attached.add(id(con))

    def sql(self, con: duckdb.DuckDBPyConnection, source_id: str) -> str | None:
        code = self.code(source_id)
        if code is None:
            return None
        self._attach(con)
        relation = self._lake().relation_sql(self.db, code)
        version = self._lake().get_version(self.db, code)
        self._read[source_id] = f"{code}@{version.number}"
        return relation

    def describe(self) -> dict[str, Any]:
        return dict(self._read)

    def close(self) -> None:
        if self._service is not None:
            self._service.engine.close()
            self._service = None
        self._attached.clear()


def open_sources(settings: Any, folder: Path | None = None, db: Any = None) -> SourceReader:
    """The reader a build uses: the lake's newest versions when the lake holds the departmental sources (and a
    database session is given to find them), else the synthetic city's folder (or ``folder``)."""
    if folder is None and db is not None:
        lake = LakeSources(settings, db)
        if lake.available():
            return lake
    return FileSources(folder or settings.synth_dir)
