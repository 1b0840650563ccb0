"""Request validation of the Admin API: one DRF serializer per request body or query, at the edge.

Each serializer checks the form of its input (supabase_api.fields) in GoTrue's order and its
`validate()` returns the typed value the flow takes (a frozen dataclass of supabase_api.flows),
so nothing is validated twice and no flow sees a raw body. Like GoTrue, which answers one
message per refusal, validation stops at the first error (`GoTrueSerializer`); the view turns it
into 400 `validation_failed` with that message (supabase_api.errors). The OpenAPI schema
documents the request bodies with these same serializers (supabase_api.schema).
"""

import re
from dataclasses import dataclass, replace

from django.conf import settings
from rest_framework import serializers
from rest_framework.fields import SkipField

from config.serializers import CheaplyCopiedFields
from magiclinks.models import LinkKind

from . import fields
from .flows.admin_links import (
    EMAIL_CHANGE_TYPES,
    LINK_TYPES,
    MAX_EXPIRES_IN,
    MIN_EXPIRES_IN,
    LinkRequest,
    default_lifetime,
)
from .flows.admin_users import UserChanges
from .flows.own_user import OwnChanges
from .flows.password import PasswordSignIn
from .flows.pkce import CHALLENGE_METHODS, PkceChallenge
from .flows.resend import RESEND_TYPES, ResendRequest
from .flows.signup import SignupRequest
from .flows.verify import VERIFY_TYPES
from .representations import ADMIN_ROLES
from .sessions import LOGOUT_SCOPES
from .storable import storable

MAX_TOKEN_LENGTH = 256
# A Postgres role name (what upstream's role is): at most 63 bytes.
ROLE_SHAPE = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]{0,62}$")
UNSUPPORTED_TYPE = "Unsupported verification type (one of {choices})"


class GoTrueSerializer(CheaplyCopiedFields):
    """Fields are validated in declaration order and the first error stops the validation.

    `self.so_far` holds the values validated before the current field, for the serializers
    whose later fields depend on earlier ones (`skip(name)` leaves a field out, e.g. new_email
    unless the link is an email change). `validate()` returns the flow's typed input."""

    def skip(self, name: str) -> bool:
        return False

    def to_internal_value(self, data) -> dict:
        # Replaces DRF's loop, which collects every field's errors, to stop at the first.
        self.so_far: dict = {}
        for field in self._writable_fields:
            if self.skip(field.field_name):
                continue
            try:
                value = field.run_validation(field.get_value(data))
            except SkipField:
                continue
            check = getattr(self, f"validate_{field.field_name}", None)
            self.so_far[field.field_name] = check(value) if check else value
        return self.so_far

    def given(self, name: str) -> bool:
        """Whether the body has the key `name` at all (even with null)."""
        return name in self.initial_data


def requested_redirect(query, body: dict) -> object:
    """`redirect_to` from the query (both clients), else the body (auth-js's `redirectTo`)."""
    return query.get("redirect_to") or body.get("redirect_to") or body.get("redirectTo")


EMAIL_CHANGE_AMBIGUOUS = (
    "Invalid email action link type requested: email_change. Use email_change_current (a link "
    "sent to the current address) or email_change_new (a link sent to the new address)"
)


class LinkType(fields.Choice):
    """generate_link's `type`. `email_change` (the verify type, and the name the product's docs
    use) is refused with a message naming the two link types rather than aliased to one: the
    two links go to different mailboxes and prove different things, and guessing the wrong one
    would be silent (docs/admin-api.md)."""

    def to_internal_value(self, data) -> str:
        if data == "email_change":
            self.refuse(EMAIL_CHANGE_AMBIGUOUS)
        return super().to_internal_value(data)


# RFC 7636 §4.2, as supabase/auth internal/api/pkce.go checks it.
MIN_CODE_CHALLENGE, MAX_CODE_CHALLENGE = 43, 128
_UNRESERVED = re.compile(r"^[A-Za-z0-9._~-]+$")
PKCE_PARAMS_MESSAGE = "PKCE flow requires code_challenge_method and code_challenge"


