"""Finding 1 (high), through Django's own user admin: `accounts.change_user` must not be a way to
take over, or become, a staff member or superuser.

Whoever may edit users could otherwise set a superuser's password on the admin's password page,
or tick "superuser status" on anybody (themselves through a colleague, or a throwaway user they
then sign in as). A non-superuser may edit only people who are neither staff nor superuser, and
never the permission fields.
"""

import pytest
from django.urls import reverse

from accounts.models import User

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Taken-0ver-by-support!"


@pytest.fixture
def user_editor(client, make):
    """Staff who may view and change users, and nothing else."""
    editor = make.staff("accounts.view_user", "accounts.change_user")
    client.force_login(editor)
    return editor


def _change_form(user: User, **overrides) -> dict:
    data = {
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "is_active": "on",
        "user_metadata": "{}",
        "app_metadata": "{}",
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
    }
    data.update(overrides)
    return data


def test_user_editor_cannot_set_a_superusers_password(client, user_editor):
    boss = User.objects.create_superuser("boss@example.com", password="boss-Passw0rd-long")
    url = reverse("admin:auth_user_password_change", args=[boss.pk])
    response = client.post(url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 403
    boss.refresh_from_db()
    assert not boss.check_password(NEW_PASSWORD)
    client.logout()
    assert not client.login(username="boss@example.com", password=NEW_PASSWORD)


def test_user_editor_cannot_edit_a_staff_member(client, make, user_editor):
    colleague = make.staff(email="colleague@example.com")
    url = reverse("admin:accounts_user_change", args=[colleague.pk])
    response = client.post(url, _change_form(colleague, email="mine@example.com"))
    assert response.status_code == 403
    colleague.refresh_from_db()
    assert colleague.email == "colleague@example.com"


@pytest.mark.parametrize("flag", ["is_superuser", "is_staff"])
def test_user_editor_cannot_grant_privileges(client, make, user_editor, flag):
    throwaway = make.user(email="throwaway@example.com")
    url = reverse("admin:accounts_user_change", args=[throwaway.pk])
    response = client.post(url, _change_form(throwaway, **{flag: "on"}))
    assert response.status_code == 302  # the form is allowed; the flag is read-only
    throwaway.refresh_from_db()
    assert not getattr(throwaway, flag)


def test_user_editor_still_edits_ordinary_users(client, make, user_editor):
    person = make.user(email="person@example.com")
    url = reverse("admin:accounts_user_change", args=[person.pk])
    response = client.post(url, _change_form(person, first_name="Renamed"))
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.first_name == "Renamed"


def test_a_superuser_still_grants_privileges(client, make):
    root = User.objects.create_superuser("root@example.com", password="root-Passw0rd-long")
    client.force_login(root)
    person = make.user(email="person@example.com")
    url = reverse("admin:accounts_user_change", args=[person.pk])
    response = client.post(url, _change_form(person, is_staff="on"))
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.is_staff
