"""The verification snippets of docs/webhooks.md, run as printed against a real delivery: the
Python one (exec'd) and the Node one (run with node) accept it, and refuse a tampered body, a
wrong secret and a replay older than 5 minutes."""

import base64
import json
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from django.conf import settings

from webhooks import delivery, services, signing

from .conftest import need
from .webhook_receiver import Receiver
from .webhook_support import endpoint_for

pytest_plugins = ["tests.webhook_fixtures"]
pytestmark = pytest.mark.django_db(transaction=True)

DOC = Path(settings.BASE_DIR) / "docs" / "webhooks.md"


def _snippet(language: str) -> str:
    (code,) = re.findall(rf"```{language}\n(.*?)```", DOC.read_text(), flags=re.DOTALL)
    return code


@pytest.fixture
def delivered(make, local_targets):
    """(secret, raw body, signature header) of one real delivery."""
    with Receiver() as receiver:
        endpoint, secret = endpoint_for(make.partner(), receiver.url)
        row = services.send_test(endpoint)
        assert delivery.attempt(row.pk)[0] == delivery.Outcome.DELIVERED
    (request,) = receiver.received
    return secret, request.body, request.headers["Linkgate-Signature"]


def test_the_python_snippet_verifies_a_real_delivery(delivered):
    secret, body, header = delivered
    namespace: dict = {}
    exec(compile(_snippet("python"), str(DOC), "exec"), namespace)
    verify = namespace["verify_linkgate_signature"]
    assert verify(secret, body, header)
    assert not verify(secret, body.replace(b"webhook.test", b"webhook.tost"), header)
    assert not verify("whsec_wrong", body, header)
    old = signing.sign(secret, body, int(time.time()) - 301)
    assert not verify(secret, body, old)
    assert not verify(secret, body, "garbage")


def test_the_node_snippet_verifies_a_real_delivery(delivered, tmp_path):
    node = shutil.which("node")
    need(node is not None, "Node.js (node)")
    secret, body, header = delivered
    (tmp_path / "verify.js").write_text(_snippet("js"))
    subprocess.run([node, "--check", str(tmp_path / "verify.js")], check=True)
    harness = tmp_path / "harness.js"
    harness.write_text(
        "const { verifyLinkgateSignature } = require('./verify.js');\n"
        "const cases = JSON.parse(process.argv[2]);\n"
        "console.log(JSON.stringify(cases.map(([s, b, h]) =>\n"
        "  verifyLinkgateSignature(s, Buffer.from(b, 'base64'), h))));\n"
    )
    raw = base64.b64encode(body).decode()
    tampered = base64.b64encode(body + b" ").decode()
    old = signing.sign(secret, body, int(time.time()) - 301)
    cases = [[secret, raw, header], [secret, tampered, header], ["whsec_x", raw, header]]
    cases.append([secret, raw, old])
    result = subprocess.run(
        [node, str(harness), json.dumps(cases)], capture_output=True, text=True, check=True
    )
    assert json.loads(result.stdout) == [True, False, False, False]
