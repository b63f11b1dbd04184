"""The machine client against the real Mosquitto broker on 127.0.0.1:1883.

Without a broker the tests skip, saying so; under CI (``CI`` set) they fail instead, since
``.ci/run`` makes sure one runs. Each test gets topics and a client id of its own: the broker is
shared with whatever else runs on this machine.
"""

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.machines.boards import MachineBoards
from bot.machines.broker import Broker
from bot.machines.client import MachineClient
from bot.settings import Settings
from bot.slack.client import make_web_client
from models import Line
from tests.conftest import SAMPLE_PLANT
from tests.machines.support import BROKER_HOST, BROKER_PORT, Publisher, require_broker


@pytest.fixture(autouse=True)
def _broker_running() -> None:
    require_broker()


@dataclass(frozen=True)
class Topics:
    l1_count: str
    l1_state: str
    press_count: str


@pytest.fixture
def topics() -> Topics:
    prefix = f"prodbot-test-{uuid.uuid4().hex[:12]}"
    return Topics(f"{prefix}/l1/count", f"{prefix}/l1/state", f"{prefix}/press2/count")


@pytest.fixture
def plant_text(topics: Topics) -> str:
    """The sample plant; L1 counted by its machine, press 2 by both."""
    l1 = (
        'targets = { A = 800, B = 800, C = 600 }\ncounting = "machine"\n'
        f'count_topic = "{topics.l1_count}"\nstate_topic = "{topics.l1_state}"\n'
    )
    press = (
        'targets = { A = 400, B = 400 }\ncounting = "both"\n'
        f'count_topic = "{topics.press_count}"\n'
    )
    text = SAMPLE_PLANT.replace("targets = { A = 800, B = 800, C = 600 }\n", l1)
    return text.replace("targets = { A = 400, B = 400 }\n", press)


@pytest.fixture
def line_ids(session_factory: sessionmaker[Session], loaded_plant: None) -> dict[str, int]:
    with session_factory() as session:
        return {line.code: line.id for line in session.scalars(select(Line))}


def broker_for(port: int = BROKER_PORT, protocol: int = 4) -> Broker:
    return Broker(
        host=BROKER_HOST,
        port=port,
        tls=False,
        username=None,
        password=None,
        protocol=protocol,
        client_id=f"prodbot-test-{uuid.uuid4().hex[:12]}",
    )


@pytest.fixture
def make_client(
    settings: Settings, session_factory: sessionmaker[Session], loaded_plant: None
) -> Iterator[Callable[..., MachineClient]]:
    """Builds started clients (``make_client(broker=…)``), stopped after the test."""
    started: list[MachineClient] = []

    def make(*, broker: Broker | None = None, **options: object) -> MachineClient:
        boards = MachineBoards(client=make_web_client(settings), session_factory=session_factory)
        client = MachineClient(
            broker=broker or broker_for(),
            session_factory=session_factory,
            boards=boards,
            flush_interval=0.1,
            **options,  # type: ignore[arg-type]
        )
        client.start()
        started.append(client)
        return client

    yield make
    for client in started:
        client.stop()


@pytest.fixture
def machine(make_client: Callable[..., MachineClient]) -> MachineClient:
    """A started client, connected and subscribed."""
    client = make_client()
    assert client.connected.wait(10), "the client did not connect to the broker"
    return client


@pytest.fixture
def publisher() -> Iterator[Publisher]:
    publisher = Publisher()
    yield publisher
    publisher.close()
