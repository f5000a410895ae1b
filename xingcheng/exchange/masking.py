"""Which masker applies to a field, and masking whole rows on their way out (脱敏).

Every field the ledger marks personal or sensitive is masked unless the grant lifts masking for that very
field. The masker follows the field's declared format (ID number, phone, plate, e-mail), then its data
item or name (names, addresses, bank cards); a personal field of any other kind is masked whole — a value
we cannot classify is exactly the one that must not slip through.
"""

from __future__ import annotations

import datetime as dt
import decimal
import re
from collections.abc import Iterable
from typing import Any

from xingcheng.ledger.schema import FieldFormat, FieldSpec, ResourceSchema
from xingcheng.standards import masking

__all__ = ["RowMasker", "json_value", "mask_kind", "mask_value"]

_BY_FORMAT = {
    FieldFormat.ID_NUMBER: "id_number",
    FieldFormat.PHONE: "phone",
    FieldFormat.PLATE: "plate",
    FieldFormat.EMAIL: "email",
}
_NAME = re.compile(r"(^|_)(name|xm|xingming)$|姓名|名字")
_ADDRESS = re.compile(r"(^|_)(addr|address|dz|zz)($|_)|地址|住址|住所")
_CARD = re.compile(r"(^|_)(bank_?card|card_no|account_no)($|_)|银行卡|账号")
_PHONE = re.compile(r"(^|_)(phone|mobile|tel|sjhm|lxdh)($|_)|电话|手机")
_ID = re.compile(r"(^|_)(id_number|sfzh|gmsfhm|id_card)($|_)|身份证|身份号码")


def mask_kind(spec: FieldSpec) -> str | None:
    """The masker for a field (a key of ``standards.masking.MASKERS``, or ``"whole"``); None: not personal."""
    if not spec.personal:
        return None
    if spec.format in _BY_FORMAT:
        return _BY_FORMAT[spec.format]
    item = (spec.data_item or "").lower()
    for text in (item.rsplit(".", 1)[-1], spec.name.lower(), spec.label):
        if not text:
            continue
        if _ID.search(text):
            return "id_number"
        if _CARD.search(text):
            return "bank_card"
        if _PHONE.search(text):
            return "phone"
        if _ADDRESS.search(text):
            return "address"
        if _NAME.search(text):
            return "name"
    return "whole"


def json_value(value: Any) -> Any:
    """A lake value as JSON: dates as ISO 8601, decimals as numbers."""
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    return value


def mask_value(kind: str, value: Any) -> Any:
    if value is None:
        return None
    text = value.isoformat() if isinstance(value, dt.date | dt.datetime) else str(value)
    if kind == "whole" or kind not in masking.MASKERS:
        return masking.MASK * max(len(text), 1)
    return masking.mask(kind, text)


class RowMasker:
    """Masks the rows of one resource for one grant (the fields whose masking it lifts stay clear)."""

    def __init__(self, schema: ResourceSchema, fields: Iterable[str], unmasked: Iterable[str] = ()) -> None:
        lifted = set(unmasked)
        self.fields = list(fields)
        self.kinds: dict[str, str | None] = {}
        for name in self.fields:
            kind = mask_kind(schema.field(name))
            self.kinds[name] = None if name in lifted else kind

    def __call__(self, row: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name in self.fields:
            kind = self.kinds[name]
            value = row.get(name)
            out[name] = json_value(value) if kind is None else mask_value(kind, value)
        return out

    def mask_input(self, name: str, value: Any) -> Any:
        """Masks a value the caller sent (for error messages and logs: never echo it clear)."""
        kind = self.kinds.get(name) or "whole"
        return mask_value(kind, value)
