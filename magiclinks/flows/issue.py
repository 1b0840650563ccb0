"""Issue a link: invalidate the user's open links of the same scope, then create the new one.

(A partner or staff link also replaces the person's self-service links of that account; a
self-service link replaces only those: see models.self_service_scope.)

Two simultaneous issues for the same person must not both leave an active link behind. Two ways
to get there, both ending in the one statement that supersedes, inserts and audits (_ISSUE_SQL):

- **Locked** (inside a transaction): the person's row is locked first (and, for a partner link,
  the account's, taken before it), then the statement runs, so its snapshot sees every link
  committed before the lock was granted. Every issue of a partner link takes the account's lock,
  and the scopes it supersedes are that account's, so that lock serialises them.
- **Lock-free** (a partner link asked for outside any transaction, e.g. the Partner API's
  generate without email): the statement is the whole transaction (autocommit). It takes the
  account's row lock itself, by rewriting the row, and only if the row is still the version its
  own snapshot read (`xmin`) and the account is not suspended; every write of the statement
  waits for that (see _bump_sql). Every partner-link issue rewrites the account's row, locked or
  lock-free, so an issue that committed after this statement's snapshot was taken shows as a
  newer row version: the statement then writes nothing and the issue is made the locked way.
  Optimistic concurrency, in one round trip instead of four (BEGIN, lock, statement, COMMIT).
- **Lock-free on the person, found by address** (`issue_link_for_address`: the Admin API's
  link for an existing user): the same on the person's row, which every other link's issue
  rewrites, found by the statement itself (`PersonByAddress`: the row with that address that
  meets the caller's conditions, so that the caller needs no read of its own). Nothing is written
  when there is no such row or it changed since the snapshot: the caller then reads and checks
  the locked way, and says why.

Lock order in all: account, then person, then links.
"""

from collections.abc import Mapping
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Account, AccountStatus, User
from audit import selects
from audit.actors import Actor
from audit.combined import update_and_record
from audit.inserts import Row, row
from audit.models import AuditEvent
from audit.recorder import build, count_when_committed

from .. import tokens
from ..models import (
    InvalidationReason,
    LinkKind,
    LoginLink,
    admin_scope,
    partner_scope,
    self_service_scope,
)
from .errors import AccountSuspended


@dataclass(frozen=True)
class IssuedLink:
    """The new link and its plaintext secret (and OTP), handed back exactly once."""

    link: LoginLink
    secret: str
    otp: str | None
    invalidated_count: int

    @property
    def hashed_token(self) -> str:
        """What the Admin API hands out as `hashed_token`: a hash of the secret. The database
        stores a hash of this (magiclinks.tokens), so the column itself cannot be presented."""
        return tokens.hashed_token(self.secret)


# Superseding, the new link and every audit event of the issue in one statement: the CTEs share
# one snapshot, taken after the person's row was locked (locked issues: a separate statement, so
# the snapshot sees every link committed before the lock was granted). The new link is not in
# that snapshot, so the UPDATE cannot supersede it. The "generated" event's
# previous_links_invalidated is the count of rows the UPDATE returned. The "invalidated" events
# take the columns they share with the "generated" one (actor, references, request context) from
# its RETURNING instead of as parameters of their own: that keeps the statement at or under
# psycopg's 50 parameters, the bound above which psycopg re-parses a query on every execution
# instead of caching its conversion (psycopg._queries.MAX_CACHED_STATEMENT_PARAMS; 0.6 ms per
# issue, profiled). The result is one row: 1 when the statement wrote (a lock-free one writes
# nothing when it finds the serialising row changed, see _bump_sql), else 0; the count; then what
# `bumped` returned (the person's columns, lock-free on the person; NULLs when it wrote nothing).
_ISSUE_SQL = """
WITH {bump}superseded AS (
    UPDATE {links} SET "invalidated_at" = %s, "invalidation_reason" = %s
    WHERE "user_id" = {user_id} AND "scope" = ANY(%s) AND "used_at" IS NULL
      AND "invalidated_at" IS NULL AND "expires_at" > %s{gate}
    RETURNING "id"
), new_link AS (
    INSERT INTO {links} ({link_columns}) {link_values}
), generated AS (
    INSERT INTO {events} ({event_columns}) {generated_values} RETURNING {shared}
), invalidated AS (
    INSERT INTO {events} ({event_columns}) SELECT {invalidated_values} FROM superseded, generated
)
SELECT (SELECT count(*) FROM bumped), (SELECT count(*) FROM superseded), bumped.*
FROM (VALUES (1)) AS one_row (one) LEFT JOIN bumped ON TRUE
"""

