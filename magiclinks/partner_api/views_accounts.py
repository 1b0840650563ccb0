"""Accounts and their users: create, list, retrieve, add users, list users."""

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from audit.actors import Actor

from ..flows.add_user import add_user
from ..flows.create_account import create_account
from . import queries
from .base import PartnerApiView
from .pagination import paginated_response
from .representations import (
    AccountListSerializer,
    AccountSerializer,
    AddedUserSerializer,
    CreatedAccountSerializer,
    UserListSerializer,
    represent,
)
from .schema import BODY_ERRORS, error_responses
from .serializers import AccountListQuerySerializer, AddUserSerializer, CreateAccountSerializer

ACCOUNT_404 = {"e404": ["ACCOUNT_NOT_FOUND"]}
_LINK = "https://login.example.com/auth/partner-login/3q2-7wEjvZ0c8yQ5lE7pq2bX0m3a1Yt9uKkWfT4oR8s"


class AccountsView(PartnerApiView):
    required_scopes = {"GET": "accounts:read", "POST": "accounts:write"}

    @extend_schema(
        operation_id="listAccounts",
        summary="List this partner's accounts",
        parameters=[AccountListQuerySerializer],
        responses={200: AccountListSerializer, **error_responses(e400=["VALIDATION_ERROR"])},
    )
    def get(self, request: Request) -> Response:
        params = self.query(AccountListQuerySerializer)
        accounts = queries.partner_accounts(
            self.key.partner, status=params.get("status"), email=params.get("email")
        )
        return paginated_response(
            accounts, request, items_key="accounts", item_serializer=AccountSerializer, query=params
        )

    @extend_schema(
        operation_id="createAccount",
        summary="Create an account with its primary user (and optional spouse)",
        request=CreateAccountSerializer,
        responses={
            201: CreatedAccountSerializer,
            **error_responses(
                **BODY_ERRORS, e409=["ACCOUNT_EXISTS", "USER_EXISTS", "EMAIL_IN_USE"]
            ),
        },
        examples=[
            OpenApiExample(
                "With spouse",
                request_only=True,
                value={
                    "email": "john.doe@example.com",
                    "first_name": "John",
                    "last_name": "Doe",
                    "spouse": {
                        "email": "jane.doe@example.com",
                        "first_name": "Jane",
                        "last_name": "Doe",
                        "send_invitation": True,
                    },
                    "send_notification": False,
                },
            ),
            OpenApiExample(
                "Created",
                response_only=True,
                status_codes=["201"],
                value={
                    "id": 12345,
                    "status": "onboarding",
                    "email": "john.doe@example.com",
                    "first_name": "John",
                    "last_name": "Doe",
                    "login_link": _LINK,
                    "login_link_expires_at": "2026-01-22T10:30:00.000000Z",
                    "created_at": "2026-01-15T10:30:00.000000Z",
                },
            ),
        ],
    )
    def post(self, request: Request) -> Response:
        body = CreateAccountSerializer(data=self.json_body())
        body.is_valid(raise_exception=True)
        created = create_account(
            self.key.partner,
            actor=Actor.partner(self.key.partner),
            primary=body.primary(),
            spouse=body.spouse_person(),
        )
        return Response(CreatedAccountSerializer(created).data, status=status.HTTP_201_CREATED)


class AccountDetailView(PartnerApiView):
    required_scopes = {"GET": "accounts:read"}

    @extend_schema(
        operation_id="retrieveAccount",
        summary="Retrieve an account with its users",
        responses={200: AccountSerializer, **error_responses(**ACCOUNT_404)},
    )
    def get(self, request: Request, account_id: int) -> Response:
        return Response(represent(AccountSerializer, self.account(account_id)))


class AccountUsersView(PartnerApiView):
    required_scopes = {"GET": "accounts:read", "POST": "accounts:write"}

    @extend_schema(
        operation_id="listUsers",
        summary="List the users on an account",
        responses={200: UserListSerializer, **error_responses(**ACCOUNT_404)},
    )
    def get(self, request: Request, account_id: int) -> Response:
        account = self.account(account_id)
        return Response(represent(UserListSerializer, {"users": account.memberships.all()}))

    @extend_schema(
        operation_id="addUser",
        summary="Add a spouse or additional user (with a 7-day login link)",
        request=AddUserSerializer,
        responses={
            201: AddedUserSerializer,
            **error_responses(
                **BODY_ERRORS,
                **ACCOUNT_404,
                e403=["ACCOUNT_SUSPENDED"],
                e409=["USER_EXISTS", "EMAIL_IN_USE"],
            ),
        },
        examples=[
            OpenApiExample(
                "Additional user",
                request_only=True,
                value={
                    "email": "alex.doe@example.com",
                    "first_name": "Alex",
                    "last_name": "Doe",
                    "role": "additional",
                    "send_invitation": True,
                },
            )
        ],
    )
    def post(self, request: Request, account_id: int) -> Response:
        account = self.account(account_id)
        body = AddUserSerializer(data=self.json_body())
        body.is_valid(raise_exception=True)
        added = add_user(
            account, body.person(), role=body.member_role(), actor=Actor.partner(self.key.partner)
        )
        return Response(AddedUserSerializer(added).data, status=status.HTTP_201_CREATED)
