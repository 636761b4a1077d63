"""The security log: the instance's security events (sign-ins, account and membership
changes) for its administrators, kept SMARTTASK_SECURITY_LOG_RETENTION_DAYS (docs/security.md).

Other domains call `record` in the transaction of the change (it is kept exactly when the
change is), `record_after` for a refusal whose transaction rolls back, and `record_apart`
where no transaction of theirs is open. Names are dotted (`login.failed`); `details` never
holds a secret (a key that names one raises).
"""

from smarttask.securitylog.service import (
    SecretInDetails,
    record,
    record_after,
    record_apart,
)

__all__ = ["SecretInDetails", "record", "record_after", "record_apart"]
