from django.contrib.auth.hashers import Argon2PasswordHasher


class TunedArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2id at 32 MiB, 2 passes, 2 lanes: 1.7x the work of OWASP's minimum (19 MiB, t=2, p=1), calibrated with
    `manage.py bench_login --calibrate` on a 2-core server. The earlier 64 MiB x 3 passes cost 2.7 times more CPU
    per login for no requirement we have, which a burst of logins (shift change) pays in queueing. Django
    re-hashes a password at the next login when these change."""

    time_cost = 2
    memory_cost = 32768
    parallelism = 2
