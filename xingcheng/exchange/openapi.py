"""OpenAPI 3.1 descriptions of data services, generated from the ledger's fields of each resource.

One document per service (``/api/exchange/v1/services/{code}/openapi.json``) or for a set of services;
request bodies follow the operation (lookup, search, verify, extract, invoke), records list the fields
with their types, and personal fields are declared as masked strings unless the caller's grant lifts it.
"""

from __future__ import annotations

from typing import Any

from xingcheng.exchange.capabilities import HANDLERS
from xingcheng.exchange.vocab import EVIDENCE_HEADERS, Operation
from xingcheng.ledger.schema import DataType, FieldSpec, ResourceSchema

__all__ = ["service_document", "services_document"]

GATEWAY = "/api/exchange/v1/services"

_TYPES: dict[DataType, dict[str, Any]] = {
    DataType.STRING: {"type": "string"},
    DataType.CODE: {"type": "string"},
    DataType.INTEGER: {"type": "integer"},
    DataType.DECIMAL: {"type": "number"},
    DataType.BOOLEAN: {"type": "boolean"},
    DataType.DATE: {"type": "string", "format": "date"},
    DataType.DATETIME: {"type": "string", "format": "date-time"},
}


def _value_schema(f: FieldSpec, *, masked: bool) -> dict[str, Any]:
    base = {"type": "string", "description": f"{f.label} (masked / 脱敏)"} if masked else {**_TYPES[f.data_type]}
    if not masked:
        base["description"] = f.label
    base["x-sensitivity"] = f.sensitivity.value
    return {"anyOf": [base, {"type": "null"}]}


def _input_schema(f: FieldSpec) -> dict[str, Any]:
    schema = dict(_TYPES[f.data_type])
    if schema.get("type") == "string":
        schema.update(minLength=1, maxLength=500)
    if f.code_list:
        schema["enum"] = list(f.code_list)
    schema["description"] = f.label
    return schema


def _record(schema: ResourceSchema, fields: list[str], unmasked: set[str]) -> dict[str, Any]:
    props = {}
    for name in fields:
        f = schema.field(name)
        props[name] = _value_schema(f, masked=f.personal and name not in unmasked)
    return {"type": "object", "properties": props, "additionalProperties": False}


def _fields_param(fields: list[str]) -> dict[str, Any]:
    return {"type": "array", "items": {"type": "string", "enum": fields}, "uniqueItems": True, "minItems": 1}


