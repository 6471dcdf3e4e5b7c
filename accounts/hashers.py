"""Password hashing: Argon2id with OWASP's parameters (19 MiB, 2 passes, 1 lane).

OWASP's Password Storage Cheat Sheet rates this as strong as PBKDF2-HMAC-SHA256 at 600,000
iterations; it costs about 20 ms of one core per hash here, where Django's PBKDF2 default
(1,000,000 iterations) costs about 185 ms and Django's own Argon2 parameters (100 MiB, 8 lanes)
about 170 ms and 100 MiB per concurrent sign-in. The hash records its parameters, so hashes
made with other parameters still verify and are re-made with these at the next sign-in.
"""

from __future__ import annotations

from django.contrib.auth.hashers import Argon2PasswordHasher as DjangoArgon2PasswordHasher


class Argon2PasswordHasher(DjangoArgon2PasswordHasher):
    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1
