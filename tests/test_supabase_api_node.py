"""The Admin API driven by the unmodified @supabase/auth-js client (tests/node), against a live
server. CI installs the client (`npm install` in .ci/run), so there a missing install fails the
test; elsewhere it is skipped with the command to run."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from .conftest import need
from .supabase_api_support import new_service_key

NODE_DIR = Path(__file__).parent / "node"


@pytest.mark.django_db(transaction=True)
def test_auth_js_generate_link_then_verify_otp(live_server, settings):
    node = shutil.which("node")
    need(node is not None, "Node.js (node)")
    need(
        (NODE_DIR / "node_modules" / "@supabase" / "auth-js").is_dir(),
        "@supabase/auth-js (run `npm install` in tests/node)",
    )
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
