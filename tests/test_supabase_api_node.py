"""The Admin API driven by the unmodified @supabase/auth-js client (tests/node, pinned in its
package.json), against a live server: admin links, and the end-user journey in both flow types.
CI installs the client (`npm install` in .ci/run), so there a missing install fails the test;
elsewhere it is skipped with the command to run."""

import json
import shutil
import subprocess
import threading
from pathlib import Path

import pytest

from .conftest import need
from .supabase_api_support import mailed, new_service_key, open_action_link

NODE_DIR = Path(__file__).parent / "node"


def node_with_auth_js() -> str:
    node = shutil.which("node")
    need(node is not None, "Node.js (node)")
    need(
        (NODE_DIR / "node_modules" / "@supabase" / "auth-js").is_dir(),
        "@supabase/auth-js (run `npm install` in tests/node)",
    )
    return node


@pytest.mark.django_db(transaction=True)
def test_auth_js_generate_link_then_verify_otp(live_server, settings):
    node = node_with_auth_js()
    settings.PUBLIC_BASE_URL = live_server.url
    settings.SITE_URL = "http://app.example.test"
    result = subprocess.run(
        [node, "generate_verify.mjs"],
        cwd=NODE_DIR,
        env={
            "PATH": "/usr/bin:/bin",
            "GOTRUE_URL": f"{live_server.url}/auth/v1",
            "SERVICE_KEY": new_service_key("node"),
            "REDIRECT_TO": "http://app.example.test/reset",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr or result.stdout
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["ok"] is True
    assert "verifyOtp email+token" in report["steps"] and "verifyOtp token_hash" in report["steps"]


def _answer(question: dict) -> dict:
    """The mailbox for the journey script: the link opened as a browser does, or the code."""
    link, otp = mailed(question["kind"], question["email"])
    if not question["open"]:
        return {"otp": otp}
    _, confirmed = open_action_link(link)
    assert confirmed.status_code == 303, confirmed.text
    return {"location": confirmed.headers["location"]}


@pytest.mark.parametrize("flow_type", ["implicit", "pkce"])
@pytest.mark.django_db(transaction=True)
def test_auth_js_end_user_journey(live_server, settings, flow_type):
    node = node_with_auth_js()
    app = "http://app.example.test"
    settings.PUBLIC_BASE_URL = live_server.url
    settings.SITE_URL = app
    settings.SECURE_PASSWORD_CHANGE = True
    settings.SECURE_PASSWORD_CHANGE_RECENT_SECONDS = 0  # the nonce is always needed
    process = subprocess.Popen(
        [node, "journey.mjs"],
        cwd=NODE_DIR,
        env={
            "PATH": "/usr/bin:/bin",
            "GOTRUE_URL": f"{live_server.url}/auth/v1",
            "APP_URL": app,
            "FLOW_TYPE": flow_type,
        },
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    watchdog = threading.Timer(120, process.kill)
    watchdog.start()
    last = ""
    try:
        for line in process.stdout:
            if line.startswith("ASK "):
                process.stdin.write(json.dumps(_answer(json.loads(line[4:]))) + "\n")
                process.stdin.flush()
            elif line.strip():
                last = line
        process.wait()
    finally:
        watchdog.cancel()
        process.kill()
    assert process.returncode == 0, last or process.stderr.read()
    report = json.loads(last)
    assert report["ok"] is True and report["flowType"] == flow_type
    assert {"exchangeCodeForSession", "updateUser with the nonce", "signOut"} <= set(
        report["steps"]
    )
