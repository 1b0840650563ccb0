"""audit.admin_read_only.ReadOnlyAdminMixin: the screens of records that only services write
(audit events, login links, outbox rows and the inlines listing rows of a parent) refuse add,
change and delete to everybody, superusers included."""

import pytest
from django.contrib import admin
from django.test import RequestFactory

from accounts.models import Account, User
from audit.admin_read_only import ReadOnlyAdminMixin
from audit.models import AuditEvent
from magiclinks.models import LoginLink, Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_request(make):
    request = RequestFactory().get("/admin/")
    request.user = make.user(is_staff=True, is_superuser=True)
    return request


@pytest.mark.parametrize("model", [AuditEvent, LoginLink, Notification])
def test_read_only_model_admins_refuse_every_write_even_to_superusers(superuser_request, model):
    model_admin = admin.site._registry[model]
    assert isinstance(model_admin, ReadOnlyAdminMixin)
    assert model_admin.has_view_permission(superuser_request)
    assert not model_admin.has_add_permission(superuser_request)
    assert not model_admin.has_change_permission(superuser_request)
    assert not model_admin.has_delete_permission(superuser_request)


@pytest.mark.parametrize("parent", [Account, User, LoginLink])
def test_inlines_of_service_written_rows_are_read_only(superuser_request, parent):
    model_admin = admin.site._registry[parent]
    inlines = [
        inline
        for inline in model_admin.get_inline_instances(superuser_request, parent())
        if isinstance(inline, ReadOnlyAdminMixin)
    ]
    assert inlines, f"{parent.__name__} has no read-only inline"
    for inline in inlines:
        assert inline.has_view_permission(superuser_request)
        assert not inline.has_add_permission(superuser_request, None)
        assert not inline.has_change_permission(superuser_request)
        assert not inline.has_delete_permission(superuser_request)


def test_the_changelist_offers_no_add_button(client, make):
    client.force_login(make.user(is_staff=True, is_superuser=True))
    for url in ("/admin/audit/auditevent/", "/admin/magiclinks/loginlink/"):
        response = client.get(url)
        assert response.status_code == 200
        assert f'href="{url}add/"' not in response.text
    assert client.get("/admin/magiclinks/loginlink/add/").status_code == 403
