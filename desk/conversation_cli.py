"""``tipline-desk messages``, ``reply`` and ``watch``: the police side of the conversation
(docs/conversation.md). Decryption and sealing happen here, on the operator's machine; the server
stores and relays envelopes only."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import click

from .cli import Ctx, _fail_cleanly, console, pass_ctx, passphrase, passphrase_option
from .client import ApiFailure, DeskError
from envelope.conversation import MAX_ATTACHMENTS

from .decrypt import decrypt_case
from .files import read_json
from .reply import DIRECT_PUT_LIMIT, MiB, citizen_key, envelope_size, pending, police_keys, prepare_reply, send
from .reply import metadata_warning, trusted_root
from .safe import markup, plain
from .sync import sync as run_sync
from .thread import thread_lines
from .watch import Watcher

_ID_HELP = "the case id (32 hex digits)"


def _case_id(value: str) -> str:
    value = value.strip().lower()
    if len(value) != 32 or any(c not in "0123456789abcdef" for c in value):
        raise click.BadParameter("a case id is 32 hex digits")
    return value


def _logged_in(ctx: Ctx):
    return ctx.client() if read_json(ctx.ws.session_file) else None


@click.command()
@click.argument("case_id", callback=lambda c, p, v: _case_id(v), metavar="CASE")
@click.option("--no-sync", is_flag=True, help="show what this desk already holds, without asking the server")
@click.option("--no-mark-read", is_flag=True, help="do not tell the server the police have read these messages")
@passphrase_option
@pass_ctx
@_fail_cleanly
def messages(ctx: Ctx, case_id, no_sync, no_mark_read, passphrase_file):
    """Print a case's conversation, decrypted and verified here, oldest first; then mark the
    citizen's messages read on the server."""
    client = None if no_sync else _logged_in(ctx)
    if client is not None:
        try:
            run_sync(client, ctx.ws, show_progress=False)
            meta = ctx.ws.load_case_meta(case_id)
            meta.update({k: v for k, v in client.case(case_id).items() if k != "items"})
            ctx.ws.save_case_meta(case_id, meta)
        except ApiFailure as exc:
            if exc.status in (401, 403):
                raise
            console.print(f"the server did not answer as expected ({markup(exc)}): showing what this desk holds")
            client = None
        except DeskError as exc:
            console.print(f"{markup(exc)}: showing what this desk holds")
            client = None
    if case_id not in ctx.ws.synced_cases():
        raise click.ClickException(f"case {case_id} is not on this desk: run `tipline-desk sync`")
    identities = ctx.keyring.identities(passphrase(False, passphrase_file))
    result = decrypt_case(ctx.ws, case_id, identities)
    meta = ctx.ws.load_case_meta(case_id)
    click.echo(f"case {case_id}  status {plain(meta.get('status', '?'))}  report {result.report.status}"
               f" (verdict {result.verdict})")
    lines = list(thread_lines(ctx.ws, case_id, result.messages,
                              read_by_citizen_up_to=meta.get("read_by_citizen_up_to")))
    for line in lines:
        click.echo(line)
    if not lines:
        click.echo("no message yet")
    # every citizen message listed has been put before the operator, a refused one as REFUSED
    shown = [m.seq for m in result.messages if m.kind == "message"]
    already = meta.get("read_by_police_up_to") or 0
    if client is not None and not no_mark_read and shown and max(shown) > already:
        try:
            client.mark_read(case_id, max(shown))
            meta["read_by_police_up_to"] = max(shown)
            ctx.ws.save_case_meta(case_id, meta)
        except ApiFailure as exc:
            console.print(f"the server did not take the read mark: {markup(exc)}")


def _reply_text(text: str | None) -> str:
    if text is not None:
        return text
    if not sys.stdin.isatty():
        return sys.stdin.read()
    written = click.edit("\n# Write the reply above. Lines starting with # are left out.\n",
                         extension=".txt", require_save=True)
    if written is None:
        return ""
    return "\n".join(line for line in written.split("\n") if not line.startswith("#"))


@click.command()
@click.argument("case_id", callback=lambda c, p, v: _case_id(v), metavar="CASE")
@click.argument("words", nargs=-1, metavar="[TEXT]")
@click.option("--text", help="the reply, as an option (else TEXT, else standard input, else $EDITOR)")
@click.option("--attach", "files", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="a file to send with it (repeat for several); at most 20, each up to the server's "
                   "direct upload limit (8 MiB by default)")
