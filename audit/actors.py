"""Who did something: the actor recorded on every audit event.

Actors are built from objects of the upper apps by duck typing (`pk` and `str()`), so this app
imports neither accounts nor magiclinks.
"""

from dataclasses import dataclass
from typing import Any

from .models import ActorType


@dataclass(frozen=True)
class Actor:
    type: str
    id: str = ""
    label: str = ""

    @classmethod
    def partner(cls, partner: Any) -> "Actor":
        return cls(ActorType.PARTNER, str(partner.pk), str(partner))

    @classmethod
    def staff(cls, user: Any) -> "Actor":
        return cls(ActorType.STAFF, str(user.pk), str(user))

    @classmethod
    def service(cls, key: Any) -> "Actor":
        return cls(ActorType.SERVICE, str(getattr(key, "pk", "") or ""), str(key))

    @classmethod
    def user(cls, user: Any) -> "Actor":
        return cls(ActorType.USER, str(user.pk), str(user))

    @classmethod
    def system(cls, label: str = "system") -> "Actor":
        return cls(ActorType.SYSTEM, "", label)

    @classmethod
    def anonymous(cls) -> "Actor":
        """Somebody in a browser who has not proved who they are (e.g. an unknown link)."""
        return cls(ActorType.USER, "", "anonymous")
