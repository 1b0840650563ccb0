"""Bench-only views. The baseline is the floor of the Partner API's design: a DRF view that
authenticates a partner key with the real authentication class, parses a JSON body and inserts
one row, answering JSON."""

from django.http import HttpRequest, HttpResponse
from rest_framework.parsers import JSONParser
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.authentication import PartnerKeyAuthentication

from .models import BenchRow


class BaselineView(APIView):
    authentication_classes = [PartnerKeyAuthentication]
    parser_classes = [JSONParser]
    renderer_classes = [JSONRenderer]

    def post(self, request: Request) -> Response:
        payload = request.data if isinstance(request.data, dict) else {}
        row = BenchRow.objects.create(key_id=request.auth.pk, payload=payload)
        return Response({"id": row.pk}, status=201)


def ping(request: HttpRequest) -> HttpResponse:
    """Readiness probe for bench/run.py (touches nothing)."""
    return HttpResponse("ok", content_type="text/plain")
