"""An account's activity feed (audit events), newest first, filtered and paged."""

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from audit.activity import ActivityEventSerializer, account_activity

from .base import PartnerApiView
from .pagination import paginated_response
from .representations import ActivitySerializer
from .schema import error_responses
from .serializers import ActivityQuerySerializer


class ActivityView(PartnerApiView):
    required_scopes = {"GET": "activity:read"}

    @extend_schema(
        operation_id="accountActivity",
        summary="The account's activity (audit events), newest first",
        parameters=[ActivityQuerySerializer],
        responses={
            200: ActivitySerializer,
            **error_responses(e400=["VALIDATION_ERROR"], e404=["ACCOUNT_NOT_FOUND"]),
        },
    )
    def get(self, request: Request, account_id: int) -> Response:
        account = self.account(account_id)
        params = self.query(ActivityQuerySerializer)
        events = account_activity(account.pk, event=params.get("event"), since=params.get("since"))
        return paginated_response(
            events,
            request,
            items_key="events",
            item_serializer=ActivityEventSerializer,
            query=params,
        )
