"""The OpenAPI description of the review workflow's steps, one definition for every kind under review."""

from __future__ import annotations

from pydantic import BaseModel

from ..shapes import operator as O
from .openapi_schemas import J, json_body, ok, op, path_id, ref

STEP_ERRORS = (400, 401, 403, 404, 409)  # a workflow step: not allowed now is a 409


def paths(base: str, noun: str, tag: str, schema: type[BaseModel], actions: tuple[str, ...]) -> J:
    """``POST {base}/{id}/{action}`` for each action, answered with ``schema``; a rejection needs a reason."""
    return {
        f"{base}/{{id}}/{action}": {
            "parameters": [path_id()],
            "post": op(f"{action.capitalize()} {noun}", tag, ok(ref(schema)),
                       body=json_body(ref(O.ReasonRequired if action == "reject" else O.Reason),
                                      required=action == "reject"),
                       errors=STEP_ERRORS),
        }
        for action in actions
    }
