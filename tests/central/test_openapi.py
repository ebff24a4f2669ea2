"""The OpenAPI document: valid by a real validator, and complete for every route under /api/v1."""

from __future__ import annotations

import io
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


def test_a_listed_plays_sound_is_what_the_station_sent_and_is_declared(client, tree, make_user, auth,
                                                                      station_factory):
    """The listing shows the ``sound`` members a station sent (none added, none null) and its status word."""
    import uuid

    spec = client.get("/api/v1/openapi.json").json
    _, token = station_factory(tree["C1"])
    _, admin = make_user("admin")
    log = {"id": str(uuid.uuid4()), "planned_start": "2026-12-01T06:30:00+07:00", "status": "completed",
           "sound": {"volume": 0, "level_lufs": -20, "muted": True, "battery": "ok"}}
    assert client.post("/api/v1/station/play-logs", json={"logs": [log]}, headers=auth(token)).status_code == 200
    listed = client.get("/api/v1/play-logs", headers=auth(admin))
    conforms(spec, "GET", "/api/v1/play-logs", listed)
    sound = listed.json["play_logs"][0]["sound"]
    assert sound == {"volume": 0, "level_lufs": -20, "muted": True, "reported_status": "completed"}
    declared = _resolve(spec, spec["components"]["schemas"]["PlayLogRow"]["properties"]["sound"]["anyOf"][0])
    assert declared["additionalProperties"] is False and declared["required"] == ["reported_status"]
    assert declared["properties"]["level_lufs"] == {"type": "number"}  # stored without nulls


# --- what the fuzzer (test_fuzz_api.py) found, each pinned by a plain request ------------------

BIG = 2**64  # beyond a 64-bit id


def test_a_405_names_the_allowed_methods_and_stays_a_problem(client):
    reply = client.put("/api/v1/areas")
    assert reply.status_code == 405
    assert reply.mimetype == "application/problem+json" and reply.json["status"] == 405
    assert {"GET", "POST"} <= {m.strip() for m in reply.headers["Allow"].split(",")}  # RFC 9110 §15.5.6


def test_ids_beyond_64_bits_are_not_found(client, make_user, auth):
    _, token = make_user("admin")
    for method, path in (("GET", f"/api/v1/playlists/{BIG}"), ("DELETE", f"/api/v1/campaigns/{2**63}"),
                         ("PATCH", f"/api/v1/schedules/{2**63}"), ("GET", f"/api/v1/stations/{BIG}/timeline")):
        reply = client.open(path, method=method, json={}, headers=auth(token))
        assert reply.status_code == 404, (method, path, reply.status_code)
        assert reply.mimetype == "application/problem+json"


def test_paging_and_filters_are_checked_before_the_database(client, make_user, auth):
    _, token = make_user("admin")
    for query in (f"offset={-(2**63) - 1}", "offset=-1", "limit=0", "limit=1001", f"station={2**70}",
                  "limit=1.5", "to=", "from=1.12.2026", "station=1&station=2"):
        reply = client.get(f"/api/v1/play-logs?{query}", headers=auth(token))
        assert reply.status_code == 400, (query, reply.json)
        assert reply.json["field"] in query
    for path in ("/api/v1/campaigns?active_on=", "/api/v1/schedules?station=null",
                 "/api/v1/reports/summary?to=", "/api/v1/bulletins?campaign=0", "/api/v1/categories?all=yes"):
        assert client.get(path, headers=auth(token)).status_code == 400, path
    assert client.get("/api/v1/play-logs?limit=1000&offset=0", headers=auth(token)).status_code == 200


def test_well_formed_but_unusable_is_422_not_400(client, tree, make_user, auth):
    _, token = make_user("admin")
    reply = client.get("/api/v1/bulletins?campaign=424242", headers=auth(token))
    assert reply.status_code == 422 and "424242" in reply.json["detail"]
    reply = client.post("/api/v1/campaigns", json={"name": "Đợt ngược", "starts_on": "2026-06-30",
                                                   "ends_on": "2026-06-01"}, headers=auth(token))
    assert reply.status_code == 422
    reply = client.get("/api/v1/reports/summary?from=2026-12-31&to=2026-12-01", headers=auth(token))
    assert reply.status_code == 422


def test_bodies_are_checked_against_the_document(client, tree, make_user, auth):
    _, token = make_user("admin")
    h = auth(token)
    assert client.post("/api/v1/areas", json={"code": 2.5e14, "name": ""}, headers=h).status_code == 400
    assert client.post("/api/v1/tokens", data=b"\x00", content_type="application/json",
                       headers=h).status_code == 400
    assert client.post("/api/v1/tokens", json=["not", "an", "object"], headers=h).status_code == 400
    reply = client.post("/api/v1/categories", data='{"code": "x\\ud800", "name": "Ch\\u1ee7 \\u0111\\u1ec1"}',
                        content_type="application/json", headers=h)
    assert reply.status_code == 400  # an unpaired surrogate: no database stores it
    reply = client.post("/api/v1/categories", json={"code": "ma-tuy", "name": "Ma túy", "colour": "đỏ"},
                        headers=h)
    assert reply.status_code == 400 and reply.json["field"] == "colour"  # unknown field: a typo, say so
    reply = client.post("/api/v1/campaigns", json={"name": "Đợt", "starts_on": "2026-06-01"}, headers=h)
    assert reply.status_code == 400 and reply.json["field"] == "ends_on"


def test_an_integral_float_is_an_integer(client, tree, make_user, auth, station_factory):
    station, _ = station_factory(tree["C1"])
    _, token = make_user("admin")
    reply = client.patch(f"/api/v1/stations/{station.id}", json={"heartbeat_interval_s": 5492.0},
                         headers=auth(token))
    assert reply.status_code == 200, reply.json  # JSON does not tell 5492 from 5492.0
    assert client.patch(f"/api/v1/stations/{station.id}", json={"volume": 50.5},
                        headers=auth(token)).status_code == 400


