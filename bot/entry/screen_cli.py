"""``prodbot screen``: the tokens that open a site's floor screen (docs/floor-screen.md)."""

from datetime import UTC, datetime
from typing import Annotated, NoReturn

import typer

from bot.errors import NotFound

screen_app = typer.Typer(
    help="Floor screens: the tokens that open /screen/<site> on a shop-floor TV.",
    no_args_is_help=True,
)


@screen_app.command("token")
def token(
    site: Annotated[str, typer.Argument(help="The site's name, as in the plant file.")],
    label: Annotated[
        str | None, typer.Option(help="Where the screen hangs, e.g. 'hall 2 north'.")
    ] = None,
) -> None:
    """Make a token for SITE's floor screen and print the URL to open (shown this once).

    The URL's base is $PUBLIC_URL.
    """
    from bot.db import engine_for, make_session_factory, session_scope
    from bot.records.screen_tokens import create_screen_token
    from bot.screen.page import screen_url
    from bot.settings import get_settings

    settings = get_settings()
    with session_scope(make_session_factory(engine_for(settings))) as session:
        try:
            made = create_screen_token(session, site_name=site, label=label, at=datetime.now(UTC))
        except NotFound as error:
            _fail(error)
    typer.echo(f"Floor screen token {made.id} for {made.site_name}. Open this on the screen:")
    typer.echo(screen_url(settings.public_url, made.site_name, made.token))
    typer.echo("It is shown only now: prodbot keeps only a hash of it.")


@screen_app.command("revoke")
def revoke(
    ref: Annotated[
        str,
        typer.Argument(
            metavar="TOKEN_PREFIX_OR_ID",
            help="The token's id or first characters (`prodbot screen list`), or its URL.",
        ),
    ],
) -> None:
    """Revoke a floor screen token: the screen showing it gets 404 from its next update."""
    from bot.db import engine_for, make_session_factory, session_scope
    from bot.records.screen_tokens import revoke_screen_token
    from bot.settings import get_settings

    settings = get_settings()
    with session_scope(make_session_factory(engine_for(settings))) as session:
        try:
            row = revoke_screen_token(session, ref=ref, at=datetime.now(UTC))
        except NotFound as error:
            _fail(error)
    typer.echo(f"Revoked floor screen token {row.id} ({row.prefix}…) of {row.site_name}.")


@screen_app.command("list")
def list_tokens(
    revoked: Annotated[bool, typer.Option("--revoked", help="Also list revoked tokens.")] = False,
) -> None:
    """The floor screen tokens (times UTC): id, site, first characters, label."""
    from rich.console import Console
    from rich.table import Table

    from bot.db import engine_for, make_session_factory, session_scope
    from bot.records.screen_tokens import screen_tokens
    from bot.settings import get_settings

    with session_scope(make_session_factory(engine_for(get_settings()))) as session:
        rows = screen_tokens(session, include_revoked=revoked)
    console = Console()
    if not rows:
        console.print("No floor screen tokens: make one with `prodbot screen token SITE`.")
        return
    table = Table("id", "site", "token", "label", "created", "revoked")
    for row in rows:
        table.add_row(
            str(row.id),
            row.site_name,
            f"{row.prefix}…",
            row.label or "",
            f"{row.created_at:%Y-%m-%d %H:%M}",
            f"{row.revoked_at:%Y-%m-%d %H:%M}" if row.revoked_at else "",
        )
    console.print(table)


def _fail(error: NotFound) -> NoReturn:
    typer.echo(f"prodbot screen: {error.message}", err=True)
    raise typer.Exit(2) from None
