"""The broker of ``MQTT_URL``, and a paho-mqtt client for it.

``mqtt://user:pass@host:1883`` (``mqtts://`` for TLS with the system's CAs, port 8883 by
default). The query may choose ``protocol=5`` (MQTT 5; default 3.1.1) and ``client_id``.
"""

from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

DEFAULT_CLIENT_ID = "prodbot-machines"
SESSION_EXPIRY_SECONDS = 3600  # MQTT 5: the broker keeps our subscriptions and queue this long
RECONNECT_MIN_SECONDS = 1
RECONNECT_MAX_SECONDS = 30


class BadMqttUrl(ValueError):
    pass


@dataclass(frozen=True)
class Broker:
    host: str
    port: int
    tls: bool
    username: str | None
    password: str | None
    protocol: int  # 4: MQTT 3.1.1, 5: MQTT 5
    client_id: str

    def __str__(self) -> str:
        scheme = "mqtts" if self.tls else "mqtt"
        version = "5" if self.protocol == 5 else "3.1.1"
        return f"{scheme}://{self.host}:{self.port} (MQTT {version}, client id {self.client_id})"


def broker_from_url(url: str) -> Broker:
    parts = urlsplit(url)
    if parts.scheme not in ("mqtt", "mqtts") or not parts.hostname:
        raise BadMqttUrl("MQTT_URL must look like mqtt://user:pass@host:1883 (or mqtts://…)")
    query = parse_qs(parts.query)
    protocol = query.get("protocol", ["3.1.1"])[-1]
    if protocol not in ("3.1.1", "4", "5"):
        raise BadMqttUrl(f"MQTT_URL: protocol={protocol} (use 3.1.1 or 5)")
    tls = parts.scheme == "mqtts"
    return Broker(
        host=parts.hostname,
        port=parts.port or (8883 if tls else 1883),
        tls=tls,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        protocol=5 if protocol == "5" else 4,
        client_id=query.get("client_id", [DEFAULT_CLIENT_ID])[-1],
    )


def make_client(broker: Broker) -> mqtt.Client:
    """A client with a persistent session (QoS 1 messages sent while it was away are queued by
    the broker) that reconnects with backoff from 1 s up to 30 s."""
    if broker.protocol == 5:
        client = mqtt.Client(
            CallbackAPIVersion.VERSION2, client_id=broker.client_id, protocol=mqtt.MQTTv5
        )
    else:
        client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=broker.client_id,
            protocol=mqtt.MQTTv311,
            clean_session=False,
        )
    if broker.username is not None:
        client.username_pw_set(broker.username, broker.password)
    if broker.tls:
        client.tls_set()  # the system's CA certificates
    client.reconnect_delay_set(RECONNECT_MIN_SECONDS, RECONNECT_MAX_SECONDS)
    client.max_inflight_messages_set(1000)
    client.max_queued_messages_set(0)
    return client


def connect_async(client: mqtt.Client, broker: Broker) -> None:
    """Connect in the background: the loop keeps trying while the broker is down."""
    if broker.protocol == 5:
        properties = Properties(PacketTypes.CONNECT)
        properties.SessionExpiryInterval = SESSION_EXPIRY_SECONDS
        client.connect_async(
            broker.host, broker.port, keepalive=30, clean_start=False, properties=properties
        )
    else:
        client.connect_async(broker.host, broker.port, keepalive=30)
