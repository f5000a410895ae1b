"""The exchange's controlled vocabularies: operations, request and grant states, refusal codes.

Values are English and stable (stored, returned by the API); pages translate them with
``exchange.<vocabulary>.<value>`` keys.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["EVIDENCE_HEADERS", "GrantState", "NoticeKind", "Operation", "Refusal", "RequestState"]


class Operation(StrEnum):
    LOOKUP = "lookup"  # query by key
    SEARCH = "search"  # filtered query with paging
    VERIFY = "verify"  # 核验: do these values belong together? → yes / no
    EXTRACT = "extract"  # bulk extract (batch grants)
    INVOKE = "invoke"  # a capability (address standardisation, ID verification, geocoding)


DATA_OPERATIONS = (Operation.LOOKUP, Operation.SEARCH, Operation.VERIFY, Operation.EXTRACT)


class RequestState(StrEnum):
    PENDING = "pending"  # with the provider, a deadline running
    ESCALATED = "escalated"  # overdue: with the data bureau
    APPROVED = "approved"  # a grant was made
    REFUSED = "refused"  # with a reason
    WITHDRAWN = "withdrawn"  # by the consumer before a decision


OPEN_REQUEST_STATES = (RequestState.PENDING, RequestState.ESCALATED)


class GrantState(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    REVOKED = "revoked"


class NoticeKind(StrEnum):
    NEW = "new"  # a request arrived
    REMINDER = "reminder"  # the deadline is near
    ESCALATION = "escalation"  # the deadline passed: the bureau decides


class Refusal(StrEnum):
    """Why the gateway refused a call (the outcome recorded in the audit log is ``refused:<code>``)."""

    EVIDENCE_MISSING = "evidence_missing"
    CLIENT_MISMATCH = "client_mismatch"
    CLIENT_ONLY = "client_only"
    NO_SERVICE = "no_service"
    NO_GRANT = "no_grant"
    GRANT_EXPIRED = "grant_expired"
    GRANT_SUSPENDED = "grant_suspended"
    GRANT_REVOKED = "grant_revoked"
    OPERATION_NOT_GRANTED = "operation_not_granted"
    FIELD_NOT_GRANTED = "field_not_granted"
    OUTSIDE_SCOPE = "outside_scope"
    RATE_LIMITED = "rate_limited"
    VOLUME_EXCEEDED = "volume_exceeded"
    BAD_INPUT = "bad_input"
    NO_DATA = "no_data"


# X-Road style evidence every gateway call carries (header name → what it states).
EVIDENCE_HEADERS = {
    "X-XC-Client": "client",  # <department code>/<system code> of the calling system (optionally <hub>/ first)
    "X-XC-User": "user",  # the end user on whose behalf the system calls (staff id, badge number …)
    "X-XC-Case": "case",  # the case or file reference (案件号 / 业务流水号)
    "X-XC-Purpose": "purpose",  # the purpose code or text
}
