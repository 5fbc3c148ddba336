"""``tipline-desk note`` and ``notes``: the unit's internal notes on a case (docs/envelope.md
section 18), sealed here to every key of the verified police bundle, never to the citizen."""

from __future__ import annotations

import getpass
from pathlib import Path

import click

from envelope.names import display_line, display_text

from .cli import Ctx, _fail_cleanly, console, pass_ctx, passphrase, passphrase_option
from .client import DeskError
from .conversation_cli import _case_id, _logged_in, _reply_text
from .decrypt import decrypt_case
from .files import read_json
from .notes import pending, prepare_note, send, send_pending
from .reply import police_keys, trusted_root
from .safe import markup, plain
from .sync import sync as run_sync
from .thread import _indent


def officer_name(ws) -> str:
    """Who writes: the server account this desk logged in with, else the system user."""
    session_doc = read_json(ws.session_file)
    if isinstance(session_doc, dict) and isinstance(session_doc.get("username"), str):
        return session_doc["username"]
    return getpass.getuser()


@click.command()
@click.argument("case_id", callback=lambda c, p, v: _case_id(v), metavar="CASE")
@click.argument("words", nargs=-1, metavar="[TEXT]")
@click.option("--text", help="the note, as an option (else TEXT, else standard input, else $EDITOR)")
@click.option("--author", help="the name colleagues see [default: this desk's server account]")
@click.option("--bundle", "bundle_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="seal to this bundle's keys (e.g. while the server is away) [default: the server's, checked "
                   "against the root key]")
@click.option("--root-key", "root_key_file", type=click.Path(exists=True, dir_okay=False),
              help="keys/root-key.json [default: HOME/root-key.json, else this keyring's root key]")
@click.option("--retry", is_flag=True, help="only send the notes this desk's outbox still holds")
@pass_ctx
@_fail_cleanly
def note(ctx: Ctx, case_id, words, text, author, bundle_file, root_key_file, retry):
    """Write an internal note on a case for the other officers: sealed here to every police key
    of the bundle (never to the citizen), kept in an outbox until the server has it."""
    client = ctx.client()
    sent, problems = send_pending(client, ctx.ws)  # earlier notes first: nothing is lost or reordered
    if sent:
        console.print(f"sent {sent} note(s) left in the outbox")
    for problem in problems:
        console.print(f"not sent: {markup(problem)}")
    if retry:
        return
    if words and text is not None:
        raise click.ClickException("give the text once: as TEXT or with --text")
    body = _reply_text(" ".join(words) if words else text).strip()
    if not body:
        raise click.ClickException("nothing to write: give the note's text (--text, standard input or $EDITOR)")
    root = trusted_root(ctx.ws, ctx.keyring, Path(root_key_file) if root_key_file else None)
    police = police_keys(ctx.ws, None if bundle_file else client, root, bundle_file)
    path = prepare_note(ctx.ws, case_id, text=body, author=(author or officer_name(ctx.ws)).strip(),
                        bundle_keys=police.keys)
    try:
        item_id = send(client, case_id, path)
    except DeskError as exc:
        raise click.ClickException(f"{plain(exc)}\nthe note is kept in {path}: "
                                   f"`tipline-desk note {case_id} --retry` sends it") from None
    console.print(f"note {markup(item_id)} added to case {case_id}, sealed to {len(police.keys)} police key(s) "
                  f"of bundle {police.sequence}")


@click.command()
@click.argument("case_id", callback=lambda c, p, v: _case_id(v), metavar="CASE")
@click.option("--no-sync", is_flag=True, help="show what this desk already holds, without asking the server")
@passphrase_option
@pass_ctx
@_fail_cleanly
def notes(ctx: Ctx, case_id, no_sync, passphrase_file):
    """Print a case's internal notes, decrypted and checked here, oldest first."""
    client = None if no_sync else _logged_in(ctx)
    if client is not None:
        run_sync(client, ctx.ws, show_progress=False)
    if case_id not in ctx.ws.synced_cases():
        raise click.ClickException(f"case {case_id} is not on this desk: run `tipline-desk sync`")
    result = decrypt_case(ctx.ws, case_id, ctx.keyring.identities(passphrase(False, passphrase_file)))
    folder = ctx.ws.case_dir(case_id)
    for item in result.notes:
        if item.status != "verified":
            click.echo(f"#{item.seq}  REFUSED note {item.item_id[:8]}: {plain(item.error_code)} (not shown)")
            continue
        record = read_json(folder / item.saved_as, {}) or {}
        click.echo(f"#{item.seq}  {item.written_at} UTC (writer's clock)  {display_line(item.author or '')}")
        click.echo(_indent(display_text(record.get("text") or "")))
    waiting = pending(ctx.ws, case_id)
    if waiting:
        click.echo(f"{len(waiting)} note(s) not sent yet: `tipline-desk note {case_id} --retry`")
    if not result.notes and not waiting:
        click.echo("no note yet")


COMMANDS = [note, notes]
