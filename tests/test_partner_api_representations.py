"""magiclinks.partner_api.representations: the login-link response written out
(login_link_json) is, for every kind of result, exactly what LoginLinkSerializer, the OpenAPI
description of it, gives."""

import pytest

from audit.actors import Actor
from magiclinks.flows.partner_link import PartnerLinkOptions, generate_partner_link
from magiclinks.partner_api.representations import LoginLinkSerializer, login_link_json

OPTIONS = {
    "defaults, emailed": PartnerLinkOptions(),
    "silent": PartnerLinkOptions(send_notification=False),
    "purpose, redirect, short": PartnerLinkOptions(
        purpose="support_request",
        redirect_url="https://yourplatform.com/help",
        expiry_hours=2,
        send_notification=False,
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", OPTIONS)
def test_the_written_out_response_is_the_serializers(make, case):
    account = make.account()
    generate_partner_link(account, PartnerLinkOptions(), actor=Actor.system())  # superseded next
    result = generate_partner_link(account, OPTIONS[case], actor=Actor.system())
    assert result.invalidated_count == 1

    written = login_link_json(result)

    assert written == LoginLinkSerializer(result).data
    assert list(written) == list(LoginLinkSerializer().fields)  # the documented order too