# The serialising row rewritten by every issue, in its statement, so that a lock-free issue can
# tell that another one committed after it read: the account's for a partner link (`SET status =
# status`, a new row version with nothing changed), the person's for any other (the Admin API's
# *_sent_at stamps, or `SET id = id`). Locked: the issue holds the row's lock already.
# Lock-free: the UPDATE waits for the row's lock; if another transaction rewrote the row
# meanwhile, PostgreSQL re-checks the WHERE against the newest version, whose xmin is not the one
# this statement's snapshot saw (the subquery), and nothing is updated; a suspended account is
# not updated either, nor a person who fails the caller's conditions (PersonByAddress: made
# staff meanwhile, say; the re-check evaluates them on the newest version too). The person's
# row also hands its id and address to the link and the events (_FROM_PERSON), and its columns
# back to the caller. Every write of the statement is gated on that row
# (EXISTS, FROM bumped): PostgreSQL evaluates the gate, and so takes the row's lock, before it
# touches a link, which keeps the lock order (account or person, then links) and writes nothing
# when the row was not rewritten. xmin changes with any rewrite (a staff edit, a suspension): the
# check errs on the side of the locked path, never the other way.
ACCOUNT, PERSON = "account", "person"
LOCKED, LOCK_FREE = "locked", "lock_free"
# Constants of ours, not input: written into the SQL (parameters fewer, see _ISSUE_SQL).
assert AccountStatus.SUSPENDED.value.isalpha()
_SUSPENDED_LITERAL = f"'{AccountStatus.SUSPENDED.value}'"


def _bump_sql(row: str, how: str, stamped: tuple[str, ...], condition: str) -> str:
    """The `bumped` CTE: rewrite the serialising row (`row`: ACCOUNT or PERSON) `how` (LOCKED or
    LOCK_FREE), setting the person's `stamped` columns; it returns one row when it rewrote (the
    person's columns, lock-free, where the person is found by address and `condition`)."""
    quote = connection.ops.quote_name
    model = Account if row == ACCOUNT else User
    table = quote(model._meta.db_table)
    if row == ACCOUNT:
        assignments = '"status" = a."status"'
    elif stamped:
        assignments = ", ".join(f"{quote(column)} = %s" for column in stamped)
    else:
        assignments = '"id" = a."id"'
    where, returning = 'a."id" = %s', "1"
    if how == LOCK_FREE and row == ACCOUNT:
        where += f' AND a."status" <> {_SUSPENDED_LITERAL}'
        where += f' AND a.xmin = (SELECT seen.xmin FROM {table} seen WHERE seen."id" = %s)'  # noqa: S608
    elif how == LOCK_FREE:
        where = 'a."email" = %s'
        where += f' AND a.xmin = (SELECT seen.xmin FROM {table} seen WHERE seen."email" = %s)'  # noqa: S608
        where += f" AND ({condition})"
        returning = selects.columns(User, "a")
    # Names and constants of ours, quoted; every value is a parameter.
    return f"bumped AS (UPDATE {table} a SET {assignments} WHERE {where} RETURNING {returning}), "  # noqa: S608


# The alias of the person's row in a PersonByAddress condition.
PERSON_ROW = "a"


@dataclass(frozen=True)
class PersonByAddress:
    """The person a lock-free issue finds itself (issue_link_for_address): the row with `email`
    (normalised) that meets `condition`, SQL over the row (aliased PERSON_ROW) with its
    `condition_params`, a constant string of the caller's (it is part of the cached statement).
    The statement sets `stamps` (columns of the row) as it takes the row's lock."""

    email: str
    stamps: Mapping[str, object]
    condition: str = "TRUE"
    condition_params: tuple = ()


# Lock-free on the person (PersonByAddress): the link's and the events' columns whose values come
# from the person's row in the statement (bumped's RETURNING), not from parameters.
_FROM_PERSON = {"user_id": '"id"', "user_email": '"email"'}


# The event columns an "invalidated" event of an issue has values of its own for (the rest it
# shares with the "generated" event: both are built from the same actor, references and
# request); link_id is each superseded link's id.
_OWN_EVENT_COLUMNS = frozenset({"event", "occurred_at", "details"})


