"""ratelimits.table: effective rates (defaults, RATE_LIMITS, legacy variables, partner
overrides) and the start-up check of RATE_LIMITS."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from ratelimits.table import LIMITS, check_settings, rate


def test_every_limit_the_service_counted_before_is_declared_with_its_old_default():
    expected = {
        "partner.key.minute": (100, 60),
        "partner.key.day": (10_000, 86_400),
        "partner.account.hour": (10, 3600),
        "auth.verify.ip": (30, 300),
        "auth.verify.address": (10, 300),
        "auth.otp.ip": (30, 3600),
        "auth.otp.address": (1, 60),
        "auth.recover.ip": (30, 3600),
        "auth.recover.address": (1, 60),
        "auth.resend.ip": (30, 3600),
        "auth.resend.address": (1, 60),
        "auth.signup.ip": (30, 3600),
        "auth.signup.address": (1, 60),
        "auth.password.ip": (30, 300),
        "auth.password.address": (10, 300),
        "auth.reauthenticate.user": (1, 60),
        "browser.link_confirm.ip": (30, 60),
        "browser.fresh_link.ip": (10, 3600),
        "browser.fresh_link.address": (3, 3600),
        "browser.password_login.ip": (30, 300),
        "browser.password_login.address": (10, 900),
        "browser.password_reset.ip": (10, 3600),
        "browser.password_reset.address": (3, 3600),
        "browser.reset_confirm.ip": (30, 60),
    }
    assert {name: rate(name) for name in LIMITS} == expected
    assert all(limit.protects and limit.key for limit in LIMITS.values())


def test_rate_limits_overrides_a_limit_as_json_text_or_dict():
    with override_settings(RATE_LIMITS='{"browser.link_confirm.ip": "60/120"}'):
        assert rate("browser.link_confirm.ip") == (60, 120)
        assert rate("browser.fresh_link.ip") == (10, 3600)
    with override_settings(RATE_LIMITS={"partner.key.day": " 5 / 86400 "}):
        assert rate("partner.key.day") == (5, 86_400)


def test_legacy_variables_and_partner_overrides_still_apply():
    with override_settings(ADMIN_API_VERIFY_PER_IP_PER_5_MINUTES=3):
        assert rate("auth.verify.ip") == (3, 300)
        with override_settings(RATE_LIMITS={"auth.verify.ip": "7/300"}):
            assert rate("auth.verify.ip") == (7, 300)  # RATE_LIMITS wins over the old variable
    with override_settings(RATE_LIMITS={"partner.key.minute": "50/60"}):
        assert rate("partner.key.minute", override=500) == (500, 60)  # the partner's own count


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ('{"browser.link_confrm.ip": "60/60"}', "unknown limit browser.link_confrm.ip"),
        ('{"browser.link_confirm.ip": "60 per minute"}', "'60 per minute' is not a rate"),
        ('{"browser.link_confirm.ip": "60/0"}', "is not a rate"),
        ('{"browser.link_confirm.ip": 60}', "is not a rate"),
        ('["browser.link_confirm.ip"]', "must be a JSON object"),
        ("{not json", "not valid JSON"),
    ],
)
def test_a_bad_rate_limits_stops_the_start_with_a_clear_message(raw, message):
    with override_settings(RATE_LIMITS=raw), pytest.raises(ImproperlyConfigured, match=message):
        check_settings()


def test_the_app_checks_rate_limits_at_start_up():
    from django.apps import apps

    with override_settings(RATE_LIMITS='{"nope": "1/1"}'), pytest.raises(ImproperlyConfigured):
        apps.get_app_config("ratelimits").ready()
