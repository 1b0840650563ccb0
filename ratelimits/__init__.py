"""Every rate limit of the service: declared once (`ratelimits.table`), counted by one module
(`ratelimits.counting`), listed in docs/configuration.md from the same declaration
(`ratelimits.docs`, `manage.py write_limits_doc`).

Layer: above `audit` (per-IP identities come from audit.client_ip), below `accounts`,
`magiclinks` and `supabase_api`, which all count through it.
"""
