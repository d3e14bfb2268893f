"""``flask --app app api-token ...``: create, list and revoke API tokens for system clients.

    flask --app app api-token create NAME --org-unit 0301 --permission read --permission write
    flask --app app api-token list
    flask --app app api-token revoke ID

``create`` prints the token once; only its hash is kept, so a lost token is revoked and replaced, never shown
again. Creating and revoking are audited (user "cli").
"""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from api.tokens import PERMISSIONS, TokenError, create_token, list_tokens, revoke_token

api_token = AppGroup("api-token", help="API tokens for system clients (create, list, revoke).")


def _store():  # type: ignore[no-untyped-def]
    return current_app.extensions["smittespor_store"]


@api_token.command("create", help="Create a token scoped to one org unit; prints it once.")
@click.argument("name")
@click.option("--org-unit", "org_unit", required=True, help="Org unit code, e.g. 0301.")
@click.option(
    "--permission",
    "permissions",
    multiple=True,
    type=click.Choice(PERMISSIONS),
    default=("read",),
    show_default=True,
    help="read, write (repeat for both; write implies read).",
)
def create(name: str, org_unit: str, permissions: tuple[str, ...]) -> None:
    try:
        with _store().session() as session:
            row, token = create_token(session, name, org_unit, list(permissions))
            summary = f"Created API token {row.id} '{row.name}' for {row.org_unit.code} {row.org_unit.name} ({', '.join(row.permissions)})."
    except TokenError as error:
        raise click.ClickException(f"{error.field}: {error.message_nb}") from error
    click.echo(summary)
    click.echo("The token is shown only this once; store it safely:")
    click.echo(token)


@api_token.command("list", help="List tokens (never the tokens themselves).")
def list_command() -> None:
    with _store().session() as session:
        rows = list_tokens(session)
        lines = [
            f"{r.id:>4}  {r.name:<30} {r.org_unit.code:<7} {','.join(r.permissions):<11} "
            f"{'revoked ' + r.revoked_at.date().isoformat() if r.revoked_at else 'active':<18} "
            f"last used: {r.last_used_at.isoformat(timespec='seconds') if r.last_used_at else '-'}"
            for r in rows
        ]
    click.echo("\n".join(lines) if lines else "No API tokens.")


@api_token.command("revoke", help="Revoke a token by id; it is refused from then on.")
@click.argument("token_id", type=int)
def revoke(token_id: int) -> None:
    try:
        with _store().session() as session:
            row = revoke_token(session, token_id)
            name = row.name
    except TokenError as error:
        raise click.ClickException(f"{error.field}: {error.message_nb}") from error
    click.echo(f"Revoked API token {token_id} '{name}'.")
