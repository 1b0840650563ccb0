"""The Partner API's error envelope: {"error": {"code", "message", "details"}}."""

from django.http import JsonResponse


def error_body(code: str, message: str, details: dict | None = None) -> dict:
    body: dict = {"code": code, "message": message}
    if details is not None:
        body["details"] = details
    return {"error": body}


def error_response(
    status: int, code: str, message: str, details: dict | None = None, headers: dict | None = None
) -> JsonResponse:
    return JsonResponse(error_body(code, message, details), status=status, headers=headers)
