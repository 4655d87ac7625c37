"""The webhook service's pure domain: subscriptions and their filters, retries, signatures and
the CloudEvents request. No I/O, no clock: times and randomness are passed in."""

from services.webhooks.cloudevent import body, headers, logged_fields, source
from services.webhooks.retry import backoff, give_up, retry_after
from services.webhooks.signature import HEADER as SIGNATURE_HEADER
from services.webhooks.signature import sign, verify
from services.webhooks.subscription import (
    Status,
    Subscription,
    gemeente,
    gemeente_filter_possible,
    matches,
    of_withdrawn_apps,
    url_problem,
)

__all__ = [
    "SIGNATURE_HEADER",
    "Status",
    "Subscription",
    "backoff",
    "body",
    "gemeente",
    "gemeente_filter_possible",
    "give_up",
    "headers",
    "logged_fields",
    "matches",
    "of_withdrawn_apps",
    "retry_after",
    "sign",
    "source",
    "url_problem",
    "verify",
]
