"""The CloudEvents NL GOV envelope in Kafka binary mode, and the wire format (pure)."""

from datetime import UTC, datetime

import pytest
from fastavro import parse_schema

from bron.contracts.codec import DecodeError, wire_encode, wire_split
from bron.contracts.envelope import Attributes, EnvelopeError, from_headers, to_headers

SOURCE = "urn:nld:oin:00000001823288444000:systeem:BRP-component"


def attrs(**overrides: object) -> Attributes:
    values: dict[str, object] = {
        "source": SOURCE,
        "type": "nl.brp.persoon-verhuisd.v1",
        "sequence": 1,
        "dataschema": "subjects/nl.bron.brp.PersoonVerhuisd/versions/1",
        "time": datetime(2026, 11, 28, 12, 0, 0, 123000, tzinfo=UTC),
        **overrides,
    }
    return Attributes(**values)  # type: ignore[arg-type]


def test_attributes_travel_as_ce_headers_and_come_back() -> None:
    original = attrs(sequence=42)
    headers = to_headers(original)
    names = [name for name, _ in headers]
    assert names[:4] == ["ce_specversion", "ce_id", "ce_source", "ce_type"]
    assert ("content-type", b"application/avro") in headers
    assert ("ce_time", b"2026-11-28T12:00:00.123Z") in headers
    assert ("ce_sequencetype", b"Integer") in headers
    assert "ce_subject" not in names, "no subject unless it is not personal"
    assert from_headers(headers) == original


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"source": "https://brp.example"}, "urn:nld:oin"),
        ({"type": "PersoonVerhuisd"}, "reverse-domain"),
        ({"type": "nl.brp.persoon-verhuisd"}, "reverse-domain"),
        ({"sequence": 0}, "count up from 1"),
        ({"time": datetime(2026, 1, 1)}, "time zone"),
        ({"subject": "999993653"}, "personal number"),
    ],
)
def test_events_that_break_the_profile_are_refused(
    overrides: dict[str, object], message: str
) -> None:
    with pytest.raises(EnvelopeError, match=message):
        attrs(**overrides)


def test_missing_or_bad_headers_are_named() -> None:
    headers = [h for h in to_headers(attrs()) if h[0] != "ce_source"]
    with pytest.raises(EnvelopeError, match="ce_source"):
        from_headers(headers)
    with pytest.raises(EnvelopeError, match="missing"):
        from_headers(None)
    with pytest.raises(EnvelopeError, match="at most 20"):
        from_headers([*to_headers(attrs()), ("ce_averyveryverylongattribute", b"x")])
    wrong_version = [(n, b"0.3" if n == "ce_specversion" else v) for n, v in to_headers(attrs())]
    with pytest.raises(EnvelopeError, match="specversion"):
        from_headers(wrong_version)


def test_reasons_name_the_attribute_never_its_value() -> None:
    """Reasons reach dead letters and the worker's log: a BSN in any header stays out of them."""
    bsn = "999993653"
    good = dict(to_headers(attrs()))
    broken = [
        {**good, "ce_source": bsn.encode()},
        {**good, "ce_type": bsn.encode()},
        {**good, "ce_specversion": bsn.encode()},
        {**good, "ce_sequence": bsn.encode() + b"x"},
        {**good, "ce_time": bsn.encode()},
        {**good, "ce_subject": bsn.encode()},
        {**good, f"ce_{bsn}{bsn}{bsn}": b"x"},
    ]
    for headers in broken:
        with pytest.raises(EnvelopeError) as refused:
            from_headers(list(headers.items()))
        assert bsn not in str(refused.value), str(refused.value)


def test_wire_format_is_magic_zero_then_a_big_endian_schema_id() -> None:
    schema = parse_schema(
        {"type": "record", "name": "R", "fields": [{"name": "a", "type": "int"}]},
        named_schemas={},
    )
    value = wire_encode(258, schema, {"a": 1})
    assert value[:5] == b"\x00\x00\x00\x01\x02"
    assert wire_split(value) == (258, b"\x02")
    with pytest.raises(DecodeError, match="magic byte 1"):
        wire_split(b"\x01" + value[1:])
    with pytest.raises(DecodeError, match="shorter"):
        wire_split(b"\x00\x00")
    with pytest.raises(DecodeError, match="tombstone"):
        wire_split(None)


def test_a_uuid_subject_is_not_taken_for_a_personal_number() -> None:
    """Found by the stream worker: a dead letter's generated id can hold a 10-digit run."""
    assert attrs(subject="05434825-23ef-4c81-99e4-3b9155025350").subject
    with pytest.raises(EnvelopeError, match="personal number"):
        attrs(subject="woz-9155025350")
