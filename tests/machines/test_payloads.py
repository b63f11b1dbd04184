"""Payloads and MQTT_URL, parsed (no broker needed, though this package's tests ask for one)."""

from datetime import UTC, datetime

import pytest

from bot.machines.broker import BadMqttUrl, broker_from_url
from bot.machines.counting import CountAggregator
from bot.machines.payloads import BadPayload, CountIncrement, parse_count, parse_state
from bot.records.machine_counts import MinuteCount

RECEIVED = datetime(2026, 11, 18, 9, 0, 30, tzinfo=UTC)


def test_mqtt_urls() -> None:
    plain = broker_from_url("mqtt://prod%40bot:s%3Acret@broker.local")
    assert (plain.host, plain.port, plain.tls, plain.protocol) == ("broker.local", 1883, False, 4)
    assert (plain.username, plain.password) == ("prod@bot", "s:cret")
    tls = broker_from_url("mqtts://broker.local?protocol=5&client_id=hall2")
    assert (tls.port, tls.tls, tls.protocol, tls.client_id) == (8883, True, 5, "hall2")
    for bad in ("http://broker", "mqtt://", "mqtt://b?protocol=6"):
        with pytest.raises(BadMqttUrl):
            broker_from_url(bad)


def test_payloads() -> None:
    assert parse_count(b'{"good": 3, "seq": 1}') == CountIncrement(good=3, seq=1)
    naive = parse_count(b'{"total": 5, "at": "2026-11-18T09:00:00"}')
    assert naive.instant(RECEIVED) == datetime(2026, 11, 18, 9, 0, tzinfo=UTC)
    assert parse_state(b" IDLE ").state == "idle"
    for bad in (b"[]", b'{"good": "x"}', b'{"total": 1, "good": 1}', b'{"scrap_total": 2}'):
        with pytest.raises(BadPayload):
            parse_count(bad)
    with pytest.raises(BadPayload):
        parse_state(b'{"state": "on fire"}')


def test_a_clock_far_ahead_counts_at_receipt_and_minutes_add_up() -> None:
    counts = CountAggregator({})
    counts.add("t", 1, parse_count(b'{"good": 2, "at": "2027-01-01T00:00:00Z"}'), RECEIVED)
    counts.add("t", 1, parse_count(b'{"good": 3}'), RECEIVED)
    batch = counts.take()
    assert batch is not None
    assert batch.counts == {(1, RECEIVED.replace(second=0)): MinuteCount(5, 0)}
    assert counts.take() is None
