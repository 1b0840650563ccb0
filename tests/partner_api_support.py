"""Helpers for the Partner API tests: an HTTP client that speaks JSON with a partner key."""

import json

from django.test import Client


class Api:
    """Calls /v1beta over HTTP through Django's test client."""

    def __init__(self, key: str | None, client: Client | None = None) -> None:
        self.key = key
        self.client = client or Client()

    def headers(self, extra: dict | None = None) -> dict:
        headers = {"Authorization": f"Bearer {self.key}"} if self.key else {}
        return {**headers, **(extra or {})}

    def get(self, path: str, params: dict | None = None, **headers):
        return self.client.get(f"/v1beta{path}", params or {}, headers=self.headers(headers))

    def post(
        self,
        path: str,
        body=None,
        *,
        raw: str | bytes | None = None,
        content_type="application/json",
        **headers,
    ):
        data = raw if raw is not None else ("" if body is None else json.dumps(body))
        return self.client.generic(
            "POST", f"/v1beta{path}", data, content_type=content_type, headers=self.headers(headers)
        )

    def call(self, method: str, path: str, **headers):
        return self.client.generic(method, f"/v1beta{path}", headers=self.headers(headers))


def error_of(response) -> tuple[int, str]:
    """(status, error code) of an envelope response; fails if the body is not the envelope."""
    assert response["Content-Type"].startswith("application/json"), response.content[:200]
    body = response.json()
    assert set(body) == {"error"}, body
    assert {"code", "message"} <= set(body["error"]), body
    return response.status_code, body["error"]["code"]
