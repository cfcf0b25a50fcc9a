#!/usr/bin/python3
"""Password hashes made and checked by real Django, for package account's tests.

Run it with Debian's Python, which has Django (python3-django, 3.2) and the
libraries of its Argon2 and bcrypt hashers (python3-argon2, python3-bcrypt):

    /usr/bin/python3 account/testdata/django_hashes.py > account/testdata/django-hashes.json
    /usr/bin/python3 account/testdata/django_hashes.py check < hashes.json

With no argument it prints a JSON list of vectors, one per hasher and
password:

    {"hasher": Django's algorithm name, "params": what it was made with,
     "password": ..., "wrong": a password Django refuses for it,
     "encoded": the stored hash, "cheap": made with parameters lowered to
     keep the tests fast, "supported": whether package account can verify
     that format}

Every vector is checked with Django's check_password before it is printed:
its password verifies and its wrong password does not. The hashes come from
Django's own hashers through make_password, some of them subclassed only to
lower their cost (iterations, rounds, memory) where noted. Three kinds are
made otherwise, each said where it is made: Django 4.2's scrypt hasher,
which Django 3.2 lacks; unsalted MD5 in the "md5$$" form, which Django
accepts but no longer writes; and Argon2 hashes of version 1.0, which only
older libraries wrote.

With "check" it reads a JSON list of {"password", "encoded"} from standard
input and prints the list back with "ok" added: what Django's
check_password says of each.
"""

import base64
import hashlib
import json
import sys
import warnings

import django
from django.conf import settings
from django.contrib.auth import hashers

# Every hasher Django 3.2 ships, and scrypt. Only check_password uses this
# list (make_password is handed its hasher), so the cheap subclasses below
# are registered in place of the classes they lower: Django verifies a hash
# at the parameters it carries whatever the registered class's, and a cheap
# PBKDF2 first in the list keeps check_password's timing padding of wrong
# passwords (harden_runtime) short.
settings.configure(
    PASSWORD_HASHERS=[
        "__main__.CheapPBKDF2PasswordHasher",
        "__main__.CheapPBKDF2SHA1PasswordHasher",
        "__main__.CheapArgon2PasswordHasher",
        "__main__.CheapBCryptSHA256PasswordHasher",
        "__main__.CheapBCryptPasswordHasher",
        "__main__.ScryptPasswordHasher",
        "django.contrib.auth.hashers.SHA1PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.UnsaltedSHA1PasswordHasher",
        "django.contrib.auth.hashers.UnsaltedMD5PasswordHasher",
        "django.contrib.auth.hashers.CryptPasswordHasher",
    ],
)
django.setup()

PASSWORDS = [
    "password1234",  # ASCII
    "비밀번호는 안전해요",  # Korean
    "🔐🦄✨",  # emoji, four bytes each in UTF-8
    "x",  # one character
    "0123456789abcdef" * 8,  # 128 characters: past bcrypt's 72 bytes
    "  spaces inside and around  ",
    "pa$$:word$1:",  # the separators of the formats
]


class CheapPBKDF2PasswordHasher(hashers.PBKDF2PasswordHasher):
    """Django's PBKDF2-SHA256 at 1,000 iterations instead of 260,000."""

    iterations = 1000


class CheapPBKDF2SHA1PasswordHasher(hashers.PBKDF2SHA1PasswordHasher):
    """Django's PBKDF2-SHA1 at 1,000 iterations instead of 260,000."""

    iterations = 1000


class CheapArgon2PasswordHasher(hashers.Argon2PasswordHasher):
    """Django's Argon2id at 256 KiB, 1 pass and 2 lanes instead of 100 MiB,
    2 passes and 8 lanes."""

    time_cost = 1
    memory_cost = 256
    parallelism = 2


class Argon2iPasswordHasher(hashers.Argon2PasswordHasher):
    """Django's Argon2 hasher writing argon2i, at the parameters Django 1.10
    to 2.2 used (512 KiB, 2 passes, 2 lanes), as those versions stored
    Argon2 hashes."""

    time_cost = 2
    memory_cost = 512
    parallelism = 2

    def params(self):
        params = super().params()
        params.type = self._load_library().low_level.Type.I
        return params


class FloorArgon2PasswordHasher(hashers.Argon2PasswordHasher):
    """Django's Argon2id at OWASP's smallest recommended setting (19 MiB,
    2 passes, 1 lane), which package account keeps."""

    time_cost = 2
    memory_cost = 19456
    parallelism = 1