def pkce_challenge(challenge: object, method: object) -> PkceChallenge | None:
    """The challenge of a request that emails a link, or None (implicit flow): both or neither,
    43–128 unreserved characters, method S256 or plain (any case, as upstream)."""
    if not challenge and not method:
        return None
    if not challenge or not method:
        raise serializers.ValidationError(PKCE_PARAMS_MESSAGE)
    if not isinstance(challenge, str) or not isinstance(method, str):
        raise serializers.ValidationError("code_challenge and code_challenge_method are strings")
    if not MIN_CODE_CHALLENGE <= len(challenge) <= MAX_CODE_CHALLENGE:
        raise serializers.ValidationError(
            f"code challenge has to be between {MIN_CODE_CHALLENGE} and {MAX_CODE_CHALLENGE} "
            "characters"
        )
    if not _UNRESERVED.match(challenge):
        raise serializers.ValidationError(
            "code challenge can only contain alphanumeric characters, hyphens, periods, "
            "underscores and tildes"
        )
    if method.lower() not in CHALLENGE_METHODS:
        raise serializers.ValidationError("unsupported code challenge method: use S256 or plain")
    return PkceChallenge(challenge=challenge, method=method.lower())


class PkceFields(GoTrueSerializer):
    """`code_challenge` + `code_challenge_method` of the requests that email a link."""

    code_challenge = fields.Raw(help_text="PKCE: the challenge (43-128 characters).")
    code_challenge_method = fields.Raw(
        schema={"type": "string", "enum": ["s256", "plain", "S256"]}, help_text="S256 or plain."
    )

    def get_fields(self) -> dict:
        # Last, after the request's own fields (DRF would put a base class's fields first).
        declared = super().get_fields()
        for name in ("code_challenge", "code_challenge_method"):
            declared[name] = declared.pop(name)
        return declared

    def pkce(self, attrs: dict) -> PkceChallenge | None:
        return pkce_challenge(attrs.get("code_challenge"), attrs.get("code_challenge_method"))


class LinkSerializer(GoTrueSerializer):
    """POST /admin/generate_link, in Supabase's order: the email first (required, valid, ≤ 255),
    then the type, then the rest. `redirect_to` is the requested redirect (requested_redirect)."""

    email = fields.EmailAddress()
    type = LinkType(
        LINK_TYPES,
        message="Invalid email action link type requested: {value} (one of {choices})",
        required=True,
        help_text="The kind of link.",
    )
    password = fields.Text(help_text="Signup only: the new user's password.")
    new_email = fields.EmailAddress(help_text="Email changes only: the new address.")
    data = fields.JsonObject(help_text="user_metadata of a user the link creates.")
    redirect_to = fields.RedirectTo(
        help_text="On SITE_URL or matching REDIRECT_ALLOW_LIST; empty means SITE_URL."
    )
    expires_in = fields.Seconds(
        minimum=MIN_EXPIRES_IN,
        maximum=MAX_EXPIRES_IN,
        help_text="Link lifetime in seconds (default ADMIN_LINK_DEFAULT_SECONDS, 1 hour).",
    )

    def skip(self, name: str) -> bool:
        return name == "new_email" and self.so_far.get("type") not in EMAIL_CHANGE_TYPES

    def validate_new_email(self, value: str) -> str:
        if value == self.so_far["email"]:
            raise serializers.ValidationError("new_email is the user's current address")
        return value

    def validate(self, attrs: dict) -> LinkRequest:
        return LinkRequest(
            type=attrs.get("type", self.default_type),
            email=attrs["email"],
            password=attrs.get("password") or None,
            new_email=attrs.get("new_email", ""),
            data=attrs.get("data"),
            redirect_to=attrs["redirect_to"],
            lifetime=attrs.get("expires_in") or default_lifetime(),
        )

    default_type = None


class InviteSerializer(LinkSerializer):
    """POST /invite: an invite link (other link fields are ignored)."""

    type = password = new_email = expires_in = None
    default_type = LinkKind.INVITE


