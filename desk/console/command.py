"""``tipline-desk console``: serve the console on 127.0.0.1 and open it in the browser."""

from __future__ import annotations

import logging
import sys
import webbrowser

import click
from werkzeug.serving import make_server


@click.command("console")
@click.option("--port", default=0, show_default=True, type=click.IntRange(0, 65535),
              help="port on 127.0.0.1 (0: a random free port)")
@click.option("--no-browser", is_flag=True, help="print the address instead of opening the browser")
@click.option("--lock-after", default=10.0, show_default=True, type=click.FloatRange(0.05, 24 * 60),
              help="minutes without activity before the keys are locked again")
@click.option("--poll", "poll_seconds", default=5.0, show_default=True, type=click.FloatRange(0.2, 3600),
              help="seconds between syncs when the server has no live events")
@click.pass_obj
def console_cmd(ctx, port, no_browser, lock_after, poll_seconds):
    """The operators' console: inbox, cases, statistics and exports, in the browser of this machine."""
    from .app import create_app

    # Request lines would name the cases viewed on the officer's terminal: warnings only.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)

    app = create_app(ctx.ws.home, keyring_dir=ctx.keyring.path, lock_after=lock_after * 60,
                     poll_seconds=poll_seconds)
    # Only this machine: never 0.0.0.0, whatever the network.
    server = make_server("127.0.0.1", port, app, threaded=True)
    app.config["SESSION_COOKIE_NAME"] = f"tipline_console_{server.server_port}"
    url = f"http://127.0.0.1:{server.server_port}/"
    click.echo(f"console: {url}", err=False)
    sys.stdout.flush()
    if not no_browser:
        webbrowser.open(url)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        st = app.extensions["tipline_console"]
        st.vault.lock()
        if st.worker is not None:
            st.worker.stop()
