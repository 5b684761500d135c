"""Argon2 with test-sized costs: the same algorithm and hash format, ~1 ms instead of ~0.5 s a hash."""

from django.contrib.auth.hashers import Argon2PasswordHasher


class FastArgon2PasswordHasher(Argon2PasswordHasher):
    time_cost = 1
    memory_cost = 1024  # KiB
    parallelism = 1
