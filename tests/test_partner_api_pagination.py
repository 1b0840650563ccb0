"""magiclinks.partner_api.pagination: the contract's page body on every list, strict bounds."""

import pytest

from magiclinks.partner_api.pagination import DEFAULT_LIMIT, MAX_LIMIT
from tests.partner_api_support import error_of

pytest_plugins = ["tests.partner_api_fixtures"]
pytestmark = pytest.mark.django_db


def test_bounds_are_the_contracts():
    assert (DEFAULT_LIMIT, MAX_LIMIT) == (50, 100)


def test_pages_walk_the_list_and_end_with_has_more_false(tenant, make):
    for index in range(4):
        make.account(partner=tenant.partner, primary=make.user(f"p{index}@example.com"))
    seen = []
    for offset in (0, 2, 4):
        body = tenant.api.get("/accounts", {"limit": 2, "offset": offset}).json()
        assert set(body) == {"accounts", "total_count", "has_more"}
        assert body["total_count"] == 5
        assert body["has_more"] is (offset + 2 < 5)
        seen += [account["id"] for account in body["accounts"]]
    assert len(seen) == len(set(seen)) == 5


def test_an_offset_past_the_end_is_an_empty_page_not_an_error(tenant):
    body = tenant.api.get("/accounts", {"offset": 10}).json()
    assert body == {"accounts": [], "total_count": 1, "has_more": False}


@pytest.mark.parametrize(
    "path", ["/accounts", "/accounts/{id}/login-links", "/accounts/{id}/activity"]
)
def test_every_list_refuses_a_limit_drf_would_clamp(tenant, path):
    path = path.format(id=tenant.account.pk)
    # DRF's LimitOffsetPagination alone would serve 100 items for limit=101 and the default
    # for limit=0; the contract answers 400 for both.
    for limit in (0, MAX_LIMIT + 1):
        response = tenant.api.get(path, {"limit": limit})
        assert error_of(response) == (400, "VALIDATION_ERROR")
        assert list(response.json()["error"]["details"]["fields"]) == ["limit"]


def test_bad_page_and_filter_parameters_are_reported_together(tenant):
    response = tenant.api.get("/accounts", {"limit": 0, "status": "gone"})
    assert sorted(response.json()["error"]["details"]["fields"]) == ["limit", "status"]