class Argon2dPasswordHasher(hashers.Argon2PasswordHasher):
    """Django's Argon2 hasher writing argon2d, which Django verifies and
    package account cannot (golang.org/x/crypto/argon2 has no argon2d)."""

    time_cost = 1
    memory_cost = 256
    parallelism = 1

    def params(self):
        params = super().params()
        params.type = self._load_library().low_level.Type.D
        return params


class CheapBCryptSHA256PasswordHasher(hashers.BCryptSHA256PasswordHasher):
    """Django's BCrypt-SHA256 at cost 4 instead of 12."""

    rounds = 4


class CheapBCryptPasswordHasher(hashers.BCryptPasswordHasher):
    """Django's BCrypt at cost 4 instead of 12."""

    rounds = 4


class ScryptPasswordHasher(hashers.BasePasswordHasher):
    """Django 4.2's ScryptPasswordHasher, which Django 3.2 does not have:
    the same algorithm and format, written again here. Django 4.2 stores

        scrypt$<N>$<salt>$<r>$<p>$<base64 of the 64-byte key>

    with the key from hashlib.scrypt(password.encode(), salt=salt.encode(),
    n=N, r=r, p=p, maxmem=0, dklen=64), a salt from BasePasswordHasher.salt
    (22 characters), and N = 2**14, r = 8, p = 1 by default (Django 5.1
    raised p to 5).
    """

    algorithm = "scrypt"
    block_size = 8
    maxmem = 0
    parallelism = 1
    work_factor = 2**14

    def encode(self, password, salt, n=None, r=None, p=None):
        assert password is not None
        assert salt and "$" not in salt
        n = n or self.work_factor
        r = r or self.block_size
        p = p or self.parallelism
        hash_ = hashlib.scrypt(
            password.encode(),
            salt=salt.encode(),
            n=n,
            r=r,
            p=p,
            maxmem=self.maxmem,
            dklen=64,
        )
        hash_ = base64.b64encode(hash_).decode("ascii").strip()
        return "%s$%d$%s$%d$%d$%s" % (self.algorithm, n, salt, r, p, hash_)

    def decode(self, encoded):
        algorithm, work_factor, salt, block_size, parallelism, hash_ = encoded.split("$", 6)
        assert algorithm == self.algorithm
        return {
            "algorithm": algorithm,
            "work_factor": int(work_factor),
            "salt": salt,
            "block_size": int(block_size),
            "parallelism": int(parallelism),
            "hash": hash_,
        }

    def verify(self, password, encoded):
        decoded = self.decode(encoded)
        encoded_2 = self.encode(
            password,
            decoded["salt"],
            decoded["work_factor"],
            decoded["block_size"],
            decoded["parallelism"],
        )
        return hashers.constant_time_compare(encoded, encoded_2)

    def safe_summary(self, encoded):
        decoded = self.decode(encoded)
        return {
            "algorithm": decoded["algorithm"],
            "work factor": decoded["work_factor"],
            "block size": decoded["block_size"],
            "parallelism": decoded["parallelism"],
            "salt": hashers.mask_hash(decoded["salt"]),
            "hash": hashers.mask_hash(decoded["hash"]),
        }

    def must_update(self, encoded):
        decoded = self.decode(encoded)
        return (
            decoded["work_factor"] != self.work_factor
            or decoded["block_size"] != self.block_size
            or decoded["parallelism"] != self.parallelism
        )

    def harden_runtime(self, password, encoded):
        # Django's scrypt hasher does not pad the timing either.
        pass


class CheapScryptPasswordHasher(ScryptPasswordHasher):
    """Scrypt at N = 2**10 instead of 2**14."""

    work_factor = 2**10


class CheapScrypt51PasswordHasher(ScryptPasswordHasher):
    """Scrypt at Django 5.1's p = 5, with N = 2**10 instead of 2**14."""

    work_factor = 2**10
    parallelism = 5


def argon2_version_10(password, unprefixed):
    """An Argon2i hash of version 1.0 (v=16) in Django's format, as
    argon2-cffi wrote before Argon2 1.3; with unprefixed, without the "v="
    field, as libraries older still wrote it (the argon2 library reads a
    hash without one as version 1.0). Django's hasher never writes version
    1.0 itself, but verifies it; package account cannot, as
    golang.org/x/crypto/argon2 implements version 1.3 only."""
    from argon2 import low_level

    salt = hashers.get_random_string(22)
    data = low_level.hash_secret(
        password.encode(),
        salt.encode(),
        time_cost=1,
        memory_cost=256,
        parallelism=1,
        hash_len=32,
        type=low_level.Type.I,
        version=0x10,
    ).decode("ascii")
    if unprefixed:
        data = data.replace("$v=16$", "$", 1)
    return "argon2" + data


