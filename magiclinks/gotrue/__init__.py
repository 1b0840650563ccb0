"""The Admin API (/auth/v1), speaking Supabase Auth's (GoTrue's) protocol."""