def _lock(user: Any, account: Any, *, recheck_suspension: bool) -> None:
    """Lock the person's row (and the account's, first, when there is one): the one lock order
    of the link engine is account, then person, then links (see docs/performance.md), so an
    issue and a redemption for the same person cannot deadlock. One statement for both rows."""
    if connection.vendor != "postgresql":
        # SQLite (the zero-setup mode) has no row locks: its IMMEDIATE transactions take the
        # database's write lock up front, which serialises issues as the row locks do.
        if recheck_suspension and Account.objects.get(pk=account.pk).is_suspended:
            raise AccountSuspended()
        return
    with connection.cursor() as cursor:
        if account is None:
            cursor.execute('SELECT 1 FROM "accounts_user" WHERE "id" = %s FOR UPDATE', [user.pk])
            return
        cursor.execute(
            'SELECT a."status" FROM "accounts_account" a, "accounts_user" u'
            ' WHERE a."id" = %s AND u."id" = %s FOR UPDATE OF a, u',
            [account.pk, user.pk],
        )
        found = cursor.fetchone()
    # Staff may suspend the account while the caller validated: re-checked under the row lock.
    if recheck_suspension and (found is None or found[0] == AccountStatus.SUSPENDED):
        raise AccountSuspended()


def _insert_portably(
    link: LoginLink, generated: AuditEvent, invalidated: AuditEvent, replaces
) -> int:
    """What _ISSUE_SQL does, statement by statement, for databases without data-modifying CTEs
    (SQLite, the zero-setup mode)."""
    superseded = update_and_record(
        LoginLink.objects.filter(
            user_id=link.user_id,
            scope__in=replaces,
            used_at=None,
            invalidated_at=None,
            expires_at__gt=link.created_at,
        ),
        {"invalidated_at": link.created_at, "invalidation_reason": InvalidationReason.SUPERSEDED},
        invalidated,
        from_rows={"link_id": "id"},
    )
    link.save(force_insert=True)
    generated.details["previous_links_invalidated"] = superseded
    generated.save(force_insert=True)
    return superseded


def _shares_value(column: str) -> bool:
    return column not in _OWN_EVENT_COLUMNS and column != "link_id"


@cache
def _issue_sql(
    link_table: str,
    link_columns: tuple,
    event_table: str,
    event_columns: tuple,
    bump: tuple[str, str],
    stamped: tuple[str, ...] = (),
    condition: str = "TRUE",
) -> str:
    """_ISSUE_SQL for these columns and this way of serialising (`bump`: the row rewritten,
    ACCOUNT or PERSON, and how, LOCKED or LOCK_FREE; `stamped`: the person's columns set;
    `condition`: what the person must meet, lock-free), written once per process."""
    quote = connection.ops.quote_name
    link_list = Row(link_table, link_columns, []).column_list()
    event_list = Row(event_table, event_columns, []).column_list()
    count_json = "jsonb_set(%s, '{previous_links_invalidated}', "
    count_json += "to_jsonb((SELECT count(*) FROM superseded)))"
    found = _found_columns(bump)

    def value(column: str) -> str:
        if column in found:
            return f"bumped.{found[column]}"
        return count_json if column == "details" else "%s"

    generated = ", ".join(value(column) for column in event_columns)
    link_placeholders = ", ".join(value(column) for column in link_columns)
    gated = bump[1] == LOCK_FREE
    # Placeholders only (the values are parameters); the rows exist only when the serialising
    # row was rewritten (_bump_sql).
    source = "SELECT {} FROM bumped" if gated else "VALUES ({})"

    def invalidated_value(column: str) -> str:
        if column == "link_id":
            return 'superseded."id"'
        return f"generated.{quote(column)}" if _shares_value(column) else "%s"

    return _ISSUE_SQL.format(
        bump=_bump_sql(*bump, stamped, condition),
        user_id='(SELECT "id" FROM bumped)' if found else "%s",
        gate=" AND EXISTS (SELECT FROM bumped)" if gated else "",
        links=quote(link_table),
        events=quote(event_table),
        link_columns=link_list,
        link_values=source.format(link_placeholders),
        event_columns=event_list,
        generated_values=source.format(generated),
        shared=", ".join(quote(column) for column in event_columns if _shares_value(column)),
        invalidated_values=", ".join(invalidated_value(column) for column in event_columns),
    )


def _found_columns(bump: tuple[str, str]) -> dict[str, str]:
    """The columns the statement takes from the person's row (_FROM_PERSON), or none."""
    return _FROM_PERSON if bump == (PERSON, LOCK_FREE) else {}


def _params(insert: Row, found: dict[str, str]) -> list:
    """The row's parameters, without those the statement takes from the person's row."""
    if not found:
        return insert.params
    return [p for c, p in zip(insert.columns, insert.params, strict=True) if c not in found]


def _bump_params(link: LoginLink, bump: tuple[str, str], person: PersonByAddress | None) -> list:
    row, how = bump
    if row == ACCOUNT:
        return [link.account_id] * (2 if how == LOCK_FREE else 1)
    if person is None:
        return [link.user_id]
    params = [selects.param(User, column, value) for column, value in person.stamps.items()]
    return [*params, person.email, person.email, *person.condition_params]


