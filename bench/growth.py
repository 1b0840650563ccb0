"""Grow the bench database to a realistic size: 1,000,000 login links and 1,000,000 audit events.

Rows are generated inside PostgreSQL (`INSERT … SELECT … FROM generate_series`), which is far
faster than sending them from Python, spread over the bench's existing accounts and users and over
the last ~60 days. Like a real table, almost every link is finished (98 % used, the rest open or
expired). As bulk loaders do, the secondary indexes are dropped for the load and re-created
after it (one sorted build instead of a million random inserts); the primary keys and unique
constraints stay. Afterwards the tables are VACUUM ANALYZEd so the planner sees their real size.
"""

import time

import psycopg

LINKS_SQL = """
WITH m AS (
    SELECT account_id, user_id, row_number() OVER (ORDER BY id) - 1 AS rn
    FROM accounts_membership
), n AS (SELECT count(*) AS c FROM m)
INSERT INTO magiclinks_loginlink (
    id, token_digest, otp_mac, otp_failed_attempts, user_id, account_id, partner_id, kind, scope,
    purpose, redirect_url, new_email, issuer_type, issuer_id, issuer_label, created_at,
    expires_at, used_at, invalidated_at, invalidation_reason
)
SELECT gen_random_uuid(),
       encode(sha256(convert_to('growth-' || g.i || '-' || %(salt)s, 'UTF8')), 'hex'),
       '', 0, m.user_id, m.account_id, a.partner_id, 'partner_login', 'account:' || m.account_id,
       'initial_access', '', '', 'partner', a.partner_id::text, 'growth',
       t.created, t.created + interval '7 days',
       CASE WHEN g.i %% 50 = 0 THEN NULL ELSE t.created + interval '1 hour' END, NULL, ''
FROM generate_series(0, %(rows)s - 1) AS g(i)
JOIN m ON m.rn = g.i %% (SELECT c FROM n)
JOIN accounts_account a ON a.id = m.account_id
CROSS JOIN LATERAL (SELECT now() - make_interval(secs => g.i * 5) AS created) t
"""

EVENTS_SQL = """
WITH m AS (
    SELECT account_id, user_id, row_number() OVER (ORDER BY id) - 1 AS rn
    FROM accounts_membership
), n AS (SELECT count(*) AS c FROM m)
INSERT INTO audit_auditevent (
    occurred_at, event, actor_type, actor_id, actor_label, partner_id, account_id, user_id,
    user_email, link_id, ip_address, user_agent, request_id, details
)
SELECT now() - make_interval(secs => g.i * 5),
       (ARRAY['login_link.generated', 'login_link.redeemed', 'login_link.invalidated',
              'notification.sent'])[g.i %% 4 + 1],
       'partner', a.partner_id::text, 'growth', a.partner_id, m.account_id, m.user_id,
       'growth@example.com', NULL, '127.0.0.1', 'growth', '', '{}'::jsonb
FROM generate_series(0, %(rows)s - 1) AS g(i)
JOIN m ON m.rn = g.i %% (SELECT c FROM n)
JOIN accounts_account a ON a.id = m.account_id
"""


SECONDARY_INDEXES = """
SELECT i.indexname, i.indexdef FROM pg_indexes i
WHERE i.schemaname = current_schema() AND i.tablename = %s
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
"""


def _load(conn: psycopg.Connection, table: str, sql: str, rows: int) -> None:
    indexes = conn.execute(SECONDARY_INDEXES, [table]).fetchall()
    for name, _ in indexes:
        conn.execute(f'DROP INDEX "{name}"')
    conn.execute(sql, {"rows": rows, "salt": str(time.time_ns())})
    for _, definition in indexes:
        conn.execute(definition)


def grow(dsn: str, rows: int = 1_000_000) -> dict:
    """Insert `rows` links and `rows` events; returns the seconds each step took."""
    timings: dict[str, float] = {}
    with psycopg.connect(dsn, autocommit=True) as conn:
        for table, sql in (("magiclinks_loginlink", LINKS_SQL), ("audit_auditevent", EVENTS_SQL)):
            started = time.perf_counter()
            _load(conn, table, sql, rows)
            timings[f"load_{table}_s"] = round(time.perf_counter() - started, 1)
        started = time.perf_counter()
        conn.execute("VACUUM ANALYZE magiclinks_loginlink")
        conn.execute("VACUUM ANALYZE audit_auditevent")
        timings["vacuum_analyze_s"] = round(time.perf_counter() - started, 1)
        counts = conn.execute(
            "SELECT (SELECT count(*) FROM magiclinks_loginlink),"
            " (SELECT count(*) FROM audit_auditevent)"
        ).fetchone()
    return {**timings, "links": counts[0], "events": counts[1]}
