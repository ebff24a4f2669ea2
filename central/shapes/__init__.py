"""API shapes declared once, as pydantic models: the OpenAPI document and the request checks derive from them.

Three bases, on purpose:
- ``Shape``: a request body; closed (``additionalProperties: false``) so a typo is a 400 naming it;
- ``OpenShape``: a request the contract keeps open (a station reports more than it names, DESIGN §7);
- ``Answer``: a reply whose shape is fixed: every member always present, nothing else.

``ref(Model)`` names a model in the document (``#/components/schemas/Model``) and ``components()``
turns every model named so far, and the models they use, into the document's component schemas.
``central.api.validation`` checks each request against the document with a JSON Schema validator,
so a request is refused (400 naming its field and index, 413 for a list too long) exactly where the
published document says; a service that is also called from inside the central reads a body with
the same model (``Model.model_validate``; ``fault`` names the first faulty field).
Scalar building blocks (``Time``, ``Text``…) are ``Annotated`` types; ``schema(T)`` is their JSON Schema,
for query parameters.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from copy import copy
from dataclasses import dataclass
from datetime import date
from enum import Enum
from typing import Annotated, Any, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    TypeAdapter,
    ValidationError,
    WithJsonSchema,
    create_model,
)
from pydantic.json_schema import models_json_schema
from pydantic_core import CoreSchema, PydanticCustomError, core_schema

from playlists.model import DEFAULT_ZONE

from ..errors import Invalid
from ..messages import N_, msg

J = dict[str, Any]
M = TypeVar("M", bound=BaseModel)
MAX_INT64 = 2**63 - 1
REF = "#/components/schemas/{model}"


class Shape(BaseModel):
    """A request body: exactly these members (unknown ones are a typo, refused with their name)."""

    model_config = ConfigDict(extra="forbid", regex_engine="python-re", strict=True)


class OpenShape(BaseModel):
    """A request body that may carry members the contract does not name (kept or ignored, never refused)."""

    model_config = ConfigDict(extra="allow", regex_engine="python-re", strict=True)


class Answer(BaseModel):
    """A reply: declare every member without a default, so each is required and nothing else allowed."""

    model_config = ConfigDict(extra="forbid", regex_engine="python-re")


def plain(body: Any) -> Any:
    """``body`` ready for JSON: each answer in it (alone, in a list, a dict's value) as its JSON dump."""
    if isinstance(body, BaseModel):
        return body.model_dump(mode="json", by_alias=True)
    if isinstance(body, list):
        return [plain(x) for x in body]
    if isinstance(body, dict):
        return {key: plain(value) for key, value in body.items()}
    return body


_NAMED: dict[str, type[BaseModel]] = {}


def ref(model: type[BaseModel]) -> J:
    """The document's reference to ``model`` (and the model joins the document's components)."""
    known = _NAMED.setdefault(model.__name__, model)
    if known is not model:  # one name, one shape: the document has a single namespace
        raise TypeError(f"two shapes are named {model.__name__}: {known.__module__}, {model.__module__}")
    return {"$ref": REF.format(model=model.__name__)}


_INLINE: dict[str, type[BaseModel]] = {}


def inline(model: type[BaseModel]) -> J:
    """``model``'s own schema written in place (the models it uses still become components)."""
    _INLINE[model.__name__] = model
    return {k: v for k, v in tidy(model.model_json_schema(ref_template=REF)).items() if k != "$defs"}


def partial(model: type[M], name: str) -> type[M]:
    """The same members as ``model`` with none required: what PATCH takes."""
    fields: dict[str, Any] = {}
    for key, info in model.model_fields.items():
        optional = copy(info)
        optional.default, optional.default_factory = None, None
        fields[key] = (info.annotation, optional)
    made = create_model(name, __base__=model, __module__=model.__module__, **fields)
    made.__doc__ = f"The members of {model.__name__}, none required: what PATCH takes."
    return made


def components() -> J:
    """Every model named with ``ref`` and the models they use, as OpenAPI component schemas."""
    pairs = [(m, "validation") for m in {**_INLINE, **_NAMED}.values()]
    _, top = models_json_schema(pairs, ref_template=REF)  # type: ignore[arg-type]
    defs = top.get("$defs", {})
    clashes = [name for name in defs if "__" in name]  # pydantic's way of telling two equal names apart
    if clashes:
        raise TypeError(f"two shapes share a name: {clashes}")
    return {name: tidy(s) for name, s in sorted(defs.items()) if name in _NAMED or name not in _INLINE}


def schema(t: Any) -> J:
    """The JSON Schema of a type or building block (no references: for parameters)."""
    return tidy(TypeAdapter(t).json_schema(ref_template=REF))


def fault(error: ValidationError) -> tuple[str, str]:
    """The first fault of a pydantic error as ``(dotted field, message)``."""
    first = error.errors()[0]
    return ".".join(str(p) for p in first["loc"] if not isinstance(p, int)) or "-", first["msg"]


def read(model: type[M], data: Any, *, form: bool = False) -> M:
    """``data`` as ``model``, or ``Invalid`` naming its first faulty field in the API's own words.

    ``form``: ``data`` is a form's text, read as the numbers its shape names (``"5"`` for an id).
    """
    try:
        return model.model_validate(data, strict=False if form else None)
    except ValidationError as exc:
        field, why = fault(exc)
        first = exc.errors()[0]
        reason = _REASONS.get(first["type"])  # a person at a form reads the reason in their own language
        shown = msg(reason, **first.get("ctx", {})) if reason else why
        raise Invalid(msg("Trường '%(field)s' không hợp lệ: %(why)s.", field=field, why=shown), field=field) from None


#: pydantic's reasons a person most often meets, as msgids (any other stays pydantic's English)
_REASONS = {
    "missing": N_("bắt buộc phải có"),
    "extra_forbidden": N_("không có trường này"),
    "string_type": N_("phải là chuỗi"),
    "int_type": N_("phải là số nguyên"),
    "int_parsing": N_("phải là số nguyên"),
    "float_type": N_("phải là số"),
    "float_parsing": N_("phải là số"),
    "bool_type": N_("phải là true hoặc false"),
    "list_type": N_("phải là danh sách"),
    "model_type": N_("phải là đối tượng"),
    "string_pattern_mismatch": N_("sai dạng"),
    "string_too_short": N_("cần ít nhất %(min_length)s ký tự"),
    "string_too_long": N_("dài quá %(max_length)s ký tự"),
    "too_short": N_("cần ít nhất %(min_length)s mục"),
    "too_long": N_("nhiều nhất %(max_length)s mục"),
    "greater_than_equal": N_("phải từ %(ge)s trở lên"),
    "less_than_equal": N_("phải từ %(le)s trở xuống"),
    "literal_error": N_("phải là một trong %(expected)s"),
    "no_such_day": N_("không có ngày %(day)s"),
    "time_form": N_("'%(value)s' không phải thời gian RFC 3339, ngày hay giờ địa phương"),
}


_NAME_MAPS = ("properties", "$defs", "patternProperties")
_NOISE = ("title", "default")


def tidy(node: Any) -> Any:
    """pydantic's schema as a person would write it: no generated titles or defaults, ``type: [x, "null"]``."""
    if isinstance(node, list):
        return [tidy(x) for x in node]
    if not isinstance(node, dict):
        return node
    out: J = {}
    for key, value in node.items():
        if key in _NAME_MAPS and isinstance(value, dict):
            out[key] = {name: tidy(s) for name, s in value.items()}
        elif key not in _NOISE or not _generated(key, value):
            out[key] = tidy(value)
    return _nullable(out)


def _generated(key: str, value: Any) -> bool:
    return key == "default" or isinstance(value, str)


def _nullable(node: J) -> J:
    """``anyOf: [X, {type: null}]`` → X with ``type: [t, "null"]`` when X is a plain typed schema."""
    options = node.get("anyOf")
    if not isinstance(options, list) or len(options) != 2 or {"type": "null"} not in options:
        return node
    other = next(o for o in options if o != {"type": "null"})
    if not isinstance(other.get("type"), str) or {"enum", "const", "anyOf", "oneOf", "allOf"} & set(other):
        return node
    rest = {k: v for k, v in node.items() if k != "anyOf"}
    return {**other, **rest, "type": [other["type"], "null"]}


# --- building blocks -------------------------------------------------------------------------

#: A character that is not white space to any of Python (``str.strip``), ECMA-262 or Rust: regex engines
#: disagree on ``\S`` (Python counts U+001C–U+001F as space), so the class is spelled out.
VISIBLE = "[^\\t\\n\\v\\f\\r \\x1c-\\x1f\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff]"
# The formats with their patterns: a format alone is only an annotation in JSON Schema 2020-12,
# and fuzzers differ on whether they assert it; a pattern every validator enforces.
RFC3339 = "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$"
UUID_PATTERN = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"

Time = Annotated[str, Field(pattern=RFC3339, json_schema_extra={"format": "date-time"})]


def _day(text: str) -> str:
    """The pattern's digits name a real day, as the document's format "date" says (not 2026-02-30)."""
    try:
        date.fromisoformat(text)
    except ValueError:
        raise PydanticCustomError("no_such_day", "there is no day {day}", {"day": text}) from None
    return text


Day = Annotated[str, Field(pattern="^[0-9]{4}-[0-9]{2}-[0-9]{2}$", json_schema_extra={"format": "date"}),
                AfterValidator(_day)]
Uuid = Annotated[str, Field(pattern=UUID_PATTERN, json_schema_extra={"format": "uuid"})]
Sha256 = Annotated[str, Field(pattern="^[0-9a-f]{64}$")]
Int32 = Annotated[int, Field(ge=-(2**31), le=2**31 - 1)]  # an INTEGER column (PostgreSQL's is 32 bits)
Int64 = Annotated[int, Field(ge=-(2**63), le=MAX_INT64)]
Id = Annotated[int, Field(ge=1, le=MAX_INT64)]  # a row id, as a path part or a reference
Percent = Annotated[int, Field(ge=0, le=100)]
Clock = Annotated[str, Field(pattern="^([01][0-9]|2[0-3]):[0-5][0-9]$", examples=["06:00"])]
Zone = Annotated[str, Field(max_length=64, pattern="^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*$",
                            examples=["Asia/Ho_Chi_Minh"])]  # a zone the central does not know is 422
Code = Annotated[str, Field(min_length=1, max_length=64, pattern=VISIBLE)]
Name = Annotated[str, Field(min_length=1, max_length=200, pattern=VISIBLE)]
Title = Annotated[str, Field(min_length=1, max_length=300, pattern=VISIBLE)]
Text64 = Annotated[str, Field(max_length=64)]
Text2000 = Annotated[str, Field(max_length=2000)]
LOCAL_PATTERN = (r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?"
                 r"(Z|[+-][0-9]{2}:[0-9]{2})?$")
LocalTime = Annotated[str, Field(
    pattern=LOCAL_PATTERN, examples=["2026-12-01T06:00"],
    description="local wall-clock ISO time in `timezone` (an offset, if given, is converted into it)")]
# Times a client sends (central.times.parse_time): one reading of a time without an offset everywhere.
NAIVE_TIME = f"RFC 3339; or without an offset, a day or a time in {DEFAULT_ZONE} (the deployment's zone)"
TIME_FORMS: list[J] = [
    {"type": "string", "format": "date-time", "pattern": RFC3339},
    {"type": "string", "format": "date", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"},
    {"type": "string", "pattern": LOCAL_PATTERN},
]


def _time_form(text: str | None) -> str | None:
    """One of ``TIME_FORMS``, as the document's ``anyOf`` says: a model read by a service checks it too."""
    if text is not None and not any(re.search(form["pattern"], text) for form in TIME_FORMS):
        raise PydanticCustomError("time_form", "{value} is no RFC 3339 time, day or local time", {"value": text})
    return text


#: A time a client sends: RFC 3339, or a day (its start) or a naive time in the deployment's zone.
TimeIn = Annotated[str, AfterValidator(_time_form),
                   WithJsonSchema({"type": "string", "anyOf": TIME_FORMS, "description": NAIVE_TIME})]
#: The same, or null (a validity window's open end).
WindowTime = Annotated[str | None, AfterValidator(_time_form), WithJsonSchema(
    {"type": ["string", "null"], "anyOf": [{"type": "null"}, *TIME_FORMS], "description": NAIVE_TIME})]


def enum(values: Iterable[str]) -> J:
    """A string from ``values``, as JSON Schema (for parameters)."""
    return {"type": "string", "enum": [str(v) for v in values]}


@dataclass(frozen=True)
class OneOf:
    """``Annotated[str, OneOf(ROLES)]``: one of these words (``enum`` in the document, checked by the model)."""

    values: Iterable[str]

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        # a StrEnum member stands for its value (playlists.words, central.words)
        return core_schema.literal_schema([v.value if isinstance(v, Enum) else v for v in self.values])
