"""Login links of an account: generate (the seed endpoint), list, revoke."""

import uuid

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from audit.actors import Actor

from ..flows.partner_link import generate_partner_link
from ..flows.revoke import revoke_link
from . import idempotency, queries
from .base import PartnerApiView
from .errors import ApiError
from .pagination import paginated_response
from .representations import (
    LinkListSerializer,
    LinkSummarySerializer,
    LoginLinkSerializer,
    login_link_json,
)
from .schema import BODY_ERRORS, error_responses
from .serializers import GenerateLinkSerializer, LinkListQuerySerializer

_EXAMPLE_RESPONSE = {
    "login_link": "https://login.example.com/auth/partner-login/3q2-7wEjvZ0c8yQ5lE7pq2bX0m3a1Yt9uKkWfT4oR8s",
    "link_id": "5b0f8a2e-3c1d-4e7a-9b6f-2d8c1e0a9f34",
    "user_email": "john.doe@example.com",
    "expires_at": "2026-01-17T10:30:00.000000Z",
    "expires_in_hours": 48,
    "purpose": "expired_link",
    "redirect_url": "https://yourplatform.com/tax-dashboard",
    "notification_sent": True,
    "previous_links_invalidated": 1,
    "created_at": "2026-01-15T10:30:00.000000Z",
    "account_id": 12345,
}


class LoginLinkView(PartnerApiView):
    required_scopes = {"POST": "links:write"}

    def defers_key_limits(self, request: Request) -> bool:
        # The key's limits and the account's allowance in one round trip (the flow counts both).
        return not idempotency.requested(request)

    @extend_schema(
        operation_id="generateLoginLink",
        summary="Generate a login link for a user on the account",
        description="Invalidates the user's earlier active links for this account. At most 10 "
        "links per account per hour (429 LOGIN_LINK_LIMIT_EXCEEDED).",
        request=GenerateLinkSerializer,
        responses={
            201: LoginLinkSerializer,
            **error_responses(
                **BODY_ERRORS,
                e403=["ACCOUNT_SUSPENDED", "USER_NOT_ELIGIBLE"],
                e404=["ACCOUNT_NOT_FOUND", "USER_NOT_FOUND"],
                e429=["LOGIN_LINK_LIMIT_EXCEEDED"],
            ),
        },
        examples=[
            OpenApiExample("Basic", request_only=True, value={}),
            OpenApiExample(
                "Custom",
                request_only=True,
                value={
                    "user_email": "john.doe@example.com",
                    "expiry_hours": 48,
                    "purpose": "expired_link",
                    "redirect_url": "https://yourplatform.com/tax-dashboard",
                    "send_notification": True,
                    "notification_settings": {
                        "partner_branded": True,
                        "custom_subject": "Your new login link",
                        "custom_message": "Here is the link you asked for.",
                        "include_instructions": True,
                    },
                },
            ),
            OpenApiExample(
                "Silent (manual delivery)",
                request_only=True,
                value={"purpose": "manual_delivery", "send_notification": False},
            ),
            OpenApiExample(
                "Generated", response_only=True, status_codes=["201"], value=_EXAMPLE_RESPONSE
            ),
        ],
    )
    def post(self, request: Request, account_id: int) -> Response:
        # Not locked, and no transaction: the issue takes the account's lock itself, in its one
        # statement (magiclinks.flows.issue), and re-checks the suspension under it.
        account = self.account(account_id)
        body = GenerateLinkSerializer(data=self.json_body())
        body.is_valid(raise_exception=True)
        result = generate_partner_link(
            account,
            body.options(),
            actor=Actor.partner(self.key.partner),
            count_first=self.key_limits,
        )
        return Response(login_link_json(result), status=status.HTTP_201_CREATED)


class LoginLinksView(PartnerApiView):
    required_scopes = {"GET": "accounts:read"}

    @extend_schema(
        operation_id="listLoginLinks",
        summary="List the account's login links (metadata only, never tokens)",
        parameters=[LinkListQuerySerializer],
        responses={
            200: LinkListSerializer,
            **error_responses(e400=["VALIDATION_ERROR"], e404=["ACCOUNT_NOT_FOUND"]),
        },
    )
    def get(self, request: Request, account_id: int) -> Response:
        account = self.account(account_id)
        params = self.query(LinkListQuerySerializer)
        links = queries.account_links(
            account, status=params.get("status"), user_email=params.get("user_email")
        )
        return paginated_response(
            links,
            request,
            items_key="login_links",
            item_serializer=LinkSummarySerializer,
            query=params,
        )


class RevokeLinkView(PartnerApiView):
    required_scopes = {"POST": "links:write"}

    @extend_schema(
        operation_id="revokeLoginLink",
        summary="Revoke an active login link",
        request=None,
        responses={
            200: LinkSummarySerializer,
            **error_responses(
                e404=["ACCOUNT_NOT_FOUND", "LINK_NOT_FOUND"],
                e409=["LINK_NOT_ACTIVE"],
                e415=["UNSUPPORTED_MEDIA_TYPE"],
            ),
        },
    )
    def post(self, request: Request, account_id: int, link_id: uuid.UUID) -> Response:
        account = self.account(account_id)
        link = queries.account_link(account, link_id)
        if link is None:
            raise ApiError(404, "LINK_NOT_FOUND", "Login link not found.")
        if not revoke_link(link, actor=Actor.partner(self.key.partner)):
            raise ApiError(409, "LINK_NOT_ACTIVE", "Only an active login link can be revoked.")
        return Response(LinkSummarySerializer(link).data)
