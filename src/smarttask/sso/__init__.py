"""Single sign-on: OpenID Connect providers and GitHub, with state, nonce and PKCE.

`providers.py` speaks the protocols (discovery, the authorization URL, the code exchange, the
ID token's checks, GitHub's user API); `service.py` decides which account a verified person
is (known identity, existing user by verified email, or a new user) and links or unlinks
identities; `repository.py` holds the SQL. The pages are in `web/pages/sso.py`.
"""
