"""One HTTP POST of a signed body to a checked Target (httpx), pinned to the checked address.

The connection goes to the IP address webhooks.targets accepted, not to a new DNS answer: the
URL carries the address, the Host header the name, and for https the TLS SNI and certificate
check use the name (httpx's `sni_hostname` extension), so the certificate must still be the
partner's. Redirects are not followed (a redirect could point anywhere, including inside our
network). Timeouts: WEBHOOK_TIMEOUT_SECONDS for connecting and for every read, and the response
body is not waited for beyond its first bytes, so a slow receiver costs at most that long.
"""

import ssl
from dataclasses import dataclass
from ipaddress import IPv6Address

import httpx
from django.conf import settings

from .targets import Target

USER_AGENT = "Linkgate-Webhooks/1"
RESPONSE_PEEK_BYTES = 1024


@dataclass(frozen=True)
class Result:
    status_code: int | None
    error: str  # empty on a 2xx

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def tls_verification() -> ssl.SSLContext | bool:
    """How the receiver's certificate is verified: httpx's default (certifi's CAs), against the
    name in the URL (not the pinned address). The tests replace it to trust their own CA."""
    return True


def post(target: Target, body: bytes, headers: dict[str, str]) -> Result:
    host = f"[{target.address}]" if isinstance(target.address, IPv6Address) else target.address
    url = f"{target.scheme}://{host}:{target.port}{target.path}"
    default_port = 443 if target.scheme == "https" else 80
    host_header = target.host if target.port == default_port else f"{target.host}:{target.port}"
    timeout = httpx.Timeout(settings.WEBHOOK_TIMEOUT_SECONDS)
    request_headers = {
        **headers,
        "Host": host_header,
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
    }
    try:
        # trust_env=False: no proxy from the environment may take the request elsewhere.
        with (
            httpx.Client(
                timeout=timeout,
                follow_redirects=False,
                trust_env=False,
                verify=tls_verification(),
            ) as client,
            client.stream(
                "POST",
                url,
                content=body,
                headers=request_headers,
                extensions={"sni_hostname": target.host},
            ) as response,
        ):
            for _chunk in response.iter_raw(RESPONSE_PEEK_BYTES):
                break  # the status is what counts; never wait for a whole slow body
            code = response.status_code
    except httpx.TimeoutException as exc:
        return Result(None, f"timeout ({type(exc).__name__})")
    except httpx.HTTPError as exc:
        # The class name only: messages can quote the URL, whose query may be the partner's.
        return Result(None, f"connection failed ({type(exc).__name__})")
    return Result(code, "" if 200 <= code < 300 else f"HTTP {code}")
