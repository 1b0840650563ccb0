"""magiclinks.notifications.rendering and templates/emails: every kind renders HTML + text with a
working link, the expiry in words, the do-not-forward warning, branding on and off, the custom
subject and message (escaped, line breaks kept), instructions on and off, and the code for
Admin API kinds."""

import re
from datetime import timedelta

import pytest
from django.core import mail

from accounts.models import MembershipRole
from audit.actors import Actor
from magiclinks.flows.issue import issue_link
from magiclinks.flows.redeem import redeem_secret
from magiclinks.models import LinkKind, NotificationKind
from magiclinks.notifications.delivery import deliver
from magiclinks.notifications.outbox import queue_link_email
from magiclinks.notifications.rendering import expires_in_words

pytestmark = pytest.mark.django_db

BRAND = {
    "brand_name": "Acme",
    "brand_logo_url": "https://cdn.acme.test/logo.png",
    "brand_color": "#ff6600",
    "support_email": "help@acme.test",
}
PARTNER_KINDS = ["partner_login_link", "account_created", "user_added"]
ADMIN_KINDS = {
    "signup": LinkKind.SIGNUP,
    "invite": LinkKind.INVITE,
    "magiclink": LinkKind.MAGICLINK,
    "recovery": LinkKind.RECOVERY,
    "email_change": LinkKind.EMAIL_CHANGE_NEW,
}
URL = re.compile(r"http://127\.0\.0\.1:8000/auth/\S+?(?=[\s\"<])")


def send_partner(make, kind="partner_login_link", options=None, hours=168, **partner_fields):
    partner = make.partner(**(partner_fields or BRAND))
    account = make.account(partner=partner)
    user = account.users.get()
    issued = issue_link(
        user=user,
        kind=LinkKind.PARTNER_LOGIN,
        account=account,
        actor=Actor.partner(partner),
        lifetime=timedelta(hours=hours),
    )
    notification = queue_link_email(
        issued, kind=kind, actor=Actor.partner(partner), options=options
    )
    assert deliver(notification.pk) == "sent"
    return issued, mail.outbox[-1]


def send_admin(make, kind, link_kind):
    user = make.user(first_name="Ada", new_email="new@example.com")
    issued = issue_link(
        user=user,
        kind=link_kind,
        actor=Actor.system("test"),
        lifetime=timedelta(hours=1),
        with_otp=True,
        new_email="new@example.com" if link_kind == LinkKind.EMAIL_CHANGE_NEW else "",
        redirect_url="https://app.example.com/welcome",
    )
    notification = queue_link_email(issued, kind=kind, actor=Actor.system("test"))
    assert deliver(notification.pk) == "sent"
    return issued, mail.outbox[-1]


def html_of(message) -> str:
    (html, mimetype), *_ = message.alternatives
    assert mimetype == "text/html"
    return html


def test_every_kind_has_a_template_pair():
    from django.template.loader import get_template

    for kind in NotificationKind.values:
        get_template(f"emails/{kind}.txt")
        get_template(f"emails/{kind}.html")


@pytest.mark.parametrize("kind", PARTNER_KINDS)
def test_partner_kinds_render_with_a_working_link(make, kind):
    issued, message = send_partner(make, kind=kind)
    html = html_of(message)
    url = f"http://127.0.0.1:8000/auth/partner-login/{issued.secret}"
    assert url in message.body and f'href="{url}"' in html
    assert URL.findall(message.body) == [url]
    assert "expires in 1 week" in message.body and "expires in <strong>1 week</strong>" in html
    for text in (message.body, html):
        assert "Do not forward this email" in text
        assert "How it works" in text
        assert "Acme" in text
    assert "max-width:600px" in html and "<style>" in html and "prefers-color-scheme" in html
    assert "Or enter this code" not in message.body  # partner links carry no code
    # The link in the email really signs in.
    assert redeem_secret(URL.findall(message.body)[0].rsplit("/", 1)[1], kinds=["partner_login"]).ok


@pytest.mark.parametrize("kind", sorted(ADMIN_KINDS))
def test_admin_kinds_show_the_code_and_a_verify_link(make, kind):
    issued, message = send_admin(make, kind, ADMIN_KINDS[kind])
    html = html_of(message)
    assert issued.otp and len(issued.otp) == 6
    assert f"Or enter this code: {issued.otp}" in message.body and issued.otp in html
    assert f"token={issued.secret}" in message.body
    assert "redirect_to=https%3A%2F%2Fapp.example.com%2Fwelcome" in message.body
    assert "expires in 1 hour" in message.body and "Do not forward" in html
    assert "Hi Ada," in message.body
    assert message.from_email == "Linkgate <no-reply@localhost>"


def test_email_change_goes_to_the_new_address_and_names_both(make):
    _, message = send_admin(make, "email_change", LinkKind.EMAIL_CHANGE_NEW)
    assert message.to == ["new@example.com"]
    assert "new@example.com should become the email address" in message.body


def test_subjects_are_sensible_per_kind(make):
    subjects = {kind: send_partner(make, kind=kind)[1].subject for kind in PARTNER_KINDS}
    subjects |= {kind: send_admin(make, kind, lk)[1].subject for kind, lk in ADMIN_KINDS.items()}
    assert subjects == {
        "partner_login_link": "Your login link for Acme",
        "account_created": "Your Acme account is ready",
        "user_added": "You have been given access to a Acme account",
        "signup": "Confirm your email address for Linkgate",
        "invite": "You have been invited to Linkgate",
        "magiclink": "Your Linkgate sign-in link",
        "recovery": "Reset your Linkgate password",
        "email_change": "Confirm your new email address for Linkgate",
    }


