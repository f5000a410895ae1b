"""Character-level normalisation shared by the identifier parsers.

Identifiers typed on Chinese keyboards or copied out of Word documents and scanned forms often arrive in
full-width form (``４３０１０４…``, ``Ｘ``, ideographic spaces). The standards only define the ASCII
forms, so every parser folds full-width characters to ASCII first. Only ASCII letters are upper-cased:
``str.upper`` would turn ``ß`` into ``SS`` and change the length of the value being validated.
"""

from __future__ import annotations

from typing import Final

__all__ = ["ASCII_DIGITS", "ascii_upper", "to_halfwidth"]

ASCII_DIGITS: Final = frozenset("0123456789")

# U+FF01..U+FF5E are the full-width twins of ASCII U+0021..U+007E, at a fixed offset; U+3000 is the
# ideographic space.
_HALFWIDTH: Final = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_ASCII_UPPER: Final = {cp: cp - 0x20 for cp in range(ord("a"), ord("z") + 1)}


def to_halfwidth(value: str) -> str:
    """Fold full-width ASCII twins and the ideographic space to plain ASCII."""
    return value.translate(_HALFWIDTH)


def ascii_upper(value: str) -> str:
    """Upper-case ASCII letters only, so the length of the value never changes."""
    return value.translate(_ASCII_UPPER)
