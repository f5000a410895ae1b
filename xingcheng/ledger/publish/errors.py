"""Errors of publishing: branches of the project's error tree, and how each looks in CKAN's envelope.

The CKAN routes render every error as CKAN does — ``{"help", "success": false, "error": {"__type",
"message"}}`` with CKAN's status codes — instead of problem+json, because CKAN clients (ckanapi,
harvesters) decide what went wrong from ``__type``.
"""

from __future__ import annotations

from xingcheng.core.errors import (
    BadRequest,
    Conflict,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    ValidationFailed,
    XingchengError,
)

__all__ = ["HarvestFailed", "SearchQueryFailed", "ckan_type"]


class SearchQueryFailed(BadRequest):
    """``q``, ``fq`` or ``sort`` is not in the syntax we understand (CKAN's Search Query Error)."""

    code = "search_query_error"
    title_key = "publish.error.search_query"


class HarvestFailed(XingchengError):
    """A peer hub did not answer as a CKAN hub should; the run is recorded as failed."""

    status_code = 502
    code = "harvest_failed"
    title_key = "publish.error.harvest_failed"


def ckan_type(exc: XingchengError) -> tuple[int, str]:
    """(HTTP status, CKAN ``__type``) of an error."""
    if isinstance(exc, SearchQueryFailed):
        return 400, "Search Query Error"
    if isinstance(exc, NotFound):
        return 404, "Not Found Error"
    if isinstance(exc, (PermissionDenied, NotAuthenticated)):
        return 403, "Authorization Error"
    if isinstance(exc, (ValidationFailed, Conflict)):
        return 409, "Validation Error"
    if isinstance(exc, BadRequest):
        return 400, "Bad Request"
    if exc.status_code == 413:
        return 413, "Bad Request"
    return 500, "Internal Server Error"
