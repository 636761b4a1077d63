"""Accounts: users, passwords, sign-in tokens, TOTP and personal API tokens."""
