"""The gateway's errors. A `GatewayError` is meant for the caller: its message is shown as is
(never masked) and says what to do next; any other exception is masked with a correlation id.

BronError
└── GatewayError
    ├── PurposeNotAllowed         the doel is not one of the calling app's purposes
    ├── FieldsNotAllowed          the query selects fields the purpose does not allow
    ├── InvalidArgument           a BSN that is no BSN, too many BSNs at once
    ├── ProcessingLogUnavailable  the processing log did not confirm: no data is returned
    ├── CallerNotAllowed          an app asks a citizen's operation, or a citizen an app's
    ├── CitizenUnknown            the signed-in citizen's BSN is not in the store
    ├── RegisterRefused           the consent register refused (names its field and rule)
    ├── RegisterUnavailable       the consent register did not answer
    └── QueryTooCostly            the query's static cost is over BRON_GATEWAY_MAX_COST
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import httpx

from bron.errors import BronError


class GatewayError(BronError):
    code = "GATEWAY_ERROR"

    def extensions(self) -> dict[str, Any]:
        """What the GraphQL error's `extensions` show."""
        return {"code": self.code}


class PurposeNotAllowed(GatewayError):
    code = "PURPOSE_NOT_ALLOWED"


class FieldsNotAllowed(GatewayError):
    code = "FIELD_NOT_ALLOWED"

    def __init__(self, doel_id: str, paths: Sequence[str]) -> None:
        self.doel_id = doel_id
        self.paths = tuple(paths)
        listed = ", ".join(self.paths)
        super().__init__(
            f"purpose {doel_id!r} does not allow the field(s) {listed}",
            suggestion="ask only for the fields of the purpose (policy/register.yaml)",
        )


class InvalidArgument(GatewayError):
    code = "INVALID_ARGUMENT"


class ProcessingLogUnavailable(GatewayError):
    code = "PROCESSING_LOG_UNAVAILABLE"

    def __init__(self, reason: str) -> None:
        super().__init__(
            f"the processing log did not confirm the read ({reason}); no data was returned",
            suggestion="try again later",
        )


class CallerNotAllowed(GatewayError):
    code = "NOT_ALLOWED_FOR_CALLER"


class CitizenUnknown(GatewayError):
    code = "CITIZEN_UNKNOWN"


class RegisterRefused(GatewayError):
    """A problem+json from the consent register, with the field and rule of each error."""

    code = "REGISTER_REFUSED"

    def __init__(
        self,
        status: int,
        detail: str,
        errors: Sequence[dict[str, str]],
        register: str = "the consent register",
    ) -> None:
        self.status = status
        self.errors = [{"field": e.get("field", ""), "rule": e.get("rule", "")} for e in errors]
        named = "; ".join(f"{e['field']}: {e['rule']}" for e in self.errors)
        super().__init__(
            f"{register} refused ({status}): {detail}" + (f" [{named}]" if named else ""),
            suggestion="change what the field names, as the rule says",
        )

    def extensions(self) -> dict[str, Any]:
        return {"code": self.code, "status": self.status, "errors": self.errors}


class RegisterUnavailable(GatewayError):
    code = "REGISTER_UNAVAILABLE"


def no_answer(who: str, exc: httpx.HTTPError) -> RegisterUnavailable:
    """`who` did not answer: the reason in words, never the HTTP client's exception class."""
    if isinstance(exc, httpx.TimeoutException):
        reason = "not in time"
    elif isinstance(exc, httpx.ConnectError):
        reason = "no connection"
    else:
        reason = "the connection failed"
    return RegisterUnavailable(f"{who} did not answer ({reason})", suggestion="try again later")


class QueryTooCostly(GatewayError):
    """Refused while validating (`bron_gateway.cost`): nothing was resolved or read."""

    code = "QUERY_TOO_COSTLY"

    def __init__(self, cost: int, limit: int) -> None:
        self.cost = cost
        self.limit = limit
        super().__init__(
            f"the query costs {cost}, more than the limit of {limit} (each field costs 1, "
            "times `first` or the number of `bsns` inside a page or batch)",
            suggestion="ask for fewer items per page or fewer fields",
        )

    def extensions(self) -> dict[str, Any]:
        return {"code": self.code, "cost": self.cost, "maxCost": self.limit}
