"""Who: users, partners and their API keys, service keys, client accounts and memberships."""
