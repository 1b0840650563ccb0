"""The Supabase Auth compatible Admin API (/auth/v1): the top layer, above magiclinks.

Layering: audit ← accounts ← magiclinks ← supabase_api. This app holds everything that speaks
Supabase Auth's (GoTrue's) protocol: its views and URLs, request serializers, the GoTrue error
format, JWTs, sessions (AuthSession, RefreshToken), the redirect allow-list, the Admin API flows
and the OpenAPI schema. Nothing below imports it; it reaches the layers below through their
public functions and hears about user changes through accounts' signals.
"""
