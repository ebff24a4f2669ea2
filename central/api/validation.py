"""Every request under ``/api/v1`` is checked against the OpenAPI document before its view runs.

The document is the contract: a request that does not match it gets 400 naming the field (413 for a
list longer than it allows), so the document never promises more or less than the server takes.
What a well-formed request *means* stays with the services: an unknown area (404), a state change
that does not apply (409), a used enrollment code (410), an end before its start (422).
Credentials and roles are checked first (401, then 403: ``auth.require`` calls ``check_request``
after its role check), so a caller who may not act learns nothing about the schema. An operation
marked ``x-validated-by: service`` is checked by its service, which must count every refusal
(enrollment codes are throttled per failed attempt, malformed ones included).
"""

from __future__ import annotations

import math
import re
from datetime import datetime
from typing import Any

from flask import Flask, current_app, g, request
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError, best_match, relevance
from referencing import Registry, Resource
from werkzeug.exceptions import BadRequest

from ..errors import CentralError, Invalid, NotFound, TooLarge
from ..messages import msg
from .openapi import spec

J = dict[str, Any]
MAX_INT64 = 2**63 - 1
_RFC3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)", re.ASCII)
_INTEGER = re.compile(r"[+-]?[0-9]+", re.ASCII)
_NUMBER = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?", re.ASCII)
_FORMATS = FormatChecker(("date", "uuid"))


@_FORMATS.checks("date-time", raises=ValueError)
def _date_time(value: object) -> bool:
    """RFC 3339 (``Z`` or an offset; naive times are not date-times) that Python can read."""
    if not isinstance(value, str):
        return True
    if not _RFC3339.fullmatch(value):
        return False
    datetime.fromisoformat(value)
    return True


def init_app(app: Flask) -> None:
    """Check every request's ids, and API requests against the document, before the view runs."""
    app.before_request(_check_request)


_OPERATIONS: dict[tuple[str, str], J] = {}


def _template(rule: str) -> str:
    """``/a/<int:id>/b`` and ``/a/{id}/b`` both become ``/a/{}/b``."""
    return re.sub(r"<[^>]+>|\{[^}]+\}", "{}", rule)


def operation(rule: str, method: str) -> J | None:
    """The document's operation for a Flask rule and method, its path-level parameters merged in."""
    if not _OPERATIONS:
        for path, item in spec()["paths"].items():
            for verb, op in item.items():
                if verb != "parameters":
                    params = [*item.get("parameters", []), *op.get("parameters", [])]
                    _OPERATIONS[(_template(path), verb.upper())] = {**op, "parameters": params}
    return _OPERATIONS.get((_template(rule), "GET" if method == "HEAD" else method))


def _check_request() -> None:
    for value in (request.view_args or {}).values():
        # a row id is a 64-bit integer: a larger one names nothing (and would overflow the database)
        if isinstance(value, int) and value > MAX_INT64:
            raise NotFound(msg("Không có mục số %(id)s.", id=value))
    view = current_app.view_functions.get(request.endpoint or "")
    if getattr(view, "requires_login", False):
        return  # auth.require checks the request after the person and their role
    op = _operation_here()
    if op is not None and _authenticated(op):  # else the view answers 401
        check_request()


def _operation_here() -> J | None:
    rule = request.url_rule
    if rule is None or not rule.rule.startswith("/api/v1/"):
        return None
    op = operation(rule.rule, request.method)
    if op is None or op.get("x-validated-by") == "service":
        return None  # not described (Flask's 405), or its service checks it
    return op


def check_request() -> None:
    """Refuse this API request (400, 413) unless it matches the document; once per request."""
    op = _operation_here()
    if op is None or g.get("_api_checked"):
        return
    g._api_checked = True
    for param in op["parameters"]:
        if param["in"] == "query":
            _check_query(param)
    if "requestBody" in op:
        _check_body(op["requestBody"])


def _authenticated(op: J) -> bool:
    from ..auth import bearer_token, current_user
    from ..errors import Unauthorized
    from ..services import stations

    security = op.get("security")
    if not security:
        return True
    if any("stationToken" in s for s in security):
        try:
            stations.by_token(bearer_token())
        except Unauthorized:
            return False
        return True
    return current_user() is not None


def _check_query(param: J) -> None:
    name, schema = param["name"], param["schema"]
    values = request.args.getlist(name)
    if not values:
        if param.get("required"):
            raise Invalid(msg("Thiếu tham số '%(name)s'.", name=name), field=name)
        return
    if len(values) > 1:
        raise Invalid(msg("Tham số '%(name)s' chỉ được có một lần.", name=name), field=name)
    _validate(_coerce(values[0], schema), schema, name)


def _coerce(text: str, schema: J) -> Any:
    """A query or form value as the type its schema names (left as text when it is not one)."""
    types = schema.get("type")
    types = types if isinstance(types, list) else [types]
    if "integer" in types and _INTEGER.fullmatch(text):
        return int(text)
    if "number" in types and _NUMBER.fullmatch(text):
        return float(text)
    if "boolean" in types and text in ("true", "false"):
        return text == "true"
    return text


