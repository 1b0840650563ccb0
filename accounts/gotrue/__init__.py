"""The accounts side of the Admin API (/auth/v1): authorisation, sessions, user administration.

magiclinks.gotrue mounts these views next to its own link endpoints (generate_link, verify,
otp, recover, invite); nothing here imports magiclinks.
"""