def test_patch_takes_part_of_an_object(client, tree, make_user, auth):
    _, token = make_user("admin")
    made = client.post("/api/v1/campaigns", json={"name": "Tháng hành động", "starts_on": "2026-06-01",
                                                  "ends_on": "2026-06-30"}, headers=auth(token))
    reply = client.patch(f"/api/v1/campaigns/{made.json['id']}", json={"description": "Phát mỗi sáng"},
                         headers=auth(token))
    assert reply.status_code == 200 and reply.json["ends_on"] == "2026-06-30"
    spec = client.get("/api/v1/openapi.json").json
    for path, item in spec["paths"].items():
        patch = item.get("patch", {}).get("requestBody", {}).get("content", {}).get("application/json")
        if patch:
            schema = patch["schema"]
            if "$ref" in schema:
                schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
            assert "required" not in schema, path


def test_a_reused_campaign_code_is_a_conflict(client, make_user, auth):
    _, token = make_user("admin")
    body = {"name": "Đợt 1", "code": "TTMT-2026", "starts_on": "2026-06-01", "ends_on": "2026-06-30"}
    assert client.post("/api/v1/campaigns", json=body, headers=auth(token)).status_code == 201
    reply = client.post("/api/v1/campaigns", json={**body, "name": "Đợt 2"}, headers=auth(token))
    assert reply.status_code == 409 and "TTMT-2026" in reply.json["detail"]


def test_times_in_answers_are_rfc3339_whatever_the_zone_said_then(client, tree, make_user, auth,
                                                                  bulletin_factory):
    editor, token = make_user("editor", tree["D"])
    b = bulletin_factory(editor, status="draft", area=tree["D"])
    # the zone in 1309 is local mean time, +07:06:30: not an offset RFC 3339 can write
    reply = client.patch(f"/api/v1/bulletins/{b.id}", json={"valid_until": "1309-09-06"}, headers=auth(token))
    assert reply.status_code == 200, reply.json
    assert reply.json["valid_until"] == "1309-09-05T16:53:30+00:00"
    reply = client.patch(f"/api/v1/bulletins/{b.id}", json={"valid_from": "0001-01-01"}, headers=auth(token))
    assert reply.status_code == 422  # before year 1 in UTC


def test_a_window_at_the_end_of_the_calendar_is_refused_not_a_crash(client, tree, make_user, auth,
                                                                     station_factory):
    station, _ = station_factory(tree["C1"])
    _, token = make_user("admin")
    reply = client.get(f"/api/v1/stations/{station.id}/timeline?from=9999-12-31T23:00:00Z",
                       headers=auth(token))
    assert reply.status_code == 422, reply.json
    reply = client.get("/api/v1/play-logs?from=0001-01-01T00:00:00%2B01:00", headers=auth(token))
    assert reply.status_code == 422, reply.json


def test_an_empty_upload_names_the_file_field(client, tree, make_user, auth):
    _, token = make_user("editor", tree["D"])
    reply = client.post("/api/v1/bulletins", data={"title": "Bản tin", "file": (io.BytesIO(b""), "a.wav")},
                        content_type="multipart/form-data", headers=auth(token))
    assert reply.status_code == 400 and reply.json["field"] == "file"


# --- the shapes are declared once (central/shapes) and the document derives from them ----------


def _resolve(spec, schema):
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


#: answers that may grow members (DESIGN §7: the station contract's manifest; RFC 9457 problems)
OPEN_ANSWERS = {"/api/v1/openapi.json"}


def test_every_json_answer_is_closed(client):
    """A member that appears in an answer without being declared fails the conformance test and the fuzzer."""
    spec = client.get("/api/v1/openapi.json").json
    open_ones = []
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if method not in HTTP_METHODS or path in OPEN_ANSWERS:
                continue
            for status, response in op["responses"].items():
                schema = response.get("content", {}).get("application/json", {}).get("schema")
                if not status.startswith("2") or schema is None:
                    continue
                schema = _resolve(spec, schema)
                schema = _resolve(spec, schema["items"]) if schema.get("type") == "array" else schema
                if schema.get("additionalProperties") is not False:
                    open_ones.append(f"{method.upper()} {path} {status}")
    assert open_ones == []


def test_components_are_the_models_schemas(client):
    from central import shapes
    from central.shapes import station, workflow

    spec = client.get("/api/v1/openapi.json").json
    components = spec["components"]["schemas"]
    for model in (station.PlayLog, station.Heartbeat, workflow.ScheduleInput, workflow.Bulletin):
        derived = shapes.tidy(model.model_json_schema(ref_template=shapes.REF))
        derived.pop("$defs", None)
        assert components[model.__name__] == derived, model.__name__
    # written as a person would: no generated titles, nullable as a type list
    assert "title" not in components["Bulletin"]["properties"]["category"]
    assert components["Bulletin"]["properties"]["category"]["type"] == ["string", "null"]
    assert components["Bulletin"]["additionalProperties"] is False
    assert set(components["Bulletin"]["required"]) == set(components["Bulletin"]["properties"])


def test_two_shapes_of_one_name_are_refused():
    import pytest
    from pydantic import BaseModel

    from central import shapes

    class Bulletin(BaseModel):  # the same name as central.shapes.workflow.Bulletin
        x: int

    from central.shapes import workflow

    shapes.ref(workflow.Bulletin)
    with pytest.raises(TypeError, match="two shapes are named Bulletin"):
        shapes.ref(Bulletin)
