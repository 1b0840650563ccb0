"""The Partner API's key authentication: under /accounts/{id}, the key and the account it asks
for are read in one statement (queries.key_and_account) instead of two, one round trip fewer
for every account endpoint. What is checked, and how, is accounts.authentication's: this only
changes how the key's row is read."""

from rest_framework.request import Request

from accounts.authentication import PartnerKeyAuthentication
from accounts.models import PartnerApiKey

from . import queries


class PartnerKeyAndAccountAuthentication(PartnerKeyAuthentication):
    def find_key(self, request: Request, digest: str) -> PartnerApiKey | None:
        account_id = (request.parser_context or {}).get("kwargs", {}).get("account_id")
        if account_id is None:
            return super().find_key(request, digest)
        key, account = queries.key_and_account(digest, account_id)
        # Security: the account was joined on the key's partner, so it is that partner's or
        # None; it is used only once the key passed every check (PartnerApiView.account reads
        # it after authentication), never for a refused key.
        request._request.partner_account = queries.LoadedAccount(account_id, account)
        return key