def _insert(
    link: LoginLink,
    generated: AuditEvent,
    invalidated: AuditEvent,
    replaces,
    bump: tuple[str, str],
    person: PersonByAddress | None = None,
) -> tuple:
    """Supersede, insert the link and the events (see _ISSUE_SQL); returns whether the statement
    wrote (a lock-free one writes nothing when the serialising row changed, see _bump_sql), how
    many links it superseded, then what `bumped` returned (the person's columns, lock-free on
    the person)."""
    if connection.vendor != "postgresql":
        return (True, _insert_portably(link, generated, invalidated, replaces))
    link_row, generated_row = row(link), row(generated)
    invalidated_row = row(invalidated, only=_OWN_EVENT_COLUMNS)
    found = _found_columns(bump)
    sql = _issue_sql(
        link_row.table,
        link_row.columns,
        generated_row.table,
        generated_row.columns,
        bump,
        tuple(person.stamps) if person is not None else (),
        person.condition if person is not None else "TRUE",
    )
    params = [
        *_bump_params(link, bump, person),
        link.created_at,
        InvalidationReason.SUPERSEDED,
        *([] if found else [link.user_id]),  # else the person's id, from the statement
        list(replaces),
        link.created_at,
        *_params(link_row, found),
        *_params(generated_row, found),
        *invalidated_row.params,  # in column order, as _issue_sql places them
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def lock_free_possible() -> bool:
    """Whether an issue now could be lock-free: PostgreSQL, and no transaction open (the
    statement must be its own)."""
    return not connection.in_atomic_block and connection.vendor == "postgresql"


def issue_link(**kwargs: Any) -> IssuedLink:
    """Create a link for `user` and return it with its secret. See the module docstring and
    _issue for the arguments."""
    issued = _issue(person=None, **kwargs)
    assert issued is not None  # only a lock-free issue on a person found by address gives up
    return issued


def issue_link_for_address(
    person: PersonByAddress, **kwargs: Any
) -> tuple[IssuedLink, User] | None:
    """issue_link for a link without an account, outside any transaction, in one lock-free
    statement that finds the person itself (`person`: by address and the caller's conditions;
    no `user` argument) and sets its stamps; the link and the person as stamped, or None, with
    nothing written, when there is no such person or the row changed since the statement's
    snapshot: the caller then reads and checks, the locked way."""
    if not lock_free_possible():
        raise ValueError("a lock-free issue needs PostgreSQL and no transaction")
    if kwargs.get("account") is not None:
        raise ValueError("a partner link is lock-free on its account's row (issue_link)")
    issued = _issue(person=person, user=None, **kwargs)
    return None if issued is None else (issued, issued.link.user)


def _issue(
    *,
    person: PersonByAddress | None,
    user: Any,
    kind: str,
    actor: Actor,
    lifetime: timedelta,
    account: Any = None,
    purpose: str = "",
    redirect_url: str = "",
    new_email: str = "",
    with_otp: bool = False,
    details: dict | None = None,
    self_service: bool = False,
    user_locked: bool = False,
    recheck_suspension: bool = False,
) -> IssuedLink | None:
    """Create a link for `user` and return it with its secret. See the module docstring.

    `self_service` (partner_login only): the person asked for it themselves; it replaces only
    their earlier self-service links of the account (models.self_service_scope).
    `user_locked`: the caller already holds the person's row lock in this transaction (and no
    account row lock is needed), so no lock statement is sent.
    `recheck_suspension`: raise AccountSuspended when the account is suspended under the lock.

    A partner link outside any transaction: one statement, lock-free (its own transaction; see
    the module docstring), two more (the lock, the statement again, in a transaction of their
    own) only when another issue for the account got in between. Otherwise two statements in
    the caller's transaction (or one of its own): the lock, then the statement."""
    if kind == LinkKind.PARTNER_LOGIN and account is None:
        raise ValueError("partner_login links need an account")
    if kind == LinkKind.PARTNER_LOGIN:
        own, mine = partner_scope(account.pk), self_service_scope(account.pk)
        scope, replaces = (mine, [mine]) if self_service else (own, [own, mine])
    else:
        scope = admin_scope(kind)
        replaces = [scope]
    partner_id = account.partner_id if account is not None else None
    now = timezone.now()
    secret = tokens.new_secret()
    link = LoginLink(
        token_digest=tokens.digest(secret),
        user=user,
        account=account,
        partner_id=partner_id,
        kind=kind,
        scope=scope,
        purpose=purpose,
        redirect_url=redirect_url,
        new_email=new_email,
        issuer_type=actor.type,
        issuer_id=actor.id,
        issuer_label=actor.label[:255],
        created_at=now,
        expires_at=now + lifetime,
    )
    if account is not None and Account.partner.is_cached(account):
        link.partner = account.partner  # loaded already: the email's subject names it
    otp = None
    if with_otp:
        otp = tokens.new_otp()
        link.otp_mac = tokens.otp_mac(link.pk, otp)
    # Counted on /metrics once written (_written): a lock-free statement runs outside any
    # transaction, where on_commit would count them at once, written or not.
    refs = {
        "actor": actor,
        "partner": partner_id,
        "account": account,
        "user": user,
        "counted": False,
    }
    generated = build(
        "login_link.generated",
        link=link,
        details={
            "kind": kind,
            "purpose": purpose,
            "expires_at": link.expires_at.isoformat(),
            "redirect_url": redirect_url or None,
            "previous_links_invalidated": 0,  # set by the statement (_ISSUE_SQL)
            **(details or {}),
        },
        **refs,
    )
    invalidated = build(
        "login_link.invalidated",
        link=None,  # each superseded link's id, in the statement
        details={"reason": InvalidationReason.SUPERSEDED, "replaced_by": str(link.pk)},
        **refs,
    )
    result = None
    if person is not None:
        result = _insert(link, generated, invalidated, replaces, (PERSON, LOCK_FREE), person)
        if not result[0]:
            return None  # no such person, or the row changed since the snapshot
        _found(selects.instances((User,), result[2:])[0], link, generated, invalidated)
    elif account is not None and lock_free_possible():
        result = _insert(link, generated, invalidated, replaces, (ACCOUNT, LOCK_FREE))
    if result is None or not result[0]:  # in a transaction, or the lock-free one wrote nothing
        # The caller's transaction, else one of our own. The lock is outside the inner block: an
        # AccountSuspended it raises has written nothing and leaves the caller's transaction
        # usable; an error of the statement fails it.
        with nullcontext() if connection.in_atomic_block else transaction.atomic():
            if not user_locked or account is not None:
                _lock(user, account, recheck_suspension=recheck_suspension)
            with transaction.atomic(savepoint=False):
                bump = (ACCOUNT if account is not None else PERSON, LOCKED)
                result = _insert(link, generated, invalidated, replaces, bump)
                _written(result[1], generated, invalidated)  # counted at the commit
    else:
        _written(result[1], generated, invalidated)  # committed: counted now
    superseded = result[1]
    link._state.adding, link._state.db = False, connection.alias
    return IssuedLink(link=link, secret=secret, otp=otp, invalidated_count=superseded)


def _written(superseded: int, generated: AuditEvent, invalidated: AuditEvent) -> None:
    """The statement wrote the issue's events: one "invalidated" per superseded link."""
    invalidated.rows_written = superseded
    count_when_committed(generated)
    count_when_committed(invalidated)


def _found(user: User, link: LoginLink, *events: AuditEvent) -> None:
    """The person the statement found (PersonByAddress), on what was written for it."""
    link.user = user
    for event in events:
        event.user_id, event.user_email = user.pk, user.email


def invalidate_open_links(
    *,
    user: Any,
    actor: Actor,
    reason: str,
    scopes: list[str] | None = None,
    exclude: Any = None,
    details: dict | None = None,
) -> int:
    """Invalidate a user's open links (optionally only some scopes); returns how many.

    `details` are added to each `login_link.invalidated` event (after the reason)."""
    now = timezone.now()
    open_links = LoginLink.objects.filter(
        user=user, used_at=None, invalidated_at=None, expires_at__gt=now
    )
    if scopes is not None:
        open_links = open_links.filter(scope__in=scopes)
    if exclude is not None:
        open_links = open_links.exclude(pk=getattr(exclude, "pk", exclude))
    with transaction.atomic(savepoint=False):
        # One statement: the UPDATE and one event per link it invalidated (audit.combined).
        return update_and_record(
            open_links,
            {"invalidated_at": now, "invalidation_reason": reason},
            build(
                "login_link.invalidated",
                actor=actor,
                user=user,
                details={"reason": reason, **(details or {})},
            ),
            from_rows={"link_id": "id", "account_id": "account_id", "partner_id": "partner_id"},
        )


__all__ = [
    "PERSON_ROW",
    "IssuedLink",
    "PersonByAddress",
    "invalidate_open_links",
    "issue_link",
    "issue_link_for_address",
    "lock_free_possible",
]
