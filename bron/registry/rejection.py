"""A command refused by a domain rule, naming the field (dotted path in the request) and a
stable rule id; the HTTP layer turns it into a 422 problem+json."""

from __future__ import annotations


class Rejection(Exception):
    def __init__(self, field: str, rule: str, message: str) -> None:
        super().__init__(f"{field}: {message} [{rule}]")
        self.field = field
        self.rule = rule
        self.message = message
