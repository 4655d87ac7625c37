"""The webhook service's register of apps and purposes: the store's (apps registered from
manifests count), reread after `refresh` seconds, the file's until the store holds one."""

from __future__ import annotations

from sqlalchemy.exc import OperationalError

from bron.policy import Policy, load_policy
from services.webhooks.register import StoredPolicy


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def with_app(policy: Policy, app_id: str) -> Policy:
    app = policy.apps[0].model_copy(update={"id": app_id})
    return policy.model_copy(update={"apps": (*policy.apps, app)})


def test_the_store_is_reread_after_refresh_seconds_and_the_file_serves_until_then() -> None:
    file = load_policy()
    stored: list[Policy] = [Policy(doelen=(), apps=())]
    reads: list[int] = []

    def read() -> Policy:
        reads.append(1)
        return stored[0]

    clock = Clock()
    current = StoredPolicy(read, file, refresh=5.0, clock=clock)
    assert current() is file  # the store holds no register yet
    stored[0] = with_app(file, "nieuw-geregistreerd")
    clock.now = 4.9
    assert "nieuw-geregistreerd" not in current().app_by_id  # cached
    clock.now = 5.0
    assert "nieuw-geregistreerd" in current().app_by_id
    assert len(reads) == 2


def test_an_unreadable_store_keeps_the_last_register() -> None:
    file = load_policy()
    newer = with_app(file, "nieuw-geregistreerd")
    answers: list[Policy | Exception] = [newer, OperationalError("select", {}, Exception("gone"))]

    def read() -> Policy:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    clock = Clock()
    current = StoredPolicy(read, file, refresh=1.0, clock=clock)
    assert current() is newer
    clock.now = 2.0
    assert current() is newer
