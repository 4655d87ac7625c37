"""A small client for any Confluent-compatible schema registry (Bron's own, Confluent, Karapace,
Apicurio's ccompat API), with the caches a producer and a consumer need."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from typing import Any

import httpx

from bron.errors import BronError

MEDIA_TYPE = "application/vnd.schemaregistry.v1+json"


class RegistryClientError(BronError):
    def __init__(self, status: int, error_code: int, message: str) -> None:
        super().__init__(f"schema registry: {message} (error {error_code})")
        self.status = status
        self.error_code = error_code


@dataclass(frozen=True, slots=True)
class RegisteredSchema:
    subject: str
    version: int
    schema_id: int
    schema: str


@dataclass(frozen=True, slots=True)
class Compatibility:
    is_compatible: bool
    messages: list[str]


class RegistryClient:
    def __init__(self, url: str, timeout: float = 10.0) -> None:
        self.url = url.rstrip("/")
        self._http = httpx.Client(
            base_url=self.url, timeout=timeout, headers={"Accept": MEDIA_TYPE}
        )
        self._by_id: dict[int, str] = {}
        self._ids: dict[tuple[str, str], RegisteredSchema] = {}
        self._lock = threading.Lock()

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> RegistryClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        try:
            response = self._http.request(
                method, path, json=body, headers={"Content-Type": MEDIA_TYPE} if body else None
            )
        except httpx.HTTPError as exc:
            raise BronError(
                f"cannot reach the schema registry at {self.url}: {exc}",
                suggestion="start it (bron up) or set BRON_SCHEMA_REGISTRY_URL",
            ) from None
        if response.status_code >= 400:
            try:
                data = response.json()
                code, message = int(data.get("error_code", 0)), str(data.get("message", ""))
            except (ValueError, AttributeError):
                code, message = response.status_code, response.text[:200]
            raise RegistryClientError(response.status_code, code, message)
        return response.json() if response.content else None

    # -- cached: what every producer and consumer calls ------------------------------------

    def schema_by_id(self, schema_id: int) -> str:
        cached = self._by_id.get(schema_id)
        if cached is not None:
            return cached
        text = str(self._call("GET", f"/schemas/ids/{schema_id}")["schema"])
        with self._lock:
            self._by_id[schema_id] = text
        return text

    def lookup(self, subject: str, schema: str) -> RegisteredSchema:
        """The id and version of a schema already registered under the subject."""
        key = (subject, schema)
        cached = self._ids.get(key)
        if cached is not None:
            return cached
        data = self._call("POST", f"/subjects/{_quote(subject)}", {"schema": schema})
        found = RegisteredSchema(subject, int(data["version"]), int(data["id"]), schema)
        with self._lock:
            self._ids[key] = found
            self._by_id.setdefault(found.schema_id, str(data["schema"]))
        return found

    def register(self, subject: str, schema: str) -> RegisteredSchema:
        """Register (idempotent) and return id and version."""
        key = (subject, schema)
        cached = self._ids.get(key)
        if cached is not None:
            return cached
        self._call("POST", f"/subjects/{_quote(subject)}/versions", {"schema": schema})
        return self.lookup(subject, schema)

    # -- uncached: the stewards' tools -----------------------------------------------------

    def subjects(self) -> list[str]:
        return [str(s) for s in self._call("GET", "/subjects")]

    def versions(self, subject: str) -> list[int]:
        return [int(v) for v in self._call("GET", f"/subjects/{_quote(subject)}/versions")]

    def version(self, subject: str, version: int | str = "latest") -> RegisteredSchema:
        data = self._call("GET", f"/subjects/{_quote(subject)}/versions/{version}")
        return RegisteredSchema(subject, int(data["version"]), int(data["id"]), data["schema"])

    def compatibility(self, subject: str, schema: str) -> Compatibility:
        """Would the schema be accepted under the subject's level (against all it must be)?"""
        data = self._call(
            "POST",
            f"/compatibility/subjects/{_quote(subject)}/versions?verbose=true",
            {"schema": schema},
        )
        return Compatibility(bool(data["is_compatible"]), list(data.get("messages", [])))

    def level(self, subject: str | None = None) -> str:
        path = "/config" if subject is None else f"/config/{_quote(subject)}?defaultToGlobal=true"
        return str(self._call("GET", path)["compatibilityLevel"])

    def set_level(self, level: str, subject: str | None = None) -> str:
        path = "/config" if subject is None else f"/config/{_quote(subject)}"
        return str(self._call("PUT", path, {"compatibility": level})["compatibility"])


def _quote(subject: str) -> str:
    return httpx.URL("/" + subject).raw_path.decode()[1:]


def compact(schema: dict[str, Any] | str) -> str:
    """The schema as compact JSON, the form Bron registers."""
    parsed = json.loads(schema) if isinstance(schema, str) else schema
    return json.dumps(parsed, separators=(",", ":"))
