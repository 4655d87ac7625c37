"""The demo's I/O: the registries' HTTP APIs (as an operator, or as the citizen for their
consents), the GraphQL gateway (as an app, or as the citizen) and an app's subscriptions over
graphql-transport-ws. Tokens are development tokens signed with the installation's key (data
dir/keys), as `bron token` signs them."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx
from gql import Client, gql
from gql.client import AsyncClientSession
from gql.transport.websockets import WebsocketsTransport

from bron.demo.data import Call
from bron.errors import BronError
from bron.http.auth import KeyPair, issue
from bron.settings import Environment, Settings

T = TypeVar("T")
POLL = 0.1  # seconds between two looks while waiting for a change to become visible
HTTP_TIMEOUT = 30.0
ALREADY = "rejected/bestaat-al"  # a BAG object of an earlier run


class DemoError(BronError):
    """Something the demo needs did not answer as it should (not a step's observation)."""


class NotSeen(Exception):
    """A wait ended without seeing what it waited for."""


def elapsed_ms(since: float) -> float:
    return round((time.perf_counter() - since) * 1000, 1)


async def until(
    probe: Callable[[], Awaitable[T | None]], timeout: float, since: float | None = None
) -> tuple[T, float]:
    """The first answer of `probe` that is not None, and the milliseconds since `since` (by
    default: since the wait began); NotSeen after `timeout` seconds."""
    started = time.perf_counter() if since is None else since
    deadline = time.monotonic() + timeout
    while True:
        found = await probe()
        if found is not None:
            return found, elapsed_ms(started)
        if time.monotonic() >= deadline:
            raise NotSeen
        await asyncio.sleep(POLL)


class Stack:
    """The running stack as the demo calls it: registries, gateway, tokens."""

    def __init__(self, settings: Settings) -> None:
        if settings.env is Environment.production:
            raise DemoError("the demo signs development tokens, which production settings "
                            "refuse (BRON_ENV=production)",
                            suggestion="run it against a development stack (bron up)")  # fmt: skip
        self.settings = settings
        key = settings.data_dir / "keys" / "signing-key.pem"
        if not key.exists():
            raise DemoError(f"no stack has run with the data dir {settings.data_dir.resolve()}",
                            suggestion="start the stack first: bron up")  # fmt: skip
        self.keys = KeyPair(settings.data_dir / "keys")
        self.gateway = f"http://{settings.gateway_host}:{settings.gateway_port}"
        self.http = httpx.AsyncClient(timeout=HTTP_TIMEOUT)

    async def close(self) -> None:
        await self.http.aclose()

    async def check(self) -> None:
        """DemoError unless the gateway and the four registries answer /health."""
        urls = [
            f"{self.gateway}/health",
            *(
                f"{self.settings.registry_base_url(r)}/health"
                for r in ("bag", "brp", "woz", "toestemming")
            ),
        ]
        for url in urls:
            try:
                response = await self.http.get(url, timeout=5)
            except httpx.HTTPError:
                response = None
            if response is None or not response.is_success:
                raise DemoError(f"{url} does not answer",
                                suggestion="start the stack first: bron up")  # fmt: skip

    # -- tokens ----------------------------------------------------------------------------

    def app_token(self, app_id: str) -> str:
        return issue(self.keys, subject=f"client-{app_id}",
                     audience=self.settings.gateway_audience, app_id=app_id, ttl=3600)  # fmt: skip

    def citizen_token(self, bsn: str) -> str:
        """For the gateway: role burger, the BSN as subject (as DigiD gives it)."""
        return issue(self.keys, subject=bsn, audience=self.settings.gateway_audience,
                     roles=["burger"], ttl=900)  # fmt: skip

    def _operator(self, registry: str) -> dict[str, str]:
        token = issue(self.keys, subject="bron-demo", audience=f"bron:{registry}",
                      roles=["operator"], ttl=900)  # fmt: skip
        return {"Authorization": f"Bearer {token}"}

    def _burger(self, persoon_id: str) -> dict[str, str]:
        """For the consent register: role burger, the persoonId as subject."""
        token = issue(self.keys, subject=persoon_id, audience="bron:toestemming",
                      roles=["burger"], ttl=900)  # fmt: skip
        return {"Authorization": f"Bearer {token}"}

    # -- registries ------------------------------------------------------------------------

    async def change(self, call: Call, *, existing_ok: bool = False) -> dict[str, Any]:
        """A registry's change request as an operator; DemoError when it is refused."""
        registry, path, body = call
        url = self.settings.registry_base_url(registry) + path
        return await self._post(url, body, self._operator(registry), existing_ok=existing_ok)

    async def as_citizen(
        self, persoon_id: str, path: str, body: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """A request to the consent register with the citizen's own token."""
        url = self.settings.registry_base_url("toestemming") + path
        return await self._post(url, body, self._burger(persoon_id))

    async def _post(
        self,
        url: str,
        body: dict[str, Any] | None,
        headers: dict[str, str],
        *,
        existing_ok: bool = False,
    ) -> dict[str, Any]:
        response = await self.http.post(url, json=body, headers=headers)
        if response.is_success:
            answer: dict[str, Any] = response.json()
            return answer
        problem = _problem(response)
        if (
            existing_ok
            and response.status_code == 422
            and problem.get("type", "").endswith(ALREADY)
        ):
            return {}
        raise DemoError(f"{url} refused the request: {_reason(response.status_code, problem)}")

    # -- the gateway -----------------------------------------------------------------------

    async def graphql(
        self, token: str, query: str, variables: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """The whole answer: `data` and any `errors`."""
        response = await self.http.post(
            f"{self.gateway}/graphql",
            json={"query": query, "variables": variables or {}},
            headers={"Authorization": f"Bearer {token}"},
        )
        if response.status_code >= 500 or "json" not in response.headers.get("content-type", ""):
            raise DemoError(f"the gateway answered HTTP {response.status_code}")
        answer: dict[str, Any] = response.json()
        return answer

    def subscriptions(self, app_id: str) -> Subscriptions:
        url = self.gateway.replace("http://", "ws://", 1) + "/graphql"
        return Subscriptions(url, self.app_token(app_id))

    def cursor_at_end(self, app_id: str) -> str:
        """A cursor at the current end of the app's topic (created now, as the stream worker
        would create it for its first record): a subscription from there misses nothing that
        happens after this call, however long the gateway takes to open it."""
        from bron_gateway.gebeurtenis_types import encode_cursor
        from confluent_kafka import KafkaException, TopicPartition

        from bron.kafka.admin import ensure_topics
        from bron.kafka.clients import make_consumer
        from streams.worker import app_topic_spec

        spec = app_topic_spec(f"bron.app.{app_id}")
        bootstrap = self.settings.bootstrap_servers
        ensure_topics(bootstrap, [spec])
        consumer = make_consumer(bootstrap, "bron-demo")  # never subscribes nor commits
        deadline = time.monotonic() + HTTP_TIMEOUT
        try:
            while True:
                try:
                    return encode_cursor({
                        p: consumer.get_watermark_offsets(TopicPartition(spec.name, p),
                                                          timeout=10, cached=False)[1]
                        for p in range(spec.partitions)
                    })  # fmt: skip
                except KafkaException:  # a topic just created: its leaders are being elected
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.2)
        finally:
            consumer.close()


def _problem(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _reason(status: int, problem: dict[str, Any]) -> str:
    errors = problem.get("errors") or []
    first = errors[0] if errors and isinstance(errors[0], dict) else {}
    rule = first.get("rule") or problem.get("title") or ""
    where = f" ({first['field']})" if first.get("field") else ""
    return f"HTTP {status} {rule}{where}".rstrip()


# -- subscriptions ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Received:
    field: str  # the subscription's field: inBeeld, toestemmingGewijzigd, ...
    at: float  # time.perf_counter() when it arrived
    event: dict[str, Any]  # the Gebeurtenis as selected


@dataclass(slots=True)
class Subscriptions:
    """One graphql-transport-ws connection of an app with several subscriptions on it; what
    they receive is kept in arrival order."""

    url: str
    token: str
    received: list[Received] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    _session: AsyncClientSession | None = None
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)
    _changed: asyncio.Event = field(default_factory=asyncio.Event)

    @contextlib.asynccontextmanager
    async def opened(self) -> AsyncIterator[Subscriptions]:
        transport = WebsocketsTransport(
            url=self.url,
            subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL],
            init_payload={"Authorization": f"Bearer {self.token}"},
            connect_timeout=HTTP_TIMEOUT,
            ack_timeout=HTTP_TIMEOUT,
        )
        client = Client(transport=transport, fetch_schema_from_transport=False)
        async with client as session:
            self._session = session
            try:
                yield self
            finally:
                for task in self._tasks:
                    task.cancel()
                await asyncio.gather(*self._tasks, return_exceptions=True)
                self._session = None

    def subscribe(self, field_: str, query: str) -> None:
        """Start one subscription (`query` selects `field_`)."""
        assert self._session is not None, "open the connection first"
        session = self._session

        async def read() -> None:
            try:
                async for result in session.subscribe(gql(query)):
                    self.received.append(Received(field_, time.perf_counter(), result[field_]))
                    self._changed.set()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the subscription ended with an error: say so
                self.failed.append(f"{field_}: {exc}")
                self._changed.set()

        self._tasks.append(asyncio.ensure_future(read()))

    async def wait(self, match: Callable[[Received], bool], timeout: float) -> Received:
        """The first event received that matches; NotSeen after `timeout` seconds, DemoError
        when a subscription failed."""
        deadline = time.monotonic() + timeout
        while True:
            for got in self.received:
                if match(got):
                    return got
            if self.failed:
                raise DemoError(f"a subscription failed: {'; '.join(self.failed)}")
            left = deadline - time.monotonic()
            if left <= 0:
                raise NotSeen
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), left)
