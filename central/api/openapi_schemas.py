"""Helpers that write the OpenAPI document's paths: operations, parameters, bodies and answers.

Shapes are not written here: request bodies and answers are pydantic models in ``central.shapes``,
named with ``ref(Model)``; their schemas become the document's components. What is left is the
path level: ``op`` (an operation with its problems), ``query``/``path_id`` (parameters, whose
schemas come from the building blocks: ``schema(shapes.Day)``), ``json_body`` and ``ok``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel

from .. import shapes
from ..shapes import VISIBLE, schema

J = dict[str, Any]


def values(words: Iterable[str | None]) -> list[str | None]:
    """Domain words (``StrEnum`` members) as the plain strings a JSON document and its errors show."""
    return [None if w is None else str(w) for w in words]

PROBLEM = {"$ref": "#/components/responses/Problem"}


def ref(model: type[BaseModel]) -> J:
    """A reference to a model's component schema (``central.shapes``)."""
    return shapes.ref(model)


def obj(props: J, required: tuple[str, ...] = (), extra: bool = True) -> J:
    s: J = {"type": "object", "properties": props}
    if required:
        s["required"] = list(required)
    if not extra:
        s["additionalProperties"] = False
    return s


def arr(items: J, **limits: int | str) -> J:  # limits (minItems…) and a description
    return {"type": "array", "items": items, **{_camel(k): v for k, v in limits.items()}}


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(w.capitalize() for w in rest)


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
ID: J = schema(shapes.Id)
TIME: J = schema(shapes.Time)
DAY: J = schema(shapes.Day)
#: A day a report may name: years 2000–2100 (reports.MIN_YEAR, MAX_YEAR)
REPORT_DAY: J = {"type": "string", "format": "date", "pattern": "^(20[0-9]{2}|2100)-[0-9]{2}-[0-9]{2}$"}
SHA256: J = schema(shapes.Sha256)
CODE: J = schema(shapes.Code)
TIME_IN: J = schema(shapes.TimeIn)


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
    # 422 everywhere: text holding the NUL character matches any string schema but no column holds it
    # (central/text_guard.py refuses it on every path, before the view)
    for code in sorted({*errors, 422}):
        o["responses"].setdefault(str(code), PROBLEM)
    return o


def _op_id(summary: str) -> str:
    words = "".join(c if c.isalnum() else " " for c in summary).split()
    return words[0].lower() + "".join(w.capitalize() for w in words[1:])


def path_id(name: str = "id", desc: str = "Mã số") -> J:
    return {"name": name, "in": "path", "required": True, "schema": ID, "description": desc}


def query(name: str, schema: J, desc: str, required: bool = False) -> J:
    return {"name": name, "in": "query", "required": required, "schema": schema, "description": desc}
