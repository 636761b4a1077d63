"""Mail that a change causes: composed from templates, sent by a background job.

`compose` renders a template's text and HTML parts; `send_later` enqueues the message in the
caller's transaction (nothing is sent if it rolls back); the `mail.send` job hands it to the
configured mailer (`adapters/mail`), retried with backoff while the server is unreachable or
answers 4xx, dead after SMARTTASK_MAIL_MAX_ATTEMPTS or at once on a permanent refusal. A
mail server that is down never fails the request that caused the mail.
"""
