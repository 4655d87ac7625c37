"""The registry's state lives only in Kafka: restarts, a second instance, and the Confluent
client library against it."""

from __future__ import annotations

import json
import threading
import uuid

import httpx
from confluent_kafka import DeserializingConsumer, SerializingProducer
from confluent_kafka.admin import NewTopic
from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer

from bron.kafka.admin import admin_client
from bron.settings import Settings, load_settings
from bron.testing import eventually, serving
from services.schema_registry.app import create_app


def settings_for(bootstrap: str, topic: str) -> Settings:
    return load_settings(kafka_bootstrap=bootstrap, schema_registry_topic=topic)


def schema(name: str, *extra: str) -> str:
    fields = [{"name": "id", "type": "string"}] + [
        {"name": f, "type": "string", "default": ""} for f in extra
    ]
    return json.dumps({"type": "record", "name": name, "namespace": "nl.bron.t", "fields": fields})


def test_a_restarted_registry_rebuilds_its_state_from_the_topic(
    bootstrap: str, schemas_topic: str
) -> None:
    settings = settings_for(bootstrap, schemas_topic)
    app, _ = create_app(settings)
    with serving(app) as url, httpx.Client(base_url=url) as api:
        ids = [
            api.post(f"/subjects/s{i}/versions", json={"schema": schema(f"R{i}")}).json()["id"]
            for i in range(5)
        ]
        api.put("/config/s0", json={"compatibility": "FULL"})
        api.delete("/subjects/s4")
    app, _ = create_app(settings)
    with serving(app) as url, httpx.Client(base_url=url) as api:
        assert api.get("/subjects").json() == ["s0", "s1", "s2", "s3"]
        assert [api.get(f"/subjects/s{i}/versions/1").json()["id"] for i in range(4)] == ids[:4]
        assert api.get("/config/s0").json() == {"compatibilityLevel": "FULL"}
        again = api.post("/subjects/s1/versions", json={"schema": schema("R1")})
        assert again.json()["id"] == ids[1]
        new = api.post("/subjects/n/versions", json={"schema": schema("New")}).json()["id"]
        assert new == max(ids) + 1


def test_two_instances_share_state_and_never_disagree_on_ids(
    bootstrap: str, schemas_topic: str
) -> None:
    settings = settings_for(bootstrap, schemas_topic)
    app_a, _ = create_app(settings)
    app_b, _ = create_app(settings)
    with (
        serving(app_a) as url_a,
        serving(app_b) as url_b,
        httpx.Client(base_url=url_a, timeout=60) as a,
        httpx.Client(base_url=url_b, timeout=60) as b,
    ):
        first = a.post("/subjects/x/versions", json={"schema": schema("X")}).json()["id"]
        eventually(lambda: b.get("/subjects").json() == ["x"])
        assert b.get("/subjects/x/versions/latest").json()["id"] == first

        # Same schema on both at once: one id. Different schemas on both: distinct ids.
        results: dict[str, int] = {}

        def register(client: httpx.Client, subject: str, text: str, label: str) -> None:
            response = client.post(f"/subjects/{subject}/versions", json={"schema": text})
            assert response.status_code == 200, response.text
            results[label] = response.json()["id"]

        work = [(a, "same", schema("Same"), "same-a"), (b, "same", schema("Same"), "same-b")]
        for i in range(8):
            client = a if i % 2 else b
            work.append((client, f"own-{i}", schema(f"Own{i}"), f"own-{i}"))
        threads = [threading.Thread(target=register, args=item) for item in work]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert results["same-a"] == results["same-b"]
        own = [results[f"own-{i}"] for i in range(8)]
        assert len(set(own) | {results["same-a"], first}) == 10, "every schema its own id"

        def view(client: httpx.Client) -> dict[str, int]:
            return {
                s: client.get(f"/subjects/{s}/versions/latest").json()["id"]
                for s in client.get("/subjects").json()
            }

        eventually(lambda: view(a) == view(b) and len(view(a)) == 10)
        assert b.get("/subjects/same/versions").json() == [1]


def test_the_confluent_client_library_works_unchanged(bootstrap: str, schemas_topic: str) -> None:
    topic = f"sr-client-{uuid.uuid4().hex[:8]}"
    client = admin_client(bootstrap)
    client.create_topics([NewTopic(topic, 1, 1)])[topic].result(30)
    avro_schema = json.dumps(
        {
            "type": "record",
            "name": "PersoonVerhuisd",
            "namespace": "nl.bron.brp",
            "fields": [
                {"name": "persoonId", "type": {"type": "string", "logicalType": "uuid"}},
                {"name": "huisnummer", "type": "int"},
                {"name": "postcode", "type": ["null", "string"], "default": None},
            ],
        }
    )
    app, _ = create_app(settings_for(bootstrap, schemas_topic))
    with (
        serving(app) as url,
        SchemaRegistryClient({"url": url}) as registry,
        SchemaRegistryClient({"url": url}) as reader_registry,
    ):
        schema_id = registry.register_schema(f"{topic}-value", Schema(avro_schema, "AVRO"))
        assert registry.get_schema(schema_id).schema_str is not None
        latest = registry.get_latest_version(f"{topic}-value")
        assert (latest.schema_id, latest.version) == (schema_id, 1)
        assert registry.get_subjects() == [f"{topic}-value"]
        registry.set_compatibility(f"{topic}-value", "FULL")
        assert registry.get_compatibility(f"{topic}-value") == "FULL"

        producer = SerializingProducer(
            {
                "bootstrap.servers": bootstrap,
                "value.serializer": AvroSerializer(registry, avro_schema),
            }
        )
        sent = {"persoonId": str(uuid.uuid4()), "huisnummer": 12, "postcode": "1234AB"}
        producer.produce(topic, key=b"k", value=sent)
        assert producer.flush(30) == 0

        consumer = DeserializingConsumer(
            {
                "bootstrap.servers": bootstrap,
                "group.id": uuid.uuid4().hex,
                "auto.offset.reset": "earliest",
                "value.deserializer": AvroDeserializer(reader_registry),
            }
        )
        consumer.subscribe([topic])
        received = None
        for _ in range(60):
            message = consumer.poll(1)
            if message is not None and message.error() is None:
                received = message
                break
        consumer.close()
        assert received is not None
        raw: dict[str, object] = received.value()  # type: ignore[assignment]
        assert raw is not None
        assert {k: str(v) if k == "persoonId" else v for k, v in raw.items()} == sent
