"""One error tree for the hub. Each class carries its HTTP status and a translatable title.

Errors are rendered once, by ``xingcheng.web.errors``: RFC 9457 problem+json for APIs, a page for
browsers. Messages are i18n keys with parameters, never text built from user input, so neither a stack
trace nor a piece of personal data can leak through an error.
"""

from __future__ import annotations

from typing import Any, ClassVar

__all__ = [
    "AccountLocked",
    "BadRequest",
    "Conflict",
    "CsrfFailed",
    "MethodNotAllowed",
    "NotAuthenticated",
    "NotFound",
    "PayloadTooLarge",
    "PermissionDenied",
    "ValidationFailed",
    "XingchengError",
]


class XingchengError(Exception):
    status_code: ClassVar[int] = 500
    code: ClassVar[str] = "internal_error"
    title_key: ClassVar[str] = "error.internal"

    def __init__(
        self,
        detail_key: str | None = None,
        *,
        params: dict[str, Any] | None = None,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail_key or self.title_key)
        self.detail_key = detail_key
        self.params = params or {}
        self.errors = errors or []
        self.headers = headers or {}


class BadRequest(XingchengError):
    status_code = 400
    code = "bad_request"
    title_key = "error.bad_request"


class NotAuthenticated(XingchengError):
    status_code = 401
    code = "not_authenticated"
    title_key = "error.not_authenticated"


class PermissionDenied(XingchengError):
    status_code = 403
    code = "permission_denied"
    title_key = "error.permission_denied"


class CsrfFailed(PermissionDenied):
    code = "csrf_failed"
    title_key = "error.csrf_failed"


class NotFound(XingchengError):
    status_code = 404
    code = "not_found"
    title_key = "error.not_found"


class MethodNotAllowed(XingchengError):
    status_code = 405
    code = "method_not_allowed"
    title_key = "error.method_not_allowed"


class Conflict(XingchengError):
    status_code = 409
    code = "conflict"
    title_key = "error.conflict"


class PayloadTooLarge(XingchengError):
    status_code = 413
    code = "payload_too_large"
    title_key = "error.payload_too_large"


class ValidationFailed(XingchengError):
    """Input did not validate; ``errors`` lists ``{"field", "code", "message_key"}`` per problem."""

    status_code = 422
    code = "validation_failed"
    title_key = "error.validation_failed"


class AccountLocked(XingchengError):
    status_code = 423
    code = "account_locked"
    title_key = "error.account_locked"
