"""A hash's memory goes back to the system once the hash is done (kit/malloc.py).

Run in a fresh interpreter: the allocator's state belongs to the process.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

# Default parameters (argon2id, 19 MiB) and concurrency (2 threads): 5 rounds of 6
# verifications. Without the fixed threshold each hashing thread keeps one hash's memory.
_CHILD = textwrap.dedent(
    """
    import asyncio, json
    from smarttask.accounts.passwords import PasswordHashing
    from smarttask.settings import Settings

    def rss_kib():
        for line in open("/proc/self/status"):
            if line.startswith("VmRSS:"):
                return int(line.split()[1])

    settings = Settings(_env_file=None, secret_key="k" * 48)
    hashing = PasswordHashing(settings.auth)

    async def main():
        password = "a long and unusual pass phrase"
        password_hash = await hashing.hash(password)
        before = rss_kib()
        for _ in range(5):
            checks = [hashing.verify(password_hash, password) for _ in range(6)]
            assert all(await asyncio.gather(*checks))
        print(json.dumps({"before": before, "after": rss_kib(),
                          "memory_kib": settings.argon2_memory_kib,
                          "threads": settings.password_hash_concurrency}))

    asyncio.run(main())
    """
)


def test_hash_memory_is_not_kept_after_the_hashes() -> None:
    """After 30 verifications in 2 threads the process holds less than one hash's memory more."""
    assert sys.platform == "linux", "this check reads /proc and needs glibc"
    done = subprocess.run(
        [sys.executable, "-c", _CHILD], capture_output=True, text=True, check=True, timeout=120
    )
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["threads"] >= 2  # the defaults
    assert found["memory_kib"] >= 19 * 1024
    grown = found["after"] - found["before"]
    assert grown < found["memory_kib"] // 2, found
