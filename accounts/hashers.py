from django.contrib.auth.hashers import Argon2PasswordHasher


class TunedArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2id tuned for our 2-core servers: ~64 MiB and 3 passes keep a login well under 300 ms
    while staying above OWASP's minimum (19 MiB, t=2). Django re-hashes on login when these change."""

    time_cost = 3
    memory_cost = 65536
    parallelism = 2
