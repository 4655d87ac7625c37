"""The Confluent Schema Registry API, on each store (memory, and Kafka over real HTTP)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.integration.conftest import Client

CT = {"Content-Type": "application/vnd.schemaregistry.v1+json"}


def record(name: str = "Persoon", *fields: dict[str, Any]) -> str:
    base = [{"name": "persoonId", "type": "string"}]
    return json.dumps(
        {"type": "record", "name": name, "namespace": "nl.bron.test", "fields": base + list(fields)}
    )


V1 = record()
V2 = record("Persoon", {"name": "geslachtsnaam", "type": "string", "default": ""})
NO_DEFAULT = record("Persoon", {"name": "voornamen", "type": "string"})


def register(api: Client, subject: str, schema: str) -> Any:
    return api.post(f"/subjects/{subject}/versions", json={"schema": schema}, headers=CT)


def error_code(response: Any) -> int:
    data = response.json()
    assert data["message"]
    assert data["status"] == response.status_code, "problem+json status mirrors HTTP"
    return int(data["error_code"])


def test_register_and_read_back_by_subject_version_and_id(registry_api: Client) -> None:
    first = register(registry_api, "s1", V1)
    assert first.status_code == 200, first.text
    schema_id = first.json()["id"]
    assert register(registry_api, "s1", V1).json()["id"] == schema_id, "idempotent"
    assert registry_api.get("/subjects/s1/versions").json() == [1]
    for version in ("1", "latest", "-1"):
        body = registry_api.get(f"/subjects/s1/versions/{version}").json()
        assert (body["subject"], body["version"], body["id"]) == ("s1", 1, schema_id)
        assert json.loads(body["schema"]) == json.loads(V1)
    assert json.loads(registry_api.get(f"/schemas/ids/{schema_id}").json()["schema"]) == json.loads(
        V1
    )
    assert json.loads(registry_api.get(f"/schemas/ids/{schema_id}/schema").text) == json.loads(V1)
    assert json.loads(registry_api.get("/subjects/s1/versions/1/schema").text) == json.loads(V1)
    assert registry_api.get("/subjects").json() == ["s1"]
    assert registry_api.get("/schemas/types").json() == ["AVRO"]
    assert registry_api.get("/subjects/s1/versions/1/referencedby").json() == []


def test_the_same_schema_gets_the_same_id_under_any_subject_and_spelling(
    registry_api: Client,
) -> None:
    schema_id = register(registry_api, "a", V1).json()["id"]
    reordered = json.dumps(json.loads(V1), indent=4, sort_keys=True)
    assert register(registry_api, "b", reordered).json()["id"] == schema_id
    assert registry_api.get(f"/schemas/ids/{schema_id}/subjects").json() == ["a", "b"]
    assert registry_api.get(f"/schemas/ids/{schema_id}/versions").json() == [
        {"subject": "a", "version": 1},
        {"subject": "b", "version": 1},
    ]
    assert register(registry_api, "a", V2).json()["id"] == schema_id + 1


def test_an_incompatible_change_is_refused_and_nothing_is_written(registry_api: Client) -> None:
    register(registry_api, "p", V1)
    assert register(registry_api, "p", V2).status_code == 200
    refused = register(registry_api, "p", NO_DEFAULT)
    assert refused.status_code == 409
    assert error_code(refused) in (409, 40901)
    assert "voornamen" in refused.json()["message"]
    assert registry_api.get("/subjects/p/versions").json() == [1, 2]


def test_lookup_finds_a_registered_schema(registry_api: Client) -> None:
    schema_id = register(registry_api, "l", V1).json()["id"]
    found = registry_api.post("/subjects/l", json={"schema": V1})
    assert found.json() == {
        "subject": "l",
        "version": 1,
        "id": schema_id,
        "schema": found.json()["schema"],
    }
    assert error_code(registry_api.post("/subjects/l", json={"schema": V2})) == 40403
    assert error_code(registry_api.post("/subjects/nope", json={"schema": V1})) == 40401


@pytest.mark.parametrize(
    ("method", "url", "payload", "status", "code"),
    [
        ("post", "/subjects/x/versions", b"{not json", 400, 400),
        ("post", "/subjects/x/versions", {"schema": '{"type": "recrod"}'}, 422, 42201),
        ("post", "/subjects/x/versions", {"schema": "not json at all"}, 422, 42201),
        ("post", "/subjects/x/versions", {"nothing": 1}, 422, 42201),
        ("post", "/subjects/x/versions", {"schema": V1, "schemaType": "PROTOBUF"}, 422, 42201),
        ("post", "/subjects/x/versions", {"schema": " " * 70_000 + V1}, 422, 42201),
        ("get", "/subjects/x/versions/abc", None, 422, 42202),
        ("get", "/subjects/x/versions/0", None, 422, 42202),
        ("get", "/subjects/unknown/versions", None, 404, 40401),
        ("get", "/subjects/unknown/versions/1", None, 404, 40401),
        ("get", "/schemas/ids/999999", None, 404, 40403),
        ("put", "/config", {"compatibility": "SIDEWAYS"}, 422, 42203),
        ("put", "/config/x", {"compatibility": 7}, 422, 42203),
        ("put", "/mode", {"mode": "SOMETIMES"}, 422, 42204),
        ("get", "/config/x", None, 404, 40408),
    ],
)
def test_bad_input_gets_the_api_error_and_writes_nothing(
    registry_api: Client, method: str, url: str, payload: Any, status: int, code: int
) -> None:
    kwargs: dict[str, Any] = {}
    if isinstance(payload, bytes):
        kwargs = {"content": payload, "headers": CT}
    elif payload is not None:
        kwargs = {"json": payload}
    response = getattr(registry_api, method)(url, **kwargs)
    assert response.status_code == status, response.text
    assert error_code(response) == code
    assert registry_api.get("/subjects").json() == []
    assert registry_api.get("/config").json() == {"compatibilityLevel": "BACKWARD"}
    assert registry_api.get("/mode").json() == {"mode": "READWRITE"}


def test_oversized_schemas_name_the_limit(registry_api: Client) -> None:
    response = register(registry_api, "big", " " * 70_000 + V1)
    assert "limit is 65536" in response.json()["message"]


def test_compatibility_levels_global_and_per_subject(registry_api: Client) -> None:
    assert registry_api.get("/config").json() == {"compatibilityLevel": "BACKWARD"}
    for level in (
        "NONE", "BACKWARD", "BACKWARD_TRANSITIVE", "FORWARD",
        "FORWARD_TRANSITIVE", "FULL", "FULL_TRANSITIVE",
    ):  # fmt: skip
        assert registry_api.put("/config/c", json={"compatibility": level}).json() == {
            "compatibility": level
        }
    assert registry_api.get("/config/c").json() == {"compatibilityLevel": "FULL_TRANSITIVE"}
    assert registry_api.get("/config/other?defaultToGlobal=true").json() == {
        "compatibilityLevel": "BACKWARD"
    }
    assert registry_api.delete("/config/c").json() == {"compatibilityLevel": "FULL_TRANSITIVE"}
    assert error_code(registry_api.get("/config/c")) == 40408
    registry_api.put("/config", json={"compatibility": "NONE"})
    register(registry_api, "free", V1)
    assert register(registry_api, "free", NO_DEFAULT).status_code == 200, "NONE allows anything"
    assert registry_api.delete("/config").json() == {"compatibilityLevel": "NONE"}
    assert registry_api.get("/config").json() == {"compatibilityLevel": "BACKWARD"}


def test_compatibility_test_endpoints_with_verbose_messages(registry_api: Client) -> None:
    register(registry_api, "t", V1)
    ok = registry_api.post("/compatibility/subjects/t/versions/latest", json={"schema": V2})
    assert ok.json() == {"is_compatible": True}
    bad = registry_api.post(
        "/compatibility/subjects/t/versions/1?verbose=true", json={"schema": NO_DEFAULT}
    )
    assert bad.json()["is_compatible"] is False
    assert any("voornamen" in m for m in bad.json()["messages"])
    every = registry_api.post("/compatibility/subjects/t/versions", json={"schema": V2})
    assert every.json() == {"is_compatible": True}
    assert (
        error_code(registry_api.post("/compatibility/subjects/t/versions/9", json={"schema": V2}))
        == 40402
    )
    assert registry_api.get("/subjects/t/versions").json() == [1], "a test registers nothing"


def test_soft_and_hard_deletes(registry_api: Client) -> None:
    register(registry_api, "d", V1)
    second_id = register(registry_api, "d", V2).json()["id"]
    assert error_code(registry_api.delete("/subjects/d/versions/2?permanent=true")) == 40407
    assert registry_api.delete("/subjects/d/versions/2").json() == 2
    assert registry_api.get("/subjects/d/versions").json() == [1]
    assert registry_api.get("/subjects/d/versions?deleted=true").json() == [1, 2]
    assert error_code(registry_api.delete("/subjects/d/versions/2")) == 40406
    assert registry_api.delete("/subjects/d/versions/2?permanent=true").json() == 2
    assert registry_api.get("/subjects/d/versions?deleted=true").json() == [1]

    assert error_code(registry_api.delete("/subjects/d?permanent=true")) == 40405
    assert registry_api.delete("/subjects/d").json() == [1]
    assert registry_api.get("/subjects").json() == []
    assert registry_api.get("/subjects?deleted=true").json() == ["d"]
    assert error_code(registry_api.delete("/subjects/d")) == 40404
    assert registry_api.delete("/subjects/d?permanent=true").json() == [1]
    assert registry_api.get("/subjects?deleted=true").json() == []
    assert error_code(registry_api.delete("/subjects/d")) == 40401

    third = record("Ander", {"name": "x", "type": "int"})
    assert register(registry_api, "e", third).json()["id"] == second_id + 1, "ids never reused"


def test_read_only_mode_refuses_writes(registry_api: Client) -> None:
    assert registry_api.put("/mode", json={"mode": "READONLY"}).json() == {"mode": "READONLY"}
    refused = register(registry_api, "m", V1)
    assert error_code(refused) == 42205
    assert registry_api.get("/subjects").json() == []
    assert registry_api.put("/mode", json={"mode": "READWRITE"}).json() == {"mode": "READWRITE"}
    registry_api.put("/mode/m", json={"mode": "READONLY"})
    assert registry_api.get("/mode/m").json() == {"mode": "READONLY"}
    assert error_code(register(registry_api, "m", V1)) == 42205
    assert register(registry_api, "other", V1).status_code == 200


def test_metrics_count_requests_by_endpoint(registry_api: Client) -> None:
    assert register(registry_api, "s-metrics", V1).status_code == 200
    text = registry_api.get("/metrics").text
    assert 'service="schema-registry"' in text
    assert "bron_http_request_duration_seconds_count" in text
    assert 'status="200"' in text
    assert "s-metrics" not in text  # endpoint names, never path values