def wrong(password):
    """A password that differs from password within its first 72 bytes, so
    that even bcrypt, which reads no further, refuses it."""
    return "Wrong-" + password


def vectors():
    """Makes every vector and checks it with Django."""
    out = []

    def add(hasher, params, password, encoded, cheap=False, supported=True):
        out.append({
            "hasher": hasher,
            "params": params,
            "password": password,
            "wrong": wrong(password),
            "encoded": encoded,
            "cheap": cheap,
            "supported": supported,
        })

    def made(hasher_obj, params, passwords=PASSWORDS, cheap=False, supported=True):
        for password in passwords:
            encoded = hashers.make_password(password, hasher=hasher_obj)
            add(hasher_obj.algorithm, params, password, encoded, cheap, supported)

    made(CheapPBKDF2PasswordHasher(), "1,000 iterations")
    made(CheapPBKDF2SHA1PasswordHasher(), "1,000 iterations")
    made(CheapArgon2PasswordHasher(), "argon2id, m=256, t=1, p=2", cheap=True)
    made(Argon2iPasswordHasher(), "argon2i, m=512, t=2, p=2 (Django 1.10 to 2.2)", cheap=True)
    made(CheapBCryptSHA256PasswordHasher(), "cost 4", cheap=True)
    made(CheapBCryptPasswordHasher(), "cost 4", cheap=True)
    made(CheapScryptPasswordHasher(), "N=2**10, r=8, p=1", cheap=True)
    made(CheapScrypt51PasswordHasher(), "N=2**10, r=8, p=5", PASSWORDS[:2], cheap=True)
    # At their defaults or floors, the hashes package account keeps; one
    # password each, as they are slow to check on purpose.
    made(FloorArgon2PasswordHasher(), "argon2id, m=19456, t=2, p=1 (OWASP's least)", PASSWORDS[1:2])
    made(hashers.Argon2PasswordHasher(), "argon2id, m=102400, t=2, p=8 (Django 3.2's default)", PASSWORDS[:1])
    made(ScryptPasswordHasher(), "N=2**14, r=8, p=1 (Django 4.2's default)", PASSWORDS[2:3])
    made(hashers.SHA1PasswordHasher(), "salted")
    made(hashers.MD5PasswordHasher(), "salted")
    made(hashers.UnsaltedSHA1PasswordHasher(), "unsalted, sha1$$<hex>")
    made(hashers.UnsaltedMD5PasswordHasher(), "unsalted, bare hex")

    # Django accepts unsalted MD5 as md5$$<hex> too, but writes it bare.
    for password in PASSWORDS:
        encoded = "md5$$" + hashers.make_password(password, hasher=hashers.UnsaltedMD5PasswordHasher())
        add("unsalted_md5", "unsalted, md5$$<hex>", password, encoded)

    # bcrypt reads the first 72 bytes of a password only, and Django's
    # plain bcrypt hasher hands it the password as it is: every password
    # that begins with the same 72 bytes verifies.
    long_password = PASSWORDS[4]
    for v in list(out):
        if v["hasher"] == "bcrypt" and v["password"] == long_password:
            add("bcrypt", v["params"] + ", another password with the same first 72 bytes",
                long_password[:72] + "whatever follows", v["encoded"], v["cheap"])

    # Formats Django verifies and package account cannot.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # the crypt module
        made(hashers.CryptPasswordHasher(), "Unix crypt", PASSWORDS[:1], supported=False)
    made(Argon2dPasswordHasher(), "argon2d, m=256, t=1, p=1", PASSWORDS[:1], supported=False)
    add("argon2", "argon2i, v=16 (Argon2 1.0)", PASSWORDS[0],
        argon2_version_10(PASSWORDS[0], False), supported=False)
    add("argon2", "argon2i, no v= (Argon2 1.0)", PASSWORDS[0],
        argon2_version_10(PASSWORDS[0], True), supported=False)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        for v in out:
            if not hashers.check_password(v["password"], v["encoded"]):
                sys.exit("Django refuses its own hash %r of %r" % (v["encoded"], v["password"]))
            if hashers.check_password(v["wrong"], v["encoded"]):
                sys.exit("Django accepts %r for the hash %r" % (v["wrong"], v["encoded"]))
    return out


def check():
    """Answers check_password for each {"password", "encoded"} on stdin."""
    items = json.load(sys.stdin)
    for item in items:
        item["ok"] = hashers.check_password(item["password"], item["encoded"])
    return items


def main():
    if sys.argv[1:] == ["check"]:
        result = check()
    elif sys.argv[1:] == []:
        result = vectors()
    else:
        sys.exit("usage: django_hashes.py [check]")
    json.dump(result, sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
