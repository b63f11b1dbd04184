"""``/screen/<site>`` over WSGI: the page, its files and its data for a live token of the site;
the same 404 for anything else."""

import re
from collections.abc import Iterator

import pytest
import time_machine
from sqlalchemy.orm import Session, sessionmaker

from bot.db import session_scope
from bot.entry.wsgi import ProdbotWSGI
from bot.records.screen_tokens import revoke_screen_token
from bot.screen.page import render_page, screen_url, site_slug
from tests.conftest import SAMPLE_PLANT
from tests.db_rows import load_plant
from tests.e2e.support import MID_SHIFT_A
from tests.screen.support import SLUG, get, make_token

OTHER_PLANT = SAMPLE_PLANT.replace('name = "Riverside"', 'name = "Hillside Plant"').replace(
    "C0", "C1"
)


@pytest.fixture(autouse=True)
def clock() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(MID_SHIFT_A, tick=True) as traveller:
        yield traveller


def test_the_page_its_files_and_its_data_open_with_the_sites_token(
    served_app: ProdbotWSGI, session_factory: sessionmaker[Session]
) -> None:
    token = make_token(session_factory)
    query = f"token={token}"

    page = get(served_app, f"/screen/{SLUG}", query)
    assert page.status == 200 and page.headers["Content-Type"].startswith("text/html")
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]
    html = page.body.decode()
    assert f'href="/screen/{SLUG}/screen.css?token={token}"' in html
    assert f'data-url="/screen/{SLUG}/data?token={token}"' in html
    assert not re.search(r"(src|href)=\"(https?:)?//", html), "loads nothing from elsewhere"

    for name, kind in (("screen.css", "text/css"), ("screen.js", "text/javascript")):
        served = get(served_app, f"/screen/{SLUG}/{name}", query)
        assert served.status == 200 and served.headers["Content-Type"].startswith(kind)
        assert b"http://" not in served.body and b"https://" not in served.body
    assert b"innerHTML" not in get(served_app, f"/screen/{SLUG}/screen.js", query).body

    data = get(served_app, f"/screen/{SLUG}/data", query)
    assert data.status == 200 and data.headers["Content-Type"] == "application/json"
    assert [tile["line"] for tile in data.json["tiles"]] == ["L1", "press2"]
    assert data.json["shift"] == "A"


def test_anything_but_a_live_token_of_the_site_is_the_same_404(
    served_app: ProdbotWSGI, session_factory: sessionmaker[Session]
) -> None:
    token = make_token(session_factory)
    load_plant(session_factory, OTHER_PLANT)
    other_site = make_token(session_factory, "Hillside Plant")
    assert get(served_app, "/screen/hillside-plant/data", f"token={other_site}").status == 200

    refused = [
        ("/screen/riverside", ""),
        ("/screen/riverside", "token="),
        ("/screen/riverside", f"token={token[:-1]}"),
        ("/screen/riverside/data", f"token={token}x"),
        ("/screen/riverside/data", f"token={other_site}"),
        ("/screen/hillside-plant/data", f"token={token}"),
        ("/screen/hillside-plant", f"token={token}"),
        ("/screen/riverside/screen.js", "token=nope"),
        ("/screen/riverside/../../etc/passwd", f"token={token}"),
        ("/screen/riverside/screen.html", f"token={token}"),
        ("/screen/", f"token={token}"),
        ("/screen/1/data", f"token={token}"),
    ]
    for path, query in refused:
        answer = get(served_app, path, query)
        assert (answer.status, answer.body) == (404, b"not found\n"), (path, query)
    assert get(served_app, "/screen/riverside", f"token={token}", method="POST").status == 404


def test_a_revoked_token_is_refused_from_the_next_request(
    served_app: ProdbotWSGI, session_factory: sessionmaker[Session]
) -> None:
    token = make_token(session_factory)
    assert get(served_app, f"/screen/{SLUG}/data", f"token={token}").status == 200
    with session_scope(session_factory) as session:
        revoke_screen_token(session, ref=token, at=MID_SHIFT_A)

    assert get(served_app, f"/screen/{SLUG}/data", f"token={token}").status == 404


def test_names_and_urls_are_escaped_and_slugged() -> None:
    assert site_slug("Riverside Bottling") == "riverside-bottling"
    assert site_slug("Usine Évry / Hall 2") == "usine-evry-hall-2"
    assert site_slug("工場") == "site"
    assert screen_url("https://bot.example/", "Riverside", "a-b_c") == (
        "https://bot.example/screen/riverside?token=a-b_c"
    )
    page = render_page(site_name='<script>alert("x")</script>', token="t").decode()
    assert "<script>alert" not in page and "&lt;script&gt;alert(&quot;x&quot;)" in page
