"""Errors of the exchange, in the one error tree (status codes on the classes, messages as i18n keys)."""

from __future__ import annotations

from xingcheng.core.errors import PermissionDenied, XingchengError

__all__ = ["AuditUnavailable", "CallRefused", "TooManyRequests"]


class CallRefused(PermissionDenied):
    """The gateway refused a call for want of a grant that covers it; ``refusal`` says why."""

    code = "call_refused"
    title_key = "exchange.error.refused"


class TooManyRequests(XingchengError):
    status_code = 429
    code = "too_many_requests"
    title_key = "exchange.error.too_many_requests"


class AuditUnavailable(XingchengError):
    """The audit log could not be written: nothing is served without its audit entry."""

    status_code = 503
    code = "audit_unavailable"
    title_key = "exchange.error.audit_unavailable"
