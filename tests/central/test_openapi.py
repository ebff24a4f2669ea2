"""The OpenAPI document: valid by a real validator, and complete for every route under /api/v1."""

from __future__ import annotations

import re

from openapi_spec_validator import validate

HTTP_METHODS = {"get", "post", "put", "patch", "delete"}


def normalise(path: str) -> str:
    """``/a/<int:id>/b`` and ``/a/{id}/b`` both become ``/a/{}/b``."""
    return re.sub(r"<[^>]+>|\{[^}]+\}", "{}", path)


def test_document_is_served_and_valid(client):
    reply = client.get("/api/v1/openapi.json")
    assert reply.status_code == 200
    spec = reply.json
    validate(spec)  # raises with the first fault it finds
    assert spec["openapi"].startswith("3.1")
    assert "Loa" in spec["info"]["title"] and "loa truyền thanh" in spec["info"]["title"]


def test_every_api_route_is_described_with_its_methods(app, client):
    spec = client.get("/api/v1/openapi.json").json
    described = {
        (normalise(path), method.upper())
        for path, item in spec["paths"].items()
        for method in item
        if method in HTTP_METHODS
    }
    served = {
        (normalise(rule.rule), method)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert served - described == set(), "routes missing from the OpenAPI document"
    assert described - served == set(), "the document describes routes that do not exist"


def test_station_contract_and_problem_details_are_described(client):
    spec = client.get("/api/v1/openapi.json").json
    manifest = spec["paths"]["/api/v1/station/manifest"]["get"]
    assert set(manifest["responses"]) >= {"200", "304", "401"}
    assert manifest["security"] == [{"stationToken": []}]
    asset = spec["paths"]["/api/v1/station/assets/{sha256}"]["get"]
    assert set(asset["responses"]) >= {"200", "206", "404", "416"}
    logs = spec["paths"]["/api/v1/station/play-logs"]["post"]
    assert logs["requestBody"]["content"]["application/json"]["schema"]["properties"]["logs"]["maxItems"] == 1000
    assert spec["paths"]["/api/v1/station/enroll"]["post"]["security"] == []
    create = spec["paths"]["/api/v1/bulletins"]["post"]["requestBody"]["content"]
    assert set(create) == {"multipart/form-data", "application/json"}
    problem = spec["components"]["responses"]["Problem"]["content"]
    assert "application/problem+json" in problem
    op_ids = [op["operationId"] for item in spec["paths"].values() for m, op in item.items()
              if m in HTTP_METHODS]
    assert len(op_ids) == len(set(op_ids)), "operationIds must be unique"