def _operation(
    schema: ResourceSchema, code: str, operation: str, handler: str, name: str, fields: list[str], unmasked: set[str]
) -> dict[str, Any]:
    by_name = {f.name: f for f in schema.fields}
    record = _record(schema, fields, unmasked)
    body: dict[str, Any]
    result: dict[str, Any]
    if operation == Operation.LOOKUP:
        key = {k: _input_schema(by_name[k]) for k in schema.key}
        body = {
            "type": "object",
            "required": ["key"],
            "properties": {
                "key": {"type": "object", "properties": key, "required": list(key), "additionalProperties": False},
                "fields": _fields_param(fields),
            },
            "additionalProperties": False,
        }
        result = {
            "type": "object",
            "required": ["found", "record"],
            "properties": {"found": {"type": "boolean"}, "record": {"anyOf": [record, {"type": "null"}]}},
        }
    elif operation == Operation.VERIFY:
        values = {k: _input_schema(by_name[k]) for k in fields}
        body = {
            "type": "object",
            "required": ["values"],
            "properties": {
                "values": {
                    "type": "object",
                    "properties": values,
                    "required": list(schema.key),
                    "minProperties": len(schema.key) + 1,
                    "additionalProperties": False,
                }
            },
            "additionalProperties": False,
        }
        result = {"type": "object", "required": ["match"], "properties": {"match": {"type": "boolean"}}}
    elif operation == Operation.SEARCH:
        filters = {k: _input_schema(by_name[k]) for k in fields}
        body = {
            "type": "object",
            "properties": {
                "filters": {"type": "object", "properties": filters, "additionalProperties": False},
                "fields": _fields_param(fields),
                "page": {"type": "integer", "minimum": 1, "maximum": 1000000},
                "page_size": {"type": "integer", "minimum": 1, "maximum": 10000},
            },
            "additionalProperties": False,
        }
        result = {
            "type": "object",
            "properties": {
                "total": {"type": "integer"},
                "page": {"type": "integer"},
                "page_size": {"type": "integer"},
                "records": {"type": "array", "items": record},
            },
        }
    elif operation == Operation.EXTRACT:
        body = {
            "type": "object",
            "properties": {
                "fields": _fields_param(fields),
                "cursor": {"type": "integer", "minimum": 0, "maximum": 1000000000000},
                "limit": {"type": "integer", "minimum": 1, "maximum": 1000000},
            },
            "additionalProperties": False,
        }
        result = {
            "type": "object",
            "properties": {
                "total": {"type": "integer"},
                "cursor": {"type": "integer"},
                "next_cursor": {"anyOf": [{"type": "integer"}, {"type": "null"}]},
                "records": {"type": "array", "items": record},
            },
        }
    else:
        h = HANDLERS.get(handler)
        params = {k: {"type": t, "minLength": 1, "maxLength": 200} for k, t in (h.params if h else {}).items()}
        body = {
            "type": "object",
            "required": ["input"],
            "properties": {
                "input": {
                    "type": "object",
                    "properties": params,
                    "required": list(params),
                    "additionalProperties": False,
                }
            },
            "additionalProperties": False,
        }
        result = {"type": "object", "properties": {k: {} for k in (h.result if h else {})}}
    headers = [
        {"name": h, "in": "header", "required": True, "schema": {"type": "string", "minLength": 1, "maxLength": 200}}
        for h in EVIDENCE_HEADERS
    ]
    problem = {"content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}
    evidence_out = {
        "X-XC-Request-Id": {"schema": {"type": "string"}},
        "X-XC-Request-Hash": {"schema": {"type": "string"}},
        "X-XC-Response-Hash": {"schema": {"type": "string"}},
    }
    return {
        "operationId": f"{operation}_{code}".replace("-", "_").replace(".", "_"),
        "summary": f"{name} · {operation}",
        "parameters": headers,
        "requestBody": {"required": True, "content": {"application/json": {"schema": body}}},
        "security": [{"apiKey": []}],
        "responses": {
            "200": {
                "description": "served",
                "headers": evidence_out,
                "content": {"application/json": {"schema": result}},
            },
            **{s: {"description": d, **problem} for s, d in _ERRORS.items()},
        },
    }


_ERRORS = {
    "400": "evidence headers missing or invalid",
    "401": "no or a bad API key",
    "403": "refused: no grant covers the call",
    "404": "no such service, or no data yet",
    "422": "bad input",
    "429": "rate or volume limit reached",
    "503": "the audit log cannot be written: nothing is served",
}


def _document(title: str, paths: dict[str, Any]) -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": "1"},
        "paths": paths,
        "components": {
            "securitySchemes": {"apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"}},
            "schemas": {
                "Problem": {
                    "type": "object",
                    "properties": {
                        "type": {"type": "string"},
                        "title": {"type": "string"},
                        "status": {"type": "integer"},
                        "detail": {"type": "string"},
                        "instance": {"type": ["string", "null"]},
                        "code": {"type": "string"},
                    },
                }
            },
        },
    }


def service_document(
    schema: ResourceSchema,
    code: str,
    operation: str,
    handler: str,
    name: str,
    fields: list[str] | None = None,
    unmasked: set[str] | None = None,
) -> dict[str, Any]:
    return services_document(f"{name} · {code}", [(schema, code, operation, handler, name, fields, unmasked)])


def services_document(title: str, services: list[tuple[Any, ...]]) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for schema, code, operation, handler, name, fields, unmasked in services:
        wanted = fields or [f.name for f in schema.fields]
        paths[f"{GATEWAY}/{code}"] = {
            "post": _operation(schema, code, operation, handler, name, wanted, unmasked or set())
        }
    return _document(title, paths)
