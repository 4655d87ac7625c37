"""What one GraphQL request carries: the caller and their app, the register as it was when the
request came in, the DataLoaders, the trace, and the citizens read so far (for the log)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bron.policy import App, Policy
from bron_gateway.auth import Caller
from bron_gateway.loaders import Loaders
from bron_gateway.trace import Trace
from bron_gateway.verwerkingslog import ProcessingLog, Pseudonymiser, Read

if TYPE_CHECKING:
    from bron_gateway.bag import BagReads
    from bron_gateway.register import ConsentRegister
    from bron_gateway.webhooks import WebhookService


@dataclass(slots=True)
class Services:
    """What every request shares."""

    log: ProcessingLog
    pseudonym: Pseudonymiser
    uitvoerder: str  # OIN of the organisation running the gateway
    max_bsns: int
    register: ConsentRegister | None = None  # the consent register, for citizens' consents
    bag: BagReads | None = None  # the BAG registry, for panden (not in the projections)
    webhooks: WebhookService | None = None  # the webhook service, for apps' subscriptions


@dataclass(slots=True)
class RequestContext:
    caller: Caller
    app: App | None  # None for a signed-in citizen
    policy: Policy
    loaders: Loaders
    trace: Trace
    services: Services
    reads: list[Read] = field(default_factory=list)
