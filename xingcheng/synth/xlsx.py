"""A small streaming XLSX writer: workers render rows to XML, the parent zips them, byte-reproducibly.

openpyxl's write-only mode needs ~12 µs per cell in one process and keeps every distinct string in a
shared-string table, so memory grows with the file; at a million persons that is most of the time budget.
Here workers render their rows as SpreadsheetML fragments with inline strings in parallel, and the parent
only concatenates them into the sheet part. Rows and cells carry no ``r`` references, which ECMA-376
allows (cells are then placed one after another; an empty cell is written as ``<c/>``). Every zip entry
gets a fixed timestamp and the core properties a fixed date, so the same rows give the same bytes.
openpyxl, Excel and LibreOffice read the result.
"""

from __future__ import annotations

import datetime as dt
import shutil
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Final

__all__ = ["MAX_ROWS", "Cell", "row_xml", "write_workbook"]

Cell = str | int | float | dt.date | None

# Excel's limit is 1,048,576 rows per sheet; the header takes one, and sheets roll over early enough.
MAX_ROWS: Final = 1_000_000
_EPOCH: Final = dt.date(1899, 12, 30).toordinal()
_ZIP_TIME: Final = (2024, 1, 1, 0, 0, 0)
_FIXED_DATE: Final = "2024-01-01T00:00:00Z"

_CONTENT_TYPES: Final = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    "{sheets}"
    '<Override PartName="/docProps/core.xml" '
    'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
    '<Override PartName="/docProps/app.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>'
    "</Types>"
)
_SHEET_TYPE: Final = (
    '<Override PartName="/xl/worksheets/sheet{n}.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
)
_ROOT_RELS: Final = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="xl/workbook.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/'
    'core-properties" Target="docProps/core.xml"/>'
    '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'extended-properties" Target="docProps/app.xml"/>'
    "</Relationships>"
)
_CORE: Final = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
    "<dc:creator>xingcheng-synth</dc:creator>"
    f'<dcterms:created xsi:type="dcterms:W3CDTF">{_FIXED_DATE}</dcterms:created>'
    f'<dcterms:modified xsi:type="dcterms:W3CDTF">{_FIXED_DATE}</dcterms:modified>'
    "</cp:coreProperties>"
)
_APP: Final = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
    "<Application>Microsoft Excel</Application></Properties>"
)
_WORKBOOK: Final = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    "<sheets>{sheets}</sheets></workbook>"
)
_WORKBOOK_RELS: Final = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    "{sheets}"
    '<Relationship Id="rIdStyles" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/styles" Target="styles.xml"/>'
    "</Relationships>"
)
# Style 1 shows a date cell as yyyy-mm-dd.
_STYLES: Final = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy\\-mm\\-dd"/></numFmts>'
    '<fonts count="1"><font><sz val="11"/><name val="宋体"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
_SHEET_HEAD: Final = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
_SHEET_TAIL: Final = "</sheetData></worksheet>"


def _escape(text: str) -> str:
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    return text


def row_xml(values: Iterable[object]) -> str:
    """Render one row as SpreadsheetML: text inline, numbers as numbers, dates as styled serials."""
    cells: list[str] = []
    for value in values:
        if value is None or value == "":
            cells.append("<c/>")
        elif isinstance(value, str):
            space = ' xml:space="preserve"' if value[0] == " " or value[-1] == " " else ""
            cells.append(f'<c t="inlineStr"><is><t{space}>{_escape(value)}</t></is></c>')
        elif isinstance(value, dt.date):
            cells.append(f'<c s="1"><v>{value.toordinal() - _EPOCH}</v></c>')
        else:
            cells.append(f"<c><v>{value}</v></c>")
    return "<row>" + "".join(cells) + "</row>"


def _info(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info


def write_workbook(path: Path, sheets: Sequence[tuple[str, list[str], Sequence[Path]]]) -> None:
    """Write ``sheets`` — (title, header labels, files of rendered rows) — as one workbook."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        numbers = range(1, len(sheets) + 1)
        types = "".join(_SHEET_TYPE.format(n=n) for n in numbers)
        archive.writestr(_info("[Content_Types].xml"), _CONTENT_TYPES.format(sheets=types))
        archive.writestr(_info("_rels/.rels"), _ROOT_RELS)
        archive.writestr(_info("docProps/core.xml"), _CORE)
        archive.writestr(_info("docProps/app.xml"), _APP)
        entries = "".join(
            f'<sheet name="{_escape(title)}" sheetId="{n}" r:id="rId{n}"/>'
            for n, (title, _, _) in zip(numbers, sheets, strict=True)
        )
        archive.writestr(_info("xl/workbook.xml"), _WORKBOOK.format(sheets=entries))
        rels = "".join(
            f'<Relationship Id="rId{n}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            f'relationships/worksheet" Target="worksheets/sheet{n}.xml"/>'
            for n in numbers
        )
        archive.writestr(_info("xl/_rels/workbook.xml.rels"), _WORKBOOK_RELS.format(sheets=rels))
        archive.writestr(_info("xl/styles.xml"), _STYLES)
        for n, (_, header, parts) in zip(numbers, sheets, strict=True):
            with archive.open(_info(f"xl/worksheets/sheet{n}.xml"), "w", force_zip64=True) as sheet:
                sheet.write((_SHEET_HEAD + row_xml(header)).encode())
                for part in parts:
                    with part.open("rb") as rows:
                        shutil.copyfileobj(rows, sheet, 1 << 20)
                sheet.write(_SHEET_TAIL.encode())
