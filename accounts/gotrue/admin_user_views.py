"""/admin/users: create, list, get, update, delete (service key or service_role JWT only)."""

from django.http import JsonResponse
from rest_framework.request import Request

from . import users
from .base import GoTrueView
from .user_json import AUDIENCE, user_json


class AdminUsersView(GoTrueView):
    admin_only = True

    def get(self, request: Request) -> JsonResponse:
        page = users.list_users(
            request.query_params.get("page"),
            request.query_params.get("per_page"),
            request.query_params.get("filter"),
        )
        response = JsonResponse(
            {"aud": AUDIENCE, "users": [user_json(user) for user in page.users]}
        )
        response["x-total-count"] = str(page.total)
        response["link"] = _link_header(request.path, page)
        return response

    def post(self, request: Request) -> JsonResponse:
        return JsonResponse(user_json(users.create_user(self.body(), actor=self.actor)))


def _link_header(path: str, page: users.UserPage) -> str:
    """GoTrue's pagination header: rel="next" while there is one, always rel="last"."""
    links = []
    if page.page < page.last_page:
        links.append(f'<{path}?page={page.page + 1}&per_page={page.per_page}>; rel="next"')
    links.append(f'<{path}?page={page.last_page}&per_page={page.per_page}>; rel="last"')
    return ", ".join(links)


class AdminUserView(GoTrueView):
    admin_only = True

    def get(self, request: Request, user_id: str) -> JsonResponse:
        return JsonResponse(user_json(users.get_user(user_id)))

    def put(self, request: Request, user_id: str) -> JsonResponse:
        user = users.get_user(user_id)
        return JsonResponse(user_json(users.update_user(user, self.body(), actor=self.actor)))

    def delete(self, request: Request, user_id: str) -> JsonResponse:
        user = users.get_user(user_id)
        soft = users.parse_soft_delete(self.body())
        users.delete_user(user, soft=soft, actor=self.actor)
        return JsonResponse({})