class OtpSerializer(PkceFields, LinkSerializer):
    """POST /otp: a magic link (or a signup link for a new address)."""

    type = password = new_email = expires_in = None
    create_user = fields.Flag(help_text="Sign a new address up (default true).")
    default_type = LinkKind.MAGICLINK

    def validate(self, attrs: dict) -> tuple[LinkRequest, bool]:
        """The link request, and whether a new address may be signed up (the clients' default:
        yes)."""
        create_user = attrs.get("create_user")
        link_request = replace(super().validate(attrs), pkce=self.pkce(attrs))
        return link_request, True if create_user is None else create_user


class RecoverSerializer(PkceFields, LinkSerializer):
    """POST /recover: a recovery link."""

    type = password = new_email = expires_in = data = None
    default_type = LinkKind.RECOVERY

    def validate(self, attrs: dict) -> LinkRequest:
        return replace(super().validate(attrs), pkce=self.pkce(attrs))


class SignupSerializer(PkceFields):
    """POST /signup: email + password, `data`, the redirect; `gotrue_meta_security` (captcha)
    is ignored (no captcha provider here: docs/admin-api.md)."""

    email = fields.EmailAddress()
    password = fields.Text(required=True)
    data = fields.JsonObject(help_text="The new user's user_metadata.")
    redirect_to = fields.RedirectTo(help_text="Where the confirmation link leads.")

    def validate(self, attrs: dict) -> SignupRequest:
        if not attrs.get("password"):
            raise serializers.ValidationError("Signup requires a valid password")
        return SignupRequest(
            email=attrs["email"],
            password=attrs["password"],
            data=attrs.get("data") or {},
            redirect_to=attrs["redirect_to"],
            pkce=self.pkce(attrs),
        )


class ResendSerializer(PkceFields):
    """POST /resend, in upstream's order: the type, then the address."""

    type = fields.Choice(
        RESEND_TYPES,
        message="Missing one of these types: " + ", ".join(RESEND_TYPES),
        required=True,
    )
    email = fields.EmailAddress(required=False)
    phone = fields.Raw(help_text="sms and phone_change: not supported here.")
    redirect_to = fields.RedirectTo(help_text="Where the new link leads.")

    def validate(self, attrs: dict) -> ResendRequest:
        resend_type = attrs["type"]
        if resend_type in ("sms", "phone_change"):
            return ResendRequest(type=resend_type)
        if not attrs.get("email"):
            raise serializers.ValidationError("Type provided requires an email address")
        return ResendRequest(
            type=resend_type,
            email=attrs["email"],
            redirect_to=attrs["redirect_to"],
            pkce=self.pkce(attrs),
        )


@dataclass(frozen=True)
class VerifyRequest:
    """A validated POST /verify: exactly one of token_hash, (email + token) or token is used."""

    type: str
    token_hash: object = None
    email: str = ""
    token: object = None


class VerifySerializer(GoTrueSerializer):
    """POST /verify (the clients' verify_otp), checked in the order the view used to (GoTrue's:
    the address before the type, for a code)."""

    type = fields.Raw(required=True, schema={"type": "string", "enum": list(VERIFY_TYPES)})
    token_hash = fields.Raw(help_text="The hashed_token generate_link returned.")
    email = fields.Raw(
        schema=fields.EmailAddress.schema, help_text="With token: the address of the code."
    )
    token = fields.Raw(help_text="The 6-digit code (with email), or the link's token.")

    def _type(self, value: object) -> str:
        if value not in VERIFY_TYPES:
            raise serializers.ValidationError(
                UNSUPPORTED_TYPE.format(choices=", ".join(VERIFY_TYPES))
            )
        return value

    def validate(self, attrs: dict) -> VerifyRequest:
        verify_type = attrs.get("type")
        if not verify_type:
            raise serializers.ValidationError("Verify requires a verification type")
        token_hash, token, email = attrs.get("token_hash"), attrs.get("token"), attrs.get("email")
        if token_hash:
            return VerifyRequest(type=self._type(verify_type), token_hash=token_hash)
        if token and email:
            address = fields.EmailAddress(name="email").run_validation(email)
            return VerifyRequest(type=self._type(verify_type), email=address, token=token)
        if token:
            # Supabase's older form: {token, type} with the link token itself.
            return VerifyRequest(type=self._type(verify_type), token=token)
        raise serializers.ValidationError(
            "Verify requires either a token and email, or a token_hash"
        )


