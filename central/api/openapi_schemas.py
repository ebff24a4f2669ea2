"""Building blocks of the OpenAPI document: small constructors and the component schemas.

Two kinds of schema, on purpose:
- **answers** (``res``) list every member the server sends, all required, and nothing else
  (``additionalProperties: false``), so a field that appears or vanishes is caught by the fuzzer;
  the station contract's manifest stays open, for DESIGN §5 lets new fields appear in it;
- **requests** state every limit the server enforces (lengths, ranges, formats, enums): the server
  checks each request against them (``central.api.validation``), so the document is the rule.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from .. import shapes
from ..models import (
    PRIORITIES,
    ROLES,
)
from ..shapes import VISIBLE, schema

J = dict[str, Any]

PROBLEM = {"$ref": "#/components/responses/Problem"}
MAX_INT64 = 2**63 - 1


def ref(name: str | type[BaseModel]) -> J:
    """A reference to a component: a model (``central.shapes``) or a hand-written schema's name."""
    if isinstance(name, type):
        return shapes.ref(name)
    return {"$ref": f"#/components/schemas/{name}"}


def obj(props: J, required: tuple[str, ...] = (), extra: bool = True) -> J:
    s: J = {"type": "object", "properties": props}
    if required:
        s["required"] = list(required)
    if not extra:
        s["additionalProperties"] = False
    return s


def res(props: J) -> J:
    """An answer's object: exactly these members, every one always present."""
    return obj(props, tuple(props), extra=False)


def arr(items: J, **limits: int) -> J:
    return {"type": "array", "items": items, **{_camel(k): v for k, v in limits.items()}}


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(w.capitalize() for w in rest)


def nullable(t: str | J, **kw: Any) -> J:
    if isinstance(t, dict):
        return {**t, "type": [t["type"], "null"], **kw}
    return {"type": [t, "null"], **kw}


def text(max_length: int, *, filled: bool = False) -> J:
    """A string of at most ``max_length`` characters; ``filled``: with at least one visible one."""
    s: J = {"type": "string", "maxLength": max_length}
    if filled:
        s.update(minLength=1, pattern=VISIBLE)
    return s


def between(lo: int, hi: int) -> J:
    return {"type": "integer", "minimum": lo, "maximum": hi}


STR: J = {"type": "string"}
INT: J = {"type": "integer"}
NUM: J = {"type": "number"}
BOOL: J = {"type": "boolean"}
INT32: J = schema(shapes.Int32)
ID: J = schema(shapes.Id)
TIME: J = schema(shapes.Time)
TIME_N: J = schema(shapes.Time | None)
DAY: J = schema(shapes.Day)
#: A day a report may name: years 2000–2100 (reports.MIN_YEAR, MAX_YEAR)
REPORT_DAY: J = {"type": "string", "format": "date", "pattern": "^(20[0-9]{2}|2100)-[0-9]{2}-[0-9]{2}$"}
UUID: J = schema(shapes.Uuid)
SHA256: J = schema(shapes.Sha256)
CLOCK: J = schema(shapes.Clock)
LOCAL_TIME: J = schema(shapes.LocalTime)
ZONE: J = schema(shapes.Zone)
PRIORITY: J = {"type": "string", "enum": list(PRIORITIES)}
ROLE: J = {"type": "string", "enum": list(ROLES)}
ITEM_KIND: J = {"type": "string", "enum": ["bulletin", "chime", "pause"]}


def json_body(schema: J, required: bool = True) -> J:
    return {"required": required, "content": {"application/json": {"schema": schema}}}


def ok(schema: J | None, desc: str = "OK", status: str = "200") -> J:
    r: J = {"description": desc}
    if schema is not None:
        r["content"] = {"application/json": {"schema": schema}}
    return {status: r}


def op(
    summary: str,
    tag: str,
    responses: J,
    *,
    params: list[J] | None = None,
    body: J | None = None,
    security: str = "operator",
    errors: tuple[int, ...] = (400, 401, 403, 404),
) -> J:
    o: J = {"summary": summary, "tags": [tag], "responses": dict(responses)}
    o["operationId"] = _op_id(summary)
    if params:
        o["parameters"] = params
    if body is not None:
        o["requestBody"] = body
        errors = (*errors, 400, 413)  # a body can break the schema, or be too large
    if security == "none":
        o["security"] = []
    elif security == "station":
        o["security"] = [{"stationToken": []}]
    else:
        o["security"] = [{"apiToken": []}, {"session": []}]
    for code in sorted(set(errors)):
        o["responses"].setdefault(str(code), PROBLEM)
    return o


def _op_id(summary: str) -> str:
    words = "".join(c if c.isalnum() else " " for c in summary).split()
    return words[0].lower() + "".join(w.capitalize() for w in words[1:])


def path_id(name: str = "id", desc: str = "Mã số") -> J:
    return {"name": name, "in": "path", "required": True, "schema": ID, "description": desc}


def query(name: str, schema: J, desc: str, required: bool = False) -> J:
    return {"name": name, "in": "query", "required": required, "schema": schema, "description": desc}


# --- component schemas: derived from the models in central.shapes ----------------------------

NAME = text(200, filled=True)
CODE = text(64, filled=True)
TITLE = text(300, filled=True)
NAIVE_TIME = shapes.NAIVE_TIME
TIME_IN: J = schema(shapes.TimeIn)
WINDOW_TIME: J = schema(shapes.WindowTime)
TIME_IN_N = WINDOW_TIME
ONE_TARGET: J = {"description": "at least one target area or station", "anyOf": [
    {"required": ["areas"], "properties": {"areas": {"minItems": 1}}},
    {"required": ["stations"], "properties": {"stations": {"minItems": 1}}}]}
