"""One typed settings object, read once at the edge from `BRON_*` environment variables."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal, Self

from pydantic import Field, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bron.errors import SettingsError
from bron.origins import invalid_origins

PROJECT_ROOT = Path(__file__).resolve().parent.parent

Port = Annotated[int, Field(ge=1, le=65535)]
# Asymmetric only: never `none`, never an HMAC algorithm (a public key is no secret).
JwtAlgorithm = Literal["RS256", "PS256", "ES256"]


class Environment(StrEnum):
    development = "development"
    production = "production"


class LogFormat(StrEnum):
    json = "json"
    console = "console"


class Settings(BaseSettings):
    """Everything Bron can be told. Each field is read from `BRON_<FIELD NAME>`."""

    model_config = SettingsConfigDict(env_prefix="BRON_", frozen=True, extra="forbid")

    env: Environment = Environment.development
    data_dir: Path = Field(default=Path("var"), description="State of the local stack.")
    cache_dir: Path = Field(
        default=Path.home() / ".cache" / "bron",
        description="Downloads kept across clones (the Kafka jars).",
    )
    log_level: str = Field(default="info", pattern=r"^(?i:debug|info|warning|error|critical)$")
    log_format: LogFormat = LogFormat.console

    kafka_bootstrap: str | None = Field(
        default=None,
        description="An existing cluster's bootstrap servers; when set, Bron starts no broker.",
        pattern=r"^[^,\s]+:\d+(,[^,\s]+:\d+)*$",
    )
    kafka_replication_factor: int = Field(
        default=1, ge=1, le=5, description="For topics created on an external cluster."
    )
    kafka_host: str = "127.0.0.1"
    kafka_port: Port = 9092
    kafka_controller_port: Port = 9093
    kafka_heap: str = Field(default="512m", pattern=r"^\d+[kmgKMG]$")
    kafka_start_timeout: float = Field(default=60.0, gt=0)
    kafka_stop_timeout: float = Field(default=30.0, gt=0)
    kafka_pom: Path = PROJECT_ROOT / "deploy" / "kafka" / "pom.xml"

    schema_registry_url: str | None = Field(
        default=None,
        description="An external Confluent-compatible registry; when set, Bron starts none.",
        pattern=r"^https?://[^\s]+$",
    )
    schema_registry_host: str = "127.0.0.1"
    schema_registry_port: Port = 8081
    schema_registry_topic: str = Field(default="_schemas", pattern=r"^[A-Za-z0-9._-]{1,249}$")
    schema_registry_max_schema_bytes: int = Field(default=256 * 1024, gt=0)

    oin: str = Field(
        default="00000001001234567000",
        pattern=r"^\d{20}$",
        description="OIN of the organisation running Bron; names the event sources.",
    )
    brp_database_url: str | None = None
    bag_database_url: str | None = None
    woz_database_url: str | None = None
    toestemming_database_url: str | None = None
    outbox_retention_hours: float = Field(default=168.0, gt=0)
    relay_in_process: bool = Field(
        default=True, description="Run each registry's relay inside it (else: bron relay)."
    )
    projections_database_url: str | None = Field(
        default=None,
        description="The stream workers' projection store (default: SQLite under data_dir).",
    )
    streams_group: str = Field(
        default="bron-projecties",
        pattern=r"^[A-Za-z0-9._-]{1,100}$",
        description="Consumer group (and faust app id) of the stream workers.",
    )
    streams_batch: int = Field(default=2000, ge=1, le=10_000)
    streams_port: Port = 8110
    streams_host: str = Field(
        default="127.0.0.1", description="Address the stream worker's /metrics listens on."
    )
    registry_host: str = "127.0.0.1"
    registry_urls: dict[str, str] = Field(
        default_factory=dict,
        description="Where other components reach a registry (JSON: name -> base URL, e.g. "
        '{"bag": "http://bron-bag:8102"}); default http://BRON_REGISTRY_HOST:<its port>.',
    )
    brp_port: Port = 8101
    bag_port: Port = 8102
    woz_port: Port = 8103
    toestemming_port: Port = 8104

    gateway_host: str = "127.0.0.1"
    gateway_port: Port = 8120
    gateway_audience: str = Field(
        default="bron:gateway", min_length=1, description="The `aud` a token must name."
    )
    gateway_issuers: dict[str, str] = Field(
        default_factory=dict,
        description="Trusted issuers (JSON: iss -> JWKS URL); empty: the development issuer.",
    )
    gateway_algorithms: tuple[JwtAlgorithm, ...] = Field(
        default=("RS256", "PS256", "ES256"), min_length=1
    )
    gateway_leeway: float = Field(default=30.0, ge=0, le=60, description="Clock skew, seconds.")
    gateway_max_depth: int = Field(default=8, ge=2, le=50)
    gateway_max_aliases: int = Field(default=20, ge=0, le=1000)
    gateway_max_tokens: int = Field(default=2000, ge=100, le=100_000)
    gateway_max_body_bytes: int = Field(default=32 * 1024, ge=1024, le=10 * 1024 * 1024)
    gateway_max_bsns: int = Field(default=100, ge=1, le=1000)
    gateway_max_cost: int = Field(
        default=5000,
        ge=10,
        le=1_000_000,
        description="Most a query may cost: a field 1, times the page size or BSNs around it.",
    )
    gateway_rate_limit: float = Field(
        default=50.0, ge=0, description="operations per second per app and operation; 0 = off"
    )
    gateway_rate_burst: int = Field(default=100, ge=1)
    gateway_client_cert_header: str | None = Field(
        default=None,
        description="Header in which the TLS-terminating proxy passes the verified client "
        "certificate (URL-encoded PEM), for certificate-bound tokens (RFC 8705).",
    )
    gateway_require_bound_tokens: bool = False
    gateway_request_timeout: float = Field(
        default=10.0, gt=0, le=120, description="A query still running after this (s) is stopped."
    )
    gateway_log_timeout: float = Field(
        default=10.0, gt=0, le=120, description="Wait for the processing log's acknowledgement."
    )
    gateway_policy_refresh: float = Field(
        default=5.0, gt=0, description="Seconds the register of apps and purposes is cached."
    )
    gateway_consent_timeout: float = Field(
        default=10.0, gt=0, le=120, description="Wait for the consent register's answer."
    )
    gateway_consent_token_ttl: int = Field(
        default=60,
        ge=10,
        le=900,
        description="Lifetime (s) of the citizen's token the gateway signs for the consent "
        "register.",
    )
    gateway_citizen_origins: tuple[str, ...] = Field(
        default=(),
        description="Browser origins (CORS) of the municipality's portals citizens call the "
        "gateway from (JSON list); an app's origins are in its registration.",
    )
    gateway_max_subscriptions: int = Field(
        default=10,
        ge=1,
        le=1000,
        description="Most subscriptions on one WebSocket connection (each reads the app's "
        "topic with a consumer of its own).",
    )

    webhooks_database_url: str | None = Field(
        default=None,
        description="The webhook service's subscriptions and pending deliveries (default: "
        "SQLite under data_dir).",
    )
    webhooks_group: str = Field(
        default="bron-webhooks",
        pattern=r"^[A-Za-z0-9._-]{1,100}$",
        description="Consumer group of the webhook dispatchers on the per-app topics.",
    )
    webhooks_host: str = "127.0.0.1"
    webhooks_port: Port = 8130
    webhooks_gateway_url: str | None = Field(
        default=None,
        pattern=r"^https?://[^\s]+$",
        description="`ce-dataref` of deliveries (default: the gateway's /graphql).",
    )
    webhooks_origin: str = Field(
        default="bron.localhost",
        min_length=1,
        description="WebHook-Request-Origin of the validation handshake.",
    )
    webhooks_timeout: float = Field(default=5.0, gt=0, le=60, description="Per delivery, s.")
    webhooks_concurrency: int = Field(default=20, ge=1, le=1000)
    webhooks_retry_window: float = Field(
        default=86400.0, gt=0, description="Seconds a delivery is retried before it is dead."
    )
    webhooks_backoff_max: float = Field(default=300.0, gt=0, description="Longest backoff, s.")
    webhooks_log_timeout: float = Field(
        default=10.0, gt=0, le=120, description="Wait for the processing log's acknowledgement."
    )

    catalog_host: str = "127.0.0.1"
    catalog_port: Port = 8140
    up_import_testset: bool = Field(
        default=True,
        description="`bron up` imports the RvIG test persons on its first start (development).",
    )

    @model_validator(mode="after")
    def _citizen_origins(self) -> Self:
        problem = invalid_origins(self.gateway_citizen_origins)
        if problem:
            raise ValueError(f"BRON_GATEWAY_CITIZEN_ORIGINS: {problem}")
        return self

    @model_validator(mode="after")
    def _ports_differ(self) -> Self:
        if self.kafka_port == self.kafka_controller_port:
            raise ValueError(
                f"BRON_KAFKA_PORT and BRON_KAFKA_CONTROLLER_PORT are both {self.kafka_port}; "
                "give the controller its own port"
            )
        return self

    @property
    def kafka_data_dir(self) -> Path:
        return self.data_dir / "kafka"

    @property
    def registry_url(self) -> str:
        """Where the project's clients find schemas: the external registry, or Bron's own."""
        return self.schema_registry_url or (
            f"http://{self.schema_registry_host}:{self.schema_registry_port}"
        )

    def registry_base_url(self, registry: str) -> str:
        """Where a registry is reached: `registry_urls`, else its host and port (where it
        listens, on one machine)."""
        if registry in self.registry_urls:
            return self.registry_urls[registry].rstrip("/")
        port: int = getattr(self, f"{registry}_port")
        return f"http://{self.registry_host}:{port}"

    @property
    def bootstrap_servers(self) -> str:
        """Where clients connect: the external cluster, or the local broker."""
        return self.kafka_bootstrap or f"{self.kafka_host}:{self.kafka_port}"


def load_settings(**overrides: Any) -> Settings:
    """Read the settings, turning validation failures into one clear `SettingsError`."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            name = "BRON_" + "_".join(str(p) for p in error["loc"]).upper()
            if name == "BRON_":
                problems.append(error["msg"].removeprefix("Value error, "))
            else:
                problems.append(f"{name}={error.get('input')!r}: {error['msg']}")
        raise SettingsError(
            "invalid settings: " + "; ".join(problems),
            suggestion="fix the BRON_* environment variable(s) named above",
        ) from None
