"""Supabase Auth error bodies, in the format the client's API version asks for.

With `X-Supabase-Api-Version` ≥ 2024-01-01: {"code": "<error_code>", "message": ...} and the
header echoed back; otherwise the legacy {"code": <status>, "error_code", "msg"}. Both carry the
`x-sb-error-code` header.
"""

from django.http import HttpRequest, JsonResponse

API_VERSION_HEADER = "X-Supabase-Api-Version"
API_VERSION_2024 = "2024-01-01"


def wants_2024_format(request: HttpRequest) -> bool:
    version = request.headers.get(API_VERSION_HEADER, "")
    return len(version) == 10 and version >= API_VERSION_2024


def error_response(
    request: HttpRequest, status: int, error_code: str, message: str
) -> JsonResponse:
    if wants_2024_format(request):
        body = {"code": error_code, "message": message}
        headers = {API_VERSION_HEADER: request.headers[API_VERSION_HEADER]}
    else:
        body = {"code": status, "error_code": error_code, "msg": message}
        headers = {}
    headers["x-sb-error-code"] = error_code
    return JsonResponse(body, status=status, headers=headers)
