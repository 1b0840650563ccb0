"""The look of an email: whose name, logo and colour it carries.

Partner links carry the partner's branding unless the caller turned `partner_branded` off; every
other email (and a partner without branding fields) carries the service's own name, taken from the
display name of DEFAULT_FROM_EMAIL so that operators rebrand with one setting.
"""

import re
from dataclasses import dataclass
from email.utils import parseaddr
from typing import Any

from django.conf import settings

DEFAULT_COLOR = "#1f4fd1"
# Only plain hex colours reach a style attribute: anything else could smuggle CSS into the mail.
_HEX_COLOR = re.compile(r"^#(?:[0-9a-fA-F]{3}){1,2}$")


@dataclass(frozen=True)
class Brand:
    name: str
    logo_url: str
    color: str
    text_on_color: str
    support_email: str
    is_partner: bool


def service_name() -> str:
    """The service's display name, from DEFAULT_FROM_EMAIL ("Linkgate <no-reply@…>")."""
    name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    return name or address.split("@")[0] or "Linkgate"


def _safe_color(value: str) -> str:
    return value if value and _HEX_COLOR.match(value) else DEFAULT_COLOR


def _safe_logo(value: str) -> str:
    # Only https logos: mail clients block plain-http images, and a javascript:/data: URL must
    # never reach an <img src>.
    return value if value.lower().startswith("https://") else ""


def readable_text_color(hex_color: str) -> str:
    """Black or white, whichever reads better on `hex_color` (WCAG relative luminance)."""
    digits = hex_color.lstrip("#")
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    channels = [int(digits[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    return "#111111" if luminance > 0.4 else "#ffffff"


def brand_for(partner: Any, options: dict) -> Brand:
    """The brand of an email about `partner` (None for Admin API mail) given its options."""
    if partner is not None and options.get("partner_branded", True):
        color = _safe_color(partner.brand_color)
        return Brand(
            name=partner.display_name,
            logo_url=_safe_logo(partner.brand_logo_url),
            color=color,
            text_on_color=readable_text_color(color),
            support_email=partner.support_email,
            is_partner=True,
        )
    return Brand(
        name=service_name(),
        logo_url="",
        color=DEFAULT_COLOR,
        text_on_color=readable_text_color(DEFAULT_COLOR),
        support_email="",
        is_partner=False,
    )
