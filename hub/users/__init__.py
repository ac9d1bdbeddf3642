"""Staff accounts: passwords, roles, tokens, login."""
