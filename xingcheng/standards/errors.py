"""Errors raised by the national-standard validators in :mod:`xingcheng.standards`.

Every validator raises a subclass of :class:`StandardError`, which is a :class:`ValueError` so that callers
that only know "bad input" can still catch it. Each error carries a stable machine-readable ``code``
(``"bad_length"``, ``"bad_check_char"`` …) that callers, API responses and translations key on, and an
English message that is chosen from a fixed table.

The message never contains the rejected value: identifiers such as resident ID numbers are personal data,
and exception messages end up in logs, error pages and bug reports where personal data must not go.
"""

from __future__ import annotations

from typing import ClassVar, Final

__all__ = [
    "MESSAGES",
    "InvalidCreditCode",
    "InvalidDivisionCode",
    "InvalidIdNumber",
    "InvalidPlate",
    "StandardError",
]

# Messages are looked up by code rather than passed in by the raiser, so that no call site can
# interpolate the offending value into a message by accident.
MESSAGES: Final[dict[str, str]] = {
    "bad_length": "the value has the wrong number of characters",
    "bad_charset": "the value contains characters that are not allowed at their position",
    "bad_check_char": "the check character does not match the rest of the value",
    "bad_birth_date": "the embedded birth date is not a real date in the accepted range",
    "bad_sequence": "the sequence number is out of range",
    "unknown_address_code": "the address code is not a known county-level division code",
    "bad_org_code": "the embedded organisation code (GB 11714) has a wrong check character",
    "unknown_division": "the code is not a known administrative division",
    "wrong_level": "the division is not at the administrative level this operation needs",
    "unknown_province": "the first character is not a mainland province abbreviation",
    "bad_authority": "the issuing-authority letter is not allowed",
    "bad_new_energy": "a new-energy plate needs an energy letter as its first or last serial character",
}

_FALLBACK_MESSAGE: Final = "the value does not conform to the standard"


class StandardError(ValueError):
    """A value does not conform to a national standard.

    ``code`` is a stable reason for machines; ``str(error)`` is an English sentence for people. Neither
    includes the rejected value.
    """

    #: Short name of the standard the value was checked against, for messages and problem details.
    standard: ClassVar[str] = "national standard"
    #: HTTP status an API edge should answer with: the request was well-formed but its content is not.
    status_code: ClassVar[int] = 422

    code: str

    def __init__(self, code: str) -> None:
        self.code = code
        super().__init__(f"{self.standard}: {MESSAGES.get(code, _FALLBACK_MESSAGE)}")

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r})"

    def __reduce__(self) -> tuple[type[StandardError], tuple[str]]:
        # The default pickling passes ``args`` (the message) back to ``__init__``, which expects the code;
        # errors cross process boundaries in the job runner, so keep them picklable.
        return (type(self), (self.code,))


class InvalidIdNumber(StandardError):
    """A resident ID number (公民身份号码, GB 11643-1999) is malformed."""

    standard = "resident ID number (GB 11643-1999)"


class InvalidCreditCode(StandardError):
    """A unified social credit code (统一社会信用代码, GB 32100-2015) is malformed."""

    standard = "unified social credit code (GB 32100-2015)"


class InvalidPlate(StandardError):
    """A motor-vehicle plate number (机动车号牌, GA 36-2018) is malformed."""

    standard = "vehicle plate (GA 36-2018)"


class InvalidDivisionCode(StandardError):
    """An administrative division code (行政区划代码, GB/T 2260) is malformed or unknown."""

    standard = "administrative division code (GB/T 2260)"
