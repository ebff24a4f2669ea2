"""Text no database column holds: the NUL character (U+0000), refused before any view or query sees it.

SQLite stores it and PostgreSQL refuses it mid-query (a 500 that fuzzing on SQLite never showed), so
the edge refuses it on every path, API and web alike, with 422: the request may match the API
description (a string is a string) but cannot be carried out. Paths, query and form fields (names and
values) and JSON bodies are looked at; an uploaded file's bytes are audio and are not.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from flask import Flask, request

from .errors import Unprocessable
from .messages import msg

NUL = "\x00"


def init_app(app: Flask) -> None:
    app.before_request(refuse_nul)


def refuse_nul() -> None:
    for field, text in texts():
        if NUL in text:
            raise Unprocessable(msg("Văn bản không được chứa ký tự NUL (U+0000)."), field=field)


def texts() -> Iterator[tuple[str, str]]:
    """Every (field, text) of this request a view could hand to the database."""
    for name, value in (request.view_args or {}).items():
        if isinstance(value, str):
            yield name, value
    sources = [request.args] if request.method in ("GET", "HEAD") else [request.args, request.form]
    for source in sources:
        for name, values in source.lists():
            yield name, name
            for value in values:
                yield name, value
    if request.is_json and request.content_length:
        yield from _json_texts(request.get_json(silent=True), "")
    for name, upload in request.files.items(multi=True) if request.method not in ("GET", "HEAD") else ():
        yield name, upload.filename or ""


def _json_texts(node: Any, where: str) -> Iterator[tuple[str, str]]:
    if isinstance(node, str):
        yield where, node
    elif isinstance(node, dict):
        for key, value in node.items():
            path = f"{where}.{key}" if where else str(key)
            yield path, str(key)
            yield from _json_texts(value, path)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _json_texts(value, f"{where}[{index}]")
