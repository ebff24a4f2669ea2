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


# --- the document matches what the service really answers ------------------------------------


def conforms(spec, method: str, template: str, reply) -> None:
    """Validate ``reply``'s JSON body against the schema the document gives for its status."""
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource

    op = spec["paths"][template][method.lower()]
    response = op["responses"].get(str(reply.status_code))
    assert response is not None, f"{method} {template}: status {reply.status_code} is not documented"
    if "$ref" in response:
        response = spec["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
    if reply.status_code in (204, 304) or not reply.data:
        return
    content = response.get("content", {})
    assert reply.mimetype in content, f"{method} {template}: {reply.mimetype} is not documented"
    schema = content[reply.mimetype].get("schema")
    if schema is None:
        return
    registry = Registry().with_resource("urn:loa", Resource.opaque(spec))
    rebased = _rebase(schema)
    errors = list(Draft202012Validator(rebased, registry=registry).iter_errors(reply.json))
    assert not errors, f"{method} {template}: {errors[0].message} at {list(errors[0].absolute_path)}"


def _rebase(node):
    """Point local ``#/components/...`` references at the registered document."""
    if isinstance(node, dict):
        return {k: ("urn:loa" + v if k == "$ref" and v.startswith("#") else _rebase(v))
                for k, v in node.items()}
    if isinstance(node, list):
        return [_rebase(x) for x in node]
    return node


def test_real_answers_match_the_document(client, tree, make_user, auth, bulletin_factory, schedule_factory):
    import uuid

    from central.services import enrollment

    spec = client.get("/api/v1/openapi.json").json
    editor, et = make_user("editor", tree["D"])
    _, at = make_user("approver", tree["D"])
    _, admin = make_user("admin")
    station, code = enrollment.register(None, "P-D-C1", "Đài xã Đắk Môl")
    enrolled = client.post("/api/v1/station/enroll", json={"code": code})
    conforms(spec, "POST", "/api/v1/station/enroll", enrolled)
    st = {"Authorization": f"Bearer {enrolled.json['token']}"}
    b = bulletin_factory(editor, area=tree["D"])
    draft = bulletin_factory(editor, status="draft", area=tree["D"])
    s = schedule_factory(bulletin=b, areas=[tree["C1"]])
    manifest = client.get("/api/v1/station/manifest", headers=st)
    conforms(spec, "GET", "/api/v1/station/manifest", manifest)
    log = {"id": str(uuid.uuid4()), "slot_id": None, "schedule_id": s.id, "bulletin_id": b.id,
           "asset_sha256": b.asset_id, "planned_start": "2026-12-01T06:30:00+07:00",
           "started_at": "2026-12-01T06:30:01+07:00", "ended_at": "2026-12-01T06:30:31+07:00",
           "status": "completed", "reason": None, "clock_trusted": True, "clock_offset_ms": 3}
    conforms(spec, "POST", "/api/v1/station/play-logs",
             client.post("/api/v1/station/play-logs", json={"logs": [log]}, headers=st))
    conforms(spec, "POST", "/api/v1/station/heartbeat",
             client.post("/api/v1/station/heartbeat", json={"agent_version": "0.1", "manifest_version": 1,
                                                             "clock_offset_ms": 3, "clock_trusted": True},
                         headers=st))
    calls = [
        ("GET", "/api/v1/areas", "/api/v1/areas", at, None),
        ("GET", "/api/v1/stations", "/api/v1/stations", at, None),
        ("GET", "/api/v1/stations/{id}", f"/api/v1/stations/{station.id}", at, None),
        ("GET", "/api/v1/stations/{id}/timeline", f"/api/v1/stations/{station.id}/timeline", at, None),
        ("GET", "/api/v1/play-logs", "/api/v1/play-logs", at, None),
        ("GET", "/api/v1/me", "/api/v1/me", at, None),
        ("GET", "/api/v1/bulletins", "/api/v1/bulletins", at, None),
        ("GET", "/api/v1/bulletins/{id}", f"/api/v1/bulletins/{b.id}", at, None),
        ("POST", "/api/v1/bulletins/{id}/submit", f"/api/v1/bulletins/{draft.id}/submit", et, None),
        ("POST", "/api/v1/bulletins/{id}/approve", f"/api/v1/bulletins/{draft.id}/approve", et, None),
        ("POST", "/api/v1/bulletins/{id}/reject", f"/api/v1/bulletins/{draft.id}/reject", at, {}),
        ("GET", "/api/v1/categories", "/api/v1/categories", at, None),
        ("POST", "/api/v1/campaigns", "/api/v1/campaigns", et,
         {"name": "Tháng hành động", "starts_on": "2026-06-01", "ends_on": "2026-06-30", "category": "drugs"}),
        ("GET", "/api/v1/campaigns", "/api/v1/campaigns", at, None),
        ("POST", "/api/v1/playlists", "/api/v1/playlists", et,
         {"name": "Sáng", "items": [{"kind": "bulletin", "bulletin_id": b.id},
                                    {"kind": "pause", "duration_ms": 1000}]}),
        ("GET", "/api/v1/playlists", "/api/v1/playlists", at, None),
        ("POST", "/api/v1/schedules", "/api/v1/schedules", et,
         {"bulletin_id": b.id, "targets": {"areas": ["P-D-C1"]}, "dtstart": "2026-12-01T17:00",
          "rrule": "FREQ=WEEKLY;BYDAY=MO"}),
        ("GET", "/api/v1/schedules", "/api/v1/schedules", at, None),
        ("GET", "/api/v1/reports/summary", "/api/v1/reports/summary?from=2026-12-01&to=2026-12-31", admin,
         None),
        ("POST", "/api/v1/schedules", "/api/v1/schedules", et, {"targets": {}}),
        ("GET", "/api/v1/bulletins/{id}", "/api/v1/bulletins/424242", at, None),
    ]
    statuses = []
    for method, template, url, token, body in calls:
        reply = client.open(url, method=method, json=body, headers=auth(token))
        conforms(spec, method, template, reply)
        statuses.append(reply.status_code)
    # the calls above cover successes and problems alike
    assert statuses == [200] * 8 + [200, 403, 400, 200, 201, 200, 201, 200, 201, 200, 200, 400, 404]
