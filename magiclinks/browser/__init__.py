"""Pages for end users: link confirmation, sign-in, passwords, the account page."""
