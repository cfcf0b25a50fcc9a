"""Django 3.2's password hashers with cheap work factors.

Each class keeps the algorithm name, and so the hash prefix, of the Django
hasher it extends; only the cost is lowered (fewer PBKDF2 iterations, less
Argon2 time and memory, the lowest bcrypt cost), so that making the test
shop takes milliseconds. The cost is written into every hash, as in the
real shop, so a verifier reads it from the hash and needs no setting.
"""

from django.contrib.auth import hashers


class PBKDF2PasswordHasher(hashers.PBKDF2PasswordHasher):
    """pbkdf2_sha256 with 1,000 iterations instead of Django 3.2's 260,000."""

    iterations = 1000


class PBKDF2SHA1PasswordHasher(hashers.PBKDF2SHA1PasswordHasher):
    """pbkdf2_sha1 with 1,000 iterations instead of Django 3.2's 260,000."""

    iterations = 1000


class Argon2PasswordHasher(hashers.Argon2PasswordHasher):
    """argon2 (argon2id) with 1 MiB of memory instead of 100 MiB.

    Two lanes are kept, so that a verifier must honour the parallelism the
    hash names.
    """

    time_cost = 2
    memory_cost = 1024
    parallelism = 2


class BCryptSHA256PasswordHasher(hashers.BCryptSHA256PasswordHasher):
    """bcrypt_sha256 at cost 4, bcrypt's lowest, instead of 12."""

    rounds = 4


class BCryptPasswordHasher(hashers.BCryptPasswordHasher):
    """bcrypt at cost 4, bcrypt's lowest, instead of 12."""

    rounds = 4
