"""The web app: pages for people, served by the same application as the API.

Thin page routes (`pages/`) call the same services the API routes call and render Jinja2
templates (`templates/`, small partials composed into pages); `static/` holds the style
sheet, the app's one script and vendored htmx, served under content-hashed URLs. The
browser signs in with a cookie (`signin.py`), every change carries a CSRF token
(`csrf.py`), and every page is sent with a strict Content-Security-Policy (`security.py`).
`/api/v1` never reads the cookie. See docs/web.md.
"""
