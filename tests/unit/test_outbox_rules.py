"""The outbox's pure rules: stored headers, append order, the delivered prefix, backoff, the
producer settings the relay insists on, and the audit of a topic."""

import pytest
from confluent_kafka import KafkaError

from services.outbox.delivery import NOT_REPORTED, Backoff, delivered_prefix, relay_producer_config
from services.outbox.message import OutboxMessage, check_sequences, decode_headers, encode_headers
from services.outbox.testing import audit


def message(entity: str, sequence: int) -> OutboxMessage:
    return OutboxMessage("id", "persoon", entity, sequence, "t", "topic", b"k", b"v", [])


def test_headers_survive_a_text_column_byte_for_byte() -> None:
    headers = [("ce_id", b"abc"), ("raw", bytes(range(256))), ("empty", b""), ("ce_id", b"2")]
    text = encode_headers(headers)
    assert text.isascii()
    assert decode_headers(text) == headers


def test_an_append_keeps_each_entitys_sequences_ascending() -> None:
    check_sequences([message("a", 1), message("b", 7), message("a", 2), message("a", 5)])
    with pytest.raises(ValueError, match="sequence 2 follows 2"):
        check_sequences([message("a", 2), message("a", 2)])
    with pytest.raises(ValueError, match="sequence 1 follows 3"):
        check_sequences([message("a", 3), message("b", 1), message("a", 1)])
    with pytest.raises(ValueError, match="below 1"):
        check_sequences([message("a", 0)])


def test_only_the_prefix_before_the_first_failure_counts_as_delivered() -> None:
    failure = KafkaError(KafkaError._MSG_TIMED_OUT)
    assert delivered_prefix([None, None, None]) == (3, None)
    assert delivered_prefix([]) == (0, None)
    assert delivered_prefix([None, failure, None]) == (1, failure)
    assert delivered_prefix([None, None, NOT_REPORTED, failure]) == (2, NOT_REPORTED)


def test_backoff_doubles_up_to_its_cap_and_resets_on_success() -> None:
    backoff = Backoff(initial=0.5, maximum=3.0)
    assert (backoff.failing, backoff.delay) == (False, 0.0)
    assert [backoff.failed() for _ in range(5)] == [0.5, 1.0, 2.0, 3.0, 3.0]
    backoff.succeeded()
    assert (backoff.failing, backoff.delay) == (False, 0.0)


def test_the_relay_producer_settles_every_delivery_within_half_a_lease() -> None:
    config = relay_producer_config("localhost:9092", 10.0, None)
    assert config["enable.idempotence"] is True
    assert config["acks"] == "all"
    assert config["max.in.flight.requests.per.connection"] == 5
    assert config["message.timeout.ms"] == 5000
    assert relay_producer_config("x", 10.0, {"linger.ms": 50})["linger.ms"] == 50


@pytest.mark.parametrize(
    ("override", "complaint"),
    [
        ({"enable.idempotence": False}, "idempotence"),
        ({"acks": 1}, "acks=all"),
        ({"max.in.flight.requests.per.connection": 6}, "reorder"),
        ({"message.timeout.ms": 30_000}, "outlives the lease"),
    ],
)
def test_settings_that_break_order_or_durability_are_refused(
    override: dict[str, object], complaint: str
) -> None:
    with pytest.raises(ValueError, match=complaint):
        relay_producer_config("x", 10.0, override)


def test_the_audit_counts_repeats_and_losses_and_names_disorder() -> None:
    arrived = [("a", 1), ("a", 2), ("b", 1), ("a", 1), ("a", 2), ("a", 3), ("b", 1)]
    result = audit({"a": 3, "b": 1}, arrived)
    assert (result.lost, result.duplicates, result.disorder) == (0, 3, [])

    result = audit({"a": 4}, [("a", 1), ("a", 3), ("a", 2)])
    assert result.lost == 1
    assert result.disorder == ["a: 3 arrived first after 1", "a: 2 arrived first after 3"]