@dataclass(frozen=True)
class ActionLink:
    """GET /verify's query or the confirmation form: the link's token and type."""

    type: str
    token: str
    redirect_to: object  # as requested: used only through redirect_or_site_url


class ActionLinkSerializer(GoTrueSerializer):
    type = fields.Raw(help_text="One of " + ", ".join(VERIFY_TYPES) + ".")
    token = fields.Raw(help_text="The link's token.")
    redirect_to = fields.Raw(help_text="Where the browser goes after verification.")

    def validate(self, attrs: dict) -> ActionLink:
        verify_type, token = attrs.get("type"), attrs.get("token")
        if not verify_type:
            raise serializers.ValidationError("Verify requires a verification type")
        if verify_type not in VERIFY_TYPES:
            raise serializers.ValidationError(
                UNSUPPORTED_TYPE.format(choices=", ".join(VERIFY_TYPES))
            )
        if not token:
            raise serializers.ValidationError("Verify requires a token or a token hash")
        if not isinstance(token, str) or not storable(token) or len(token) > MAX_TOKEN_LENGTH:
            raise serializers.ValidationError("The token is malformed")
        return ActionLink(type=verify_type, token=token, redirect_to=attrs.get("redirect_to"))


class UserAttributesSerializer(GoTrueSerializer):
    """PUT /admin/users/{id}. Every field is optional; null means "leave as it is"."""

    email = fields.EmailAddress(required=False)
    password = fields.Text()
    user_metadata = fields.JsonObject()
    # `data` is user_metadata's other name (auth-js), read only when user_metadata is absent.
    data = fields.JsonObject()
    app_metadata = fields.JsonObject()
    email_confirm = fields.Flag()
    ban_duration = fields.GoDuration(help_text='"none" or a Go duration such as "24h" or "1h30m".')
    role = fields.Text(help_text="The access token's `role` claim (default authenticated).")

    def validate_role(self, value: str | None) -> str | None:
        role = (value or "").strip()  # upstream's SetRole trims it; null leaves it as it is
        if not role:
            return None  # upstream: an empty role leaves it as it is
        if not ROLE_SHAPE.match(role):
            raise serializers.ValidationError(
                "role must be a Postgres role name: a letter or _, then letters, digits, _ or $ "
                "(at most 63)"
            )
        if role in ADMIN_ROLES:
            # Security (deviation from upstream, which accepts it): a user's access token lives
            # in a browser; with an admin role it would be accepted as an Admin API credential
            # (supabase_api.auth.authorise_admin) and could administer every user.
            raise serializers.ValidationError(f"role {role} is an admin role; not for users")
        return role

    def skip(self, name: str) -> bool:
        return name == "data" and self.given("user_metadata")

    def validate(self, attrs: dict) -> UserChanges:
        ban = attrs.get("ban_duration")
        return UserChanges(
            id=attrs.get("id"),
            email=attrs.get("email"),
            password=attrs.get("password"),
            user_metadata=attrs.get("user_metadata", attrs.get("data")),
            app_metadata=attrs.get("app_metadata"),
            email_confirm=bool(attrs.get("email_confirm")),
            role=attrs.get("role"),
            unban=ban == fields.UNBAN,
            ban=None if ban in (None, fields.UNBAN) else ban,
            named=tuple(sorted(k for k, v in self.initial_data.items() if v is not None)),
        )


class CreateUserSerializer(UserAttributesSerializer):
    """POST /admin/users: as the update, with the email required and an optional id."""

    id = fields.Uuid()
    email = fields.EmailAddress()

    def get_fields(self) -> dict:
        # The id is checked before everything else (DRF would put it after the inherited ones).
        declared = super().get_fields()
        return {"id": declared.pop("id"), **declared}


class DeleteUserSerializer(GoTrueSerializer):
    should_soft_delete = fields.Flag(
        help_text="Soft delete as Supabase: deleted_at set, address obfuscated (reusable), "
        "links and sessions revoked, the row kept."
    )

    def validate(self, attrs: dict) -> bool:
        return bool(attrs.get("should_soft_delete"))


