"""An officer's login through the real CLIs and gunicorn: enrolment with `tipline-server
enroll-totp`, `tipline-desk login` with the authenticator's code, a stranger's failures that do
not keep the officer's desk out, and `tipline-server audit verify` over what happened."""

import re
import time

import requests

from server.services import totp
from tests.e2e.conftest import OPERATOR, OPERATOR_PASSWORD
from tests.support.desk import desk, server_cli


def test_desk_login_with_a_second_factor_and_a_strangers_failures(deployment):
    enrolment = server_cli(deployment.env, "enroll-totp", OPERATOR).stdout
    secret = re.search(r"^secret: ([A-Z2-7]+)$", enrolment, re.M).group(1)
    recovery = re.findall(r"^  ([a-z2-7]{5}-[a-z2-7]{5})$", enrolment, re.M)
    assert len(recovery) == totp.RECOVERY_CODES
    home = deployment.desk_home

    def login(code):
        return desk(home, "login", "--server", deployment.url, "--username", OPERATOR, "--password-stdin",
                    stdin=f"{OPERATOR_PASSWORD}\n{code}\n", check=False)

    done = login("")
    assert done.returncode == 1 and "wrong username, password or code" in done.stderr
    assert login(totp.code_at(secret, time.time())).returncode == 0
    assert (home / "device.json").is_file()
    # a stranger exhausts the username's free attempts ...
    for _ in range(8):
        r = requests.post(f"{deployment.url}/api/operator/v1/session", timeout=30,
                          json={"username": OPERATOR, "password": "a stranger's guess"})
    assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1
    # ... the officer's desk, known by its device token, still gets in (with a recovery code here)
    assert login(recovery[0]).returncode == 0
    verified = server_cli(deployment.env, "audit", "verify").stdout
    assert re.search(r"^\d+ entries; head [0-9a-f]{64}$", verified, re.M)
    shown = server_cli(deployment.env, "audit", "show").stdout
    assert "recovery_code_used" in shown and "login_failed" in shown and secret not in shown


def test_an_assignment_made_on_one_desk_is_seen_by_another(deployment, tmp_path):
    from tests.e2e.conftest import citizen_http
    from tests.support.phone import Phone

    phone = Phone(deployment.url, tmp_path, http=citizen_http())
    bundle = phone.fetch_bundle(deployment.root_public, "https://signalement.test")
    sent = phone.send_report({"lieu": "parking du stade"}, [], bundle.public_keys)
    desks = [deployment.desk_home, tmp_path / "second-desk"]
    for home in desks:
        desk(home, "login", "--server", deployment.url, "--username", OPERATOR, "--password-stdin",
             stdin=OPERATOR_PASSWORD + "\n")
        desk(home, "sync", "--quiet")
    assert "agent.martin" in desk(desks[0], "assign", sent.case_id, "agent.martin").stderr
    desk(desks[1], "sync", "--quiet")
    listed = desk(desks[1], "cases").stdout
    assert "agent.martin" in next(line for line in listed.splitlines() if sent.case_id[:12] in line)
    done = desk(desks[0], "assign", sent.case_id, check=False)
    assert done.returncode == 1 and "--nobody" in done.stderr
