"""The synthetic city (星城): a Changsha of N residents with the messy files its departments hand over.

``generate(out_dir, persons=N, seed=S)`` builds communities and grid cells under Changsha's real 9
county-level units and 172 townships, households and persons with valid ID numbers, companies with valid
credit codes, addresses, houses and city components, and writes ten departmental sources (CSV in GBK or
UTF-8, XLSX, JSON lines) with realistic mess, plus the truth and the links from every record to the
entity it stands for. Same seed and N, same bytes, whatever the number of workers.
"""

from .config import GENERATOR_VERSION, REFERENCE_DATE, MessRates
from .generate import Progress, generate
from .manifest import Department, FieldSpec, Manifest, SourceEntry, SourceSpec, TruthFile, read_manifest
from .sources import SOURCE_BY_ID, SOURCES

__all__ = [
    "GENERATOR_VERSION",
    "REFERENCE_DATE",
    "SOURCES",
    "SOURCE_BY_ID",
    "Department",
    "FieldSpec",
    "Manifest",
    "MessRates",
    "Progress",
    "SourceEntry",
    "SourceSpec",
    "TruthFile",
    "generate",
    "read_manifest",
]