def _check_body(body: J) -> None:
    if not request.content_length and "Transfer-Encoding" not in request.headers:
        if body.get("required"):
            raise Invalid(msg("Yêu cầu cần có nội dung."))
        return
    content = body["content"]
    mimetype = request.mimetype
    if mimetype not in content:
        raise Invalid(msg("Nội dung phải là %(kinds)s.", kinds=", ".join(content)))
    schema = content[mimetype].get("schema", {})
    if mimetype == "application/json":
        try:
            data = request.get_json()
        except BadRequest:
            raise Invalid(msg("Nội dung phải là một đối tượng JSON.")) from None
        if isinstance(data, float) and not math.isfinite(data):
            raise Invalid(msg("Số phải hữu hạn."))
        _check_text(data)
    else:
        data = _form(schema)
    _validate(data, schema, "")


def _check_text(node: Any) -> None:
    """Refuse what no column can hold, in place: lone UTF-16 surrogates and NaN or infinite numbers.

    A number with no fractional part becomes an int: JSON does not tell ``5`` from ``5.0``.
    """
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, value in list(items):
        if isinstance(value, float):
            if not math.isfinite(value):
                raise Invalid(msg("Số phải hữu hạn."))
            if value.is_integer():
                node[key] = int(value)
        elif isinstance(value, str) or isinstance(key, str):
            for text in (key, value):
                if isinstance(text, str) and not _encodable(text):
                    raise Invalid(msg("Văn bản chứa ký tự Unicode hỏng."))
        if isinstance(value, dict | list):
            _check_text(value)


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _form(schema: J) -> J:
    """A multipart or URL-encoded body as the object its schema describes (files stand as text)."""
    resolved = _resolve(schema)
    props = resolved.get("properties", {})
    out: J = {k: _coerce(v, _resolve(props.get(k, {}))) for k, v in request.form.items()}
    # a file stands as text of its length, so an empty upload fails the schema's minLength
    out.update({k: "x" * min(_size(f), 1) for k, f in request.files.items()})
    return out


def _size(upload: Any) -> int:
    stream = upload.stream
    here = stream.tell()
    stream.seek(0, 2)
    size = stream.tell()
    stream.seek(here)
    return int(size)


def _resolve(schema: J) -> J:
    while "$ref" in schema:
        schema = spec()["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


_VALIDATORS: dict[int, Draft202012Validator] = {}


def _validate(value: Any, schema: J, where: str) -> None:
    validator = _VALIDATORS.get(id(schema))
    if validator is None:
        registry: Registry[Any] = Registry().with_resource("urn:loa", Resource.opaque(spec()))
        validator = Draft202012Validator(_rebase(schema), registry=registry, format_checker=_FORMATS)
        _VALIDATORS[id(schema)] = validator
    error = best_match(validator.iter_errors(value), key=_relevance)
    if error is not None:
        raise _invalid(error, where)


def _relevance(error: ValidationError) -> tuple[Any, ...]:
    """jsonschema's relevance, but a form for another ``kind`` (a programme item's) comes last: name the item's own."""
    return (_other_kind(error), *relevance(error))


def _other_kind(error: ValidationError) -> bool:
    parent, where = error.parent, error.relative_schema_path
    if parent is None or not where:
        return False
    return any(e.relative_schema_path and e.relative_schema_path[0] == where[0] and e.validator == "const"
               and list(e.relative_path) == ["kind"] for e in parent.context)


def _invalid(error: ValidationError, where: str) -> CentralError:
    """A problem naming the field (and for a list member, its index) in Vietnamese and English."""
    path = [*([where] if where else []), *error.absolute_path]
    names = [str(p) for p in path if not isinstance(p, int)]
    if error.validator == "required":
        names.append(next((p for p in error.validator_value if p not in error.instance), ""))
    elif error.validator == "additionalProperties" and isinstance(error.instance, dict):
        names.append(min(k for k in error.instance if k not in error.schema.get("properties", {})))
    index = next((p for p in path if isinstance(p, int)), None)
    why = _why(error)
    if error.validator == "maxItems":
        return TooLarge(msg("'%(field)s' có tối đa %(most)s mục.", field=".".join(names),
                            most=error.validator_value), field=".".join(names))
    if index is not None:
        field = ".".join(names[1:]) or names[0]
        return Invalid(msg("Mục %(n)s trong '%(list)s', trường '%(field)s': %(why)s.",
                           n=index + 1, list=names[0], field=field, why=why), field=field, index=index)
    if names:
        dotted = ".".join(names)
        return Invalid(msg("Trường '%(field)s' không hợp lệ: %(why)s.", field=dotted, why=why),
                       field=names[0])
    return Invalid(msg("Nội dung không hợp lệ: %(why)s.", why=why))


def _why(error: ValidationError) -> str:
    """jsonschema's message, shortened; for a choice among forms, the schema's own description."""
    shown = repr(error.instance)
    shown = shown if len(shown) <= 60 else shown[:57] + "..."
    if error.validator == "enum" and len(error.validator_value) > 8:
        return f"{shown} is not one of the allowed values"
    if error.validator in ("oneOf", "anyOf", "not", "contains", "if"):
        return error.schema.get("description") or f"{shown} does not match any allowed form"
    return error.message if len(error.message) <= 200 else error.message[:200] + "…"


def _rebase(node: Any) -> Any:
    """Point the document's local ``#/components/...`` references at the registered document."""
    if isinstance(node, dict):
        return {k: ("urn:loa" + v if k == "$ref" and v.startswith("#") else _rebase(v)) for k, v in node.items()}
    if isinstance(node, list):
        return [_rebase(x) for x in node]
    return node
