"""The console app on a real desk folder (real envelopes, real keys in the test's temp dir)."""

from __future__ import annotations

import re

import pytest

from desk.console.app import create_app
from desk.console.index import refresh_all
from tests.desk.console.builder import PASSPHRASE, make_desk

TOKEN = re.compile(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"')


@pytest.fixture
def desk(tmp_path):
    return make_desk(tmp_path / "home")


class Console:
    """A test client that unlocks like an officer and reads CSRF tokens from the pages."""

    def __init__(self, app):
        self.app = app
        self.state = app.extensions["tipline_console"]
        self.http = app.test_client()

    def reindex(self):
        refresh_all(self.state.store, self.state.ws)

    def token(self, path: str = "/unlock") -> str:
        return TOKEN.search(self.http.get(path).text).group(1)

    def unlock(self, passphrase: str = PASSPHRASE):
        return self.http.post("/unlock", data={"csrf_token": self.token("/unlock"), "passphrase": passphrase})

    def get(self, path, **kw):
        return self.http.get(path, **kw)

    def post(self, path, data=None, *, token_from="/"):
        return self.http.post(path, data={"csrf_token": self.token(token_from), **(data or {})})


@pytest.fixture
def make_console(desk):
    apps = []

    def make(**kwargs) -> Console:
        app = create_app(desk.ws.home, start_sync=False, officer=kwargs.pop("officer", "agent.test"), **kwargs)
        apps.append(app)
        console = Console(app)
        console.reindex()
        return console

    return make


@pytest.fixture
def console(make_console) -> Console:
    c = make_console()
    assert c.unlock().status_code == 302
    return c