class ListUsersSerializer(GoTrueSerializer):
    """GET /admin/users' `filter` (page and per_page: supabase_api.pagination)."""

    filter = fields.Raw(help_text="Part of the email.")

    def validate(self, attrs: dict) -> str:
        value = attrs.get("filter") or ""
        if not storable(value):
            raise serializers.ValidationError(
                "filter contains NUL characters or unpaired surrogates"
            )
        return value


class UserIdSerializer(GoTrueSerializer):
    user_id = fields.Uuid()

    def validate(self, attrs: dict):
        return attrs["user_id"]


class OwnUserSerializer(PkceFields):
    """PUT /user, for the signed-in user (`context["user"]`): password, data, or a new email.

    A new address is reported as `new_email`, as upstream does; the same address (in any case)
    is no change. `redirect_to` matters, and is checked, only for a new address."""

    email = fields.EmailAddress(
        name="new_email", required=False, help_text="Starts an email change (a link to it)."
    )
    redirect_to = fields.RedirectTo(help_text="Where the email-change link leads.")
    password = fields.Text()
    data = fields.JsonObject()
    nonce = fields.Text(help_text="The code GET /reauthenticate emailed (SECURE_PASSWORD_CHANGE).")

    def skip(self, name: str) -> bool:
        if name == "email":
            raw = self.initial_data.get("email")
            # The current address, however written, changes nothing and is not checked.
            return isinstance(raw, str) and raw.strip().lower() == self.context["user"].email
        return name == "redirect_to" and "email" not in self.so_far

    def validate(self, attrs: dict) -> OwnChanges:
        return OwnChanges(
            password=attrs.get("password"),
            data=attrs.get("data"),
            new_email=attrs.get("email"),
            redirect_to=attrs.get("redirect_to", settings.SITE_URL),
            nonce=attrs.get("nonce") or "",
            # Only an email change emails a link; a challenge sent without one is ignored.
            pkce=self.pkce(attrs) if attrs.get("email") else None,
        )


class LogoutSerializer(GoTrueSerializer):
    scope = fields.Raw(help_text="global (default), local or others.")

    def validate(self, attrs: dict) -> str:
        # Absent means global; present but empty (read as None from a query) is refused.
        scope = attrs.get("scope", "global")
        if scope not in LOGOUT_SCOPES:
            raise serializers.ValidationError(
                "Unsupported logout scope: use global, local or others"
            )
        return scope


class RefreshSerializer(GoTrueSerializer):
    """POST /token?grant_type=refresh_token. Any value is looked up (an unknown one is
    refresh_token_not_found, as upstream), so the token is passed on as sent."""

    refresh_token = fields.Raw(help_text="The refresh token from /verify or the last /token.")

    def validate(self, attrs: dict) -> object:
        # Missing or null is looked up like any unknown value ("" is never a token).
        return attrs.get("refresh_token") or ""


class PasswordGrantSerializer(GoTrueSerializer):
    """POST /token?grant_type=password. A phone number is answered phone_provider_disabled by
    the view; any password value goes to the flow, which answers every failure alike."""

    email = fields.EmailAddress()
    password = fields.Raw(help_text="The user's password.")

    def validate(self, attrs: dict) -> PasswordSignIn:
        password = attrs.get("password")
        return PasswordSignIn(email=attrs["email"], password=password)


class PkceGrantSerializer(GoTrueSerializer):
    """POST /token?grant_type=pkce: the auth code from /verify's redirect and the verifier."""

    auth_code = fields.Raw(help_text="The `code` of the redirect.")
    code_verifier = fields.Raw(help_text="The verifier whose challenge started the flow.")

    def validate(self, attrs: dict) -> tuple[str, str]:
        code, verifier = attrs.get("auth_code"), attrs.get("code_verifier")
        if not (isinstance(code, str) and code and isinstance(verifier, str) and verifier):
            raise serializers.ValidationError(
                "invalid request: both auth code and code verifier should be non-empty"
            )
        if len(code) > MAX_TOKEN_LENGTH or len(verifier) > MAX_CODE_CHALLENGE:
            raise serializers.ValidationError("invalid request: auth code or verifier too long")
        return code, verifier
