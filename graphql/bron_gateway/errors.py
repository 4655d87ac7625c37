"""The gateway's errors. A `GatewayError` is meant for the caller: its message is shown as is
(never masked) and says what to do next; any other exception is masked with a correlation id.

BronError
└── GatewayError
    ├── PurposeNotAllowed         the doel is not one of the calling app's purposes
    ├── FieldsNotAllowed          the query selects fields the purpose does not allow
    ├── InvalidArgument           a BSN that is no BSN, too many BSNs at once
    └── ProcessingLogUnavailable  the processing log did not confirm: no data is returned
"""

from __future__ import annotations

from collections.abc import Sequence

from bron.errors import BronError


class GatewayError(BronError):
    code = "GATEWAY_ERROR"


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
