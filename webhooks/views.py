"""/v1beta/webhooks: a partner's endpoints (CRUD), a test event, and the delivery list.

Thin views over webhooks.services; every answer and error in the Partner API's envelope (the
base view). Another partner's endpoint is a 404 like a missing one (tenancy).
"""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from audit.actors import Actor
from magiclinks.partner_api.base import PartnerApiView
from magiclinks.partner_api.errors import ApiError
from magiclinks.partner_api.pagination import paginated_response
from magiclinks.partner_api.schema import BODY_ERRORS, error_responses
from magiclinks.partner_api.serializers import PageQuerySerializer

from . import services
from .models import WebhookEndpoint
from .serializers import (
    CreatedWebhookSerializer,
    CreateWebhookSerializer,
    DeliveryListQuerySerializer,
    DeliveryListSerializer,
    DeliverySerializer,
    UpdateWebhookSerializer,
    WebhookListSerializer,
    WebhookSerializer,
)

SCOPE = "webhooks:manage"


def _invalid(exc: services.InvalidEndpoint) -> serializers.ValidationError:
    return serializers.ValidationError({exc.field: [str(exc)]})


class _WebhookView(PartnerApiView):
    def endpoint(self, webhook_id: int) -> WebhookEndpoint:
        endpoint = WebhookEndpoint.objects.filter(
            pk=webhook_id, partner_id=self.key.partner_id
        ).first()
        if endpoint is None:
            raise ApiError(404, "WEBHOOK_NOT_FOUND", "Webhook endpoint not found.")
        return endpoint

    @property
    def actor(self) -> Actor:
        return Actor.partner(self.key.partner)


class WebhooksView(_WebhookView):
    required_scopes = {"GET": SCOPE, "POST": SCOPE}

    @extend_schema(
        operation_id="listWebhooks",
        summary="The partner's webhook endpoints",
        parameters=[PageQuerySerializer],
        responses={200: WebhookListSerializer, **error_responses(e400=["VALIDATION_ERROR"])},
    )
    def get(self, request: Request) -> Response:
        params = self.query(PageQuerySerializer)
        endpoints = WebhookEndpoint.objects.filter(partner_id=self.key.partner_id)
        return paginated_response(
            endpoints,
            request,
            items_key="webhooks",
            item_serializer=WebhookSerializer,
            query=params,
        )

    @extend_schema(
        operation_id="createWebhook",
        summary="Add an endpoint; the response carries its signing secret, once",
        request=CreateWebhookSerializer,
        responses={201: CreatedWebhookSerializer, **error_responses(**BODY_ERRORS)},
    )
    def post(self, request: Request) -> Response:
        body = CreateWebhookSerializer(data=self.json_body())
        body.is_valid(raise_exception=True)
        data = body.validated_data
        try:
            endpoint, secret = services.create_endpoint(
                self.key.partner,
                url=data["url"],
                event_types=data["events"],
                description=data["description"],
                actor=self.actor,
            )
        except services.InvalidEndpoint as exc:
            raise _invalid(exc) from exc
        answer = {**WebhookSerializer(endpoint).data, "secret": secret}
        # The only copy of the secret: no cache or proxy may keep this response.
        return Response(
            answer, status=status.HTTP_201_CREATED, headers={"Cache-Control": "no-store"}
        )


class WebhookView(_WebhookView):
    required_scopes = {"GET": SCOPE, "PATCH": SCOPE, "DELETE": SCOPE}

    @extend_schema(
        operation_id="getWebhook",
        summary="One endpoint",
        responses={200: WebhookSerializer, **error_responses(e404=["WEBHOOK_NOT_FOUND"])},
    )
    def get(self, request: Request, webhook_id: int) -> Response:
        return Response(WebhookSerializer(self.endpoint(webhook_id)).data)

    @extend_schema(
        operation_id="updateWebhook",
        summary="Change the URL, the events, the description or enabled",
        request=UpdateWebhookSerializer,
        responses={
            200: WebhookSerializer,
            **error_responses(**BODY_ERRORS, e404=["WEBHOOK_NOT_FOUND"]),
        },
    )
    def patch(self, request: Request, webhook_id: int) -> Response:
        endpoint = self.endpoint(webhook_id)
        body = UpdateWebhookSerializer(data=self.json_body())
        body.is_valid(raise_exception=True)
        try:
            services.update_endpoint(endpoint, actor=self.actor, **body.validated_data)
        except services.InvalidEndpoint as exc:
            raise _invalid(exc) from exc
        return Response(WebhookSerializer(endpoint).data)

    @extend_schema(
        operation_id="deleteWebhook",
        summary="Delete the endpoint and its delivery history",
        responses={204: None, **error_responses(e404=["WEBHOOK_NOT_FOUND"])},
    )
    def delete(self, request: Request, webhook_id: int) -> Response:
        services.delete_endpoint(self.endpoint(webhook_id), actor=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)


class WebhookTestView(_WebhookView):
    required_scopes = {"POST": SCOPE}

    @extend_schema(
        operation_id="testWebhook",
        summary="Queue a `webhook.test` event to this endpoint (whatever its filter)",
        request=None,
        responses={
            202: DeliverySerializer,
            **error_responses(**BODY_ERRORS, e404=["WEBHOOK_NOT_FOUND"]),
        },
    )
    def post(self, request: Request, webhook_id: int) -> Response:
        endpoint = self.endpoint(webhook_id)
        if self.json_body():
            raise serializers.ValidationError({"body": ["This call takes no body."]})
        delivery = services.send_test(endpoint)
        return Response(DeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)


class WebhookDeliveriesView(_WebhookView):
    required_scopes = {"GET": SCOPE}

    @extend_schema(
        operation_id="listWebhookDeliveries",
        summary="The endpoint's deliveries, newest first",
        parameters=[DeliveryListQuerySerializer],
        responses={
            200: DeliveryListSerializer,
            **error_responses(e400=["VALIDATION_ERROR"], e404=["WEBHOOK_NOT_FOUND"]),
        },
    )
    def get(self, request: Request, webhook_id: int) -> Response:
        endpoint = self.endpoint(webhook_id)
        params = self.query(DeliveryListQuerySerializer)
        deliveries = endpoint.deliveries.all()
        if params.get("status"):
            deliveries = deliveries.filter(status=params["status"])
        return paginated_response(
            deliveries,
            request,
            items_key="deliveries",
            item_serializer=DeliverySerializer,
            query=params,
        )
