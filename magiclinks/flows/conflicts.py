"""Running a flow again when its insert lost a race to a concurrent transaction.

Users are global (one row per address), so two partners onboarding the same new address at the
same moment both find "no such user" and both insert one. PostgreSQL makes the second insert wait
for the first transaction and then fails it with a unique violation (IntegrityError); by then the
winner's row is committed. Running the flow once more lets it see that row and refuse through
its own rules (EmailInUse, 409) instead of answering 500, and because the failed attempt's
transaction is rolled back whole, nothing of it is left behind (no account without its primary
holder, no orphan audit event, no email queued: Django drops on_commit callbacks of a rolled-back
block).

Why not lock instead? The race is between *different* partners (or accounts), whose rows are
locked separately on purpose so that tenants do not serialise on each other; only the unique
index sees both. Why not map IntegrityError to 409 directly? The retry decides with the same
rules as a request that came a moment later (the address may belong to this partner's other
account, and then it is reused), and a genuine bug still surfaces as 500 after the retries.
"""

from collections.abc import Callable

from django.db import IntegrityError

ATTEMPTS = 3


def retry_on_conflict[T](operation: Callable[[], T], *, attempts: int = ATTEMPTS) -> T:
    """Run `operation` (which opens its own atomic block); again after an IntegrityError.

    The caller must not hold an atomic block that the failed insert would poison: the operation's
    own `transaction.atomic()` is rolled back (as a savepoint when nested), then it runs again.
    """
    for _ in range(attempts - 1):
        try:
            return operation()
        except IntegrityError:
            continue  # the competing row is committed now: the next run sees it
    return operation()  # the last attempt's IntegrityError, if any, is a real error (500)