def test_spouse_invitation_names_the_primary_holder(make):
    partner = make.partner(**BRAND)
    account = make.account(partner=partner)
    spouse = make.member(account, role=MembershipRole.SPOUSE, first_name="Sam")
    issued = issue_link(
        user=spouse,
        kind=LinkKind.PARTNER_LOGIN,
        account=account,
        actor=Actor.partner(partner),
        lifetime=timedelta(hours=72),
    )
    notification = queue_link_email(issued, kind="user_added", actor=Actor.partner(partner))
    deliver(notification.pk)
    message = mail.outbox[-1]
    assert message.subject == "You have been invited to share a Acme account"
    assert "Pat Primary invited you to share their Acme account" in message.body
    assert "expires in 3 days" in message.body and "Hi Sam," in message.body


def test_branding_on_uses_the_partners_name_logo_colour_and_support_address(make):
    _, message = send_partner(make)
    html = html_of(message)
    assert 'src="https://cdn.acme.test/logo.png"' in html
    assert "border-top:4px solid #ff6600" in html and "background:#ff6600" in html
    assert message.from_email == "Acme <no-reply@localhost>"
    assert message.reply_to == ["help@acme.test"]
    assert "help@acme.test" in message.body


def test_branding_off_uses_the_service_brand(make):
    _, message = send_partner(make, options={"partner_branded": False})
    html = html_of(message)
    assert "cdn.acme.test" not in html and "#ff6600" not in html and "Acme" not in message.body
    assert message.from_email == "Linkgate <no-reply@localhost>" and message.reply_to == []
    assert message.subject == "Your login link for Linkgate"


def test_unsafe_branding_values_never_reach_the_html(make):
    _, message = send_partner(
        make,
        name="Evil",
        brand_name='Evil <b>"Corp"</b>',
        brand_logo_url="http://plain.test/logo.png",
        brand_color="red;}*{",
    )
    html = html_of(message)
    assert "<b>" not in html and "Evil &lt;b&gt;&quot;Corp&quot;&lt;/b&gt;" in html
    assert "plain.test" not in html  # only https logos
    assert "red;" not in html and "#1f4fd1" in html  # invalid colour → default


def test_custom_subject_and_message_are_used_escaped_with_line_breaks(make):
    options = {
        "custom_subject": "Welcome\r\nBcc: victim@example.com",
        "custom_message": "Hello <script>alert(1)</script> & welcome!\nSecond line",
    }
    _, message = send_partner(make, options=options)
    html = html_of(message)
    assert message.subject == "Welcome Bcc: victim@example.com"  # one line, no header injection
    assert "<script>" not in html
    assert "Hello &lt;script&gt;alert(1)&lt;/script&gt; &amp; welcome!<br>Second line" in html
    # Plain text stays plain: no HTML entities, line break kept.
    assert "Hello <script>alert(1)</script> & welcome!\nSecond line" in message.body
    assert "A message from Acme:" in message.body


def test_instructions_can_be_left_out(make):
    _, message = send_partner(make, options={"include_instructions": False})
    assert "How it works" not in message.body and "How it works" not in html_of(message)
    assert "Do not forward" in message.body  # the warning is never optional


def test_expiry_in_words_rounds_to_the_minute():
    from django.utils import timezone

    now = timezone.now()
    assert expires_in_words(now + timedelta(hours=168) - timedelta(seconds=3), now) == "1 week"
    assert expires_in_words(now + timedelta(minutes=90), now) == "1 hour, 30 minutes"
    assert expires_in_words(now + timedelta(seconds=1), now) == "1 minute"


def test_the_development_console_backend_prints_the_link_unbroken(make, settings):
    import io

    stream = io.StringIO()
    settings.MAILERS = {
        "default": {
            "BACKEND": "magiclinks.notifications.console.EmailBackend",
            "OPTIONS": {"stream": stream},
        }
    }
    account = make.account()
    issued = issue_link(
        user=account.users.get(),
        kind=LinkKind.PARTNER_LOGIN,
        account=account,
        actor=Actor.partner(account.partner),
        lifetime=timedelta(hours=1),
    )
    notification = queue_link_email(
        issued, kind="partner_login_link", actor=Actor.partner(account.partner)
    )
    assert deliver(notification.pk) == "sent"
    printed = stream.getvalue()
    url = f"http://127.0.0.1:8000/auth/partner-login/{issued.secret}"
    assert f"\n{url}\n" in printed  # one line, no quoted-printable soft breaks
    assert f"To: {issued.link.user.email}" in printed and "Subject: Your login link" in printed
    assert "[text/html alternative" in printed


def test_admin_templates_get_the_token_hash_for_an_auth_confirm_link(make, settings):
    # Supabase's `{{ .SiteURL }}/auth/confirm?token_hash={{ .TokenHash }}&type=email` pattern:
    # an operator's template links to the app, which verifies the token_hash server-side.
    engine = {**settings.TEMPLATES[0], "APP_DIRS": False}
    engine["OPTIONS"] = {
        **engine["OPTIONS"],
        "loaders": [
            (
                "django.template.loaders.locmem.Loader",
                {
                    "emails/magiclink.txt": "{{ site_url }}/auth/confirm?token_hash="
                    "{{ token_hash }}&type={{ verify_type }}&next={{ redirect_to|urlencode }}"
                },
            ),
            "django.template.loaders.filesystem.Loader",
            "django.template.loaders.app_directories.Loader",
        ],
    }
    settings.TEMPLATES = [engine]
    settings.SITE_URL = "https://app.example.com"
    issued, message = send_admin(make, "magiclink", LinkKind.MAGICLINK)
    assert message.body.strip() == (
        f"https://app.example.com/auth/confirm?token_hash={issued.hashed_token}&type=magiclink"
        "&next=https%3A//app.example.com/welcome"
    )
