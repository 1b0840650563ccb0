"""/admin/users: create, list, get, update, delete (service key or service_role JWT only)."""

from django.http import JsonResponse
from rest_framework.request import Request

from ..flows import admin_users
from ..pagination import GoTruePagination
from ..representations import user_json
from ..serializers import (
    CreateUserSerializer,
    DeleteUserSerializer,
    ListUsersSerializer,
    UserAttributesSerializer,
    UserIdSerializer,
)
from .base import GoTrueView


class AdminUsersView(GoTrueView):
    admin_only = True
    pagination_class = GoTruePagination

    def get(self, request: Request) -> JsonResponse:
        paginator = self.pagination_class()
        paginator.read_params(request)  # page and per_page are checked before the filter
        email_filter = self.validated(ListUsersSerializer, request.query_params)
        page = paginator.paginate_queryset(
            admin_users.listed_users(email_filter), request, view=self
        )
        return paginator.get_paginated_response([user_json(user) for user in page])

    def post(self, request: Request) -> JsonResponse:
        changes = self.validated(CreateUserSerializer, self.body())
        return JsonResponse(user_json(admin_users.create_user(changes, actor=self.actor)))


class AdminUserView(GoTrueView):
    admin_only = True

    def _user(self, user_id: str):
        return admin_users.get_user(self.validated(UserIdSerializer, {"user_id": user_id}))

    def get(self, request: Request, user_id: str) -> JsonResponse:
        return JsonResponse(user_json(self._user(user_id)))

    def put(self, request: Request, user_id: str) -> JsonResponse:
        user = self._user(user_id)
        changes = self.validated(UserAttributesSerializer, self.body())
        return JsonResponse(user_json(admin_users.update_user(user, changes, actor=self.actor)))

    def delete(self, request: Request, user_id: str) -> JsonResponse:
        user = self._user(user_id)
        soft = self.validated(DeleteUserSerializer, self.body())
        admin_users.delete_user(user, soft=soft, actor=self.actor)
        return JsonResponse({})