@click.option("--author", help="a name the citizen sees (default: none, the reply comes from 'the police')")
@click.option("--bundle", "bundle_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="seal to this bundle's keys [default: the server's, checked against the root key]")
@click.option("--root-key", "root_key_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="keys/root-key.json, whose fingerprint was read aloud [default: HOME/root-key.json, "
                   "else this keyring's root key]")
@click.option("--retry", is_flag=True, help="only send again what an interrupted reply left in the outbox")
@click.option("--discard", is_flag=True, help="drop the replies this case's outbox holds, unsent (e.g. one the "
                                               "server refuses for good)")
@pass_ctx
@_fail_cleanly
def reply(ctx: Ctx, case_id, words, text, files, author, bundle_file, root_key_file, retry, discard):
    """Write to the citizen of a case: the reply (and its files) is sealed here to the citizen's
    mailbox key and to every police key of the bundle, then uploaded."""
    if discard:
        for folder in pending(ctx.ws, case_id):
            shutil.rmtree(folder)
            console.print(f"dropped the unsent reply {markup(folder.name)}")
        return
    if len(files) > MAX_ATTACHMENTS:
        raise click.ClickException(f"at most {MAX_ATTACHMENTS} files in a reply")
    for path in files:
        if envelope_size(path.stat().st_size) > DIRECT_PUT_LIMIT:
            raise click.ClickException(f"{plain(path.name)} is too large for one upload ({DIRECT_PUT_LIMIT // MiB} MiB "
                                       "sealed): send a smaller file")
    client = ctx.client()
    for folder in pending(ctx.ws, case_id):  # an earlier reply first: nothing is lost or reordered
        console.print(f"sending an earlier reply left in {markup(folder)}")
        send(client, folder)
    if retry:
        return
    if words and text is not None:
        raise click.ClickException("give the text once: as TEXT or with --text")
    body = _reply_text(" ".join(words) if words else text).strip("\n")
    for path in files:
        warning = metadata_warning(path)
        if warning:
            console.print(f"warning: {markup(warning)}")
    if not body.strip() and not files:
        raise click.ClickException("nothing to send: give the reply's text (--text, standard input or $EDITOR)")
    citizen = citizen_key(ctx.ws, case_id)
    police = police_keys(ctx.ws, None if bundle_file else client, trusted_root(ctx.ws, ctx.keyring, root_key_file),
                         bundle_file)
    mine = {k.public_key for k in ctx.keyring.keys("x25519")}
    if mine and not mine & set(police.keys):
        console.print("warning: none of this desk's keys is in the bundle: it will not read its own reply")
    folder = prepare_reply(ctx.ws, case_id, text=body, files=list(files), author=author, police=police,
                           citizen_x25519=citizen)
    try:
        reply_id = send(client, folder)
    except DeskError as exc:
        raise click.ClickException(f"{plain(exc)}\nthe reply is kept in {folder}: "
                                   f"`tipline-desk reply {case_id} --retry` sends it") from None
    console.print(f"reply {markup(reply_id)} sent to case {case_id} ({len(files)} file(s)), sealed to the citizen and "
                  f"{len(police.keys)} police key(s) of bundle {police.sequence}")


@click.command()
@click.option("--interval", default=5.0, show_default=True, type=click.FloatRange(0.1),
              help="seconds between looks when the server has no live feed")
@click.option("--no-bell", is_flag=True, help="announce without ringing the terminal's bell")
@click.option("--max-events", type=click.IntRange(1), help="stop after this many new cases and messages")
@click.option("--seconds", type=click.FloatRange(0), help="stop after this long")
@pass_ctx
@_fail_cleanly
def watch(ctx: Ctx, interval, no_bell, max_events, seconds):
    """Follow new cases and citizen messages live (syncing them), with the terminal's bell, until
    Ctrl-C."""
    watcher = Watcher(ctx.client(), ctx.ws, echo=lambda line: click.echo(line), interval=interval,
                      bell=not no_bell)
    console.print("watching for new cases and messages (Ctrl-C to stop)")
    try:
        watcher.run(max_events=max_events, seconds=seconds)
    except KeyboardInterrupt:
        console.print("stopped")
    sys.stdout.flush()  # the cursor is saved after every page: nothing else to clean up


COMMANDS = [messages, reply, watch]
