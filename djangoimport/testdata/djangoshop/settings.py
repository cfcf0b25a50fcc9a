"""Settings of a minimal copy of the Django 3.2 shop that the importer reads.

The database comes from the environment, so that a test can point the shop
at a database of its own:

    DJANGO_DB_NAME      the database (required)
    DJANGO_DB_HOST      host name, or a socket path starting with "/"
                        (default 127.0.0.1)
    DJANGO_DB_PORT      TCP port (default 3306; ignored for a socket)
    DJANGO_DB_USER      user (default root)
    DJANGO_DB_PASSWORD  password (default empty)

The tables come from django-shop-schema.sql, not from migrations: the shop's
own models are unmanaged, and nothing here runs migrate.
"""

import os

BASE_DIR = os.path.dirname(os.path.abspath(__file__))

# The shop is never served; the key only has to exist.
SECRET_KEY = "djangoshop-testdata-not-secret"
DEBUG = False
ALLOWED_HOSTS = []

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sites",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.google",
    "allauth.socialaccount.providers.kakao",
    "accounts",
    "posts",
    "products",
]

SITE_ID = 1

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.mysql",
        "NAME": os.environ["DJANGO_DB_NAME"],
        "HOST": os.environ.get("DJANGO_DB_HOST", "127.0.0.1"),
        "PORT": os.environ.get("DJANGO_DB_PORT", "3306"),
        "USER": os.environ.get("DJANGO_DB_USER", "root"),
        "PASSWORD": os.environ.get("DJANGO_DB_PASSWORD", ""),
        "OPTIONS": {"charset": "utf8mb4"},
    }
}

# Django 3.2's startproject default: the shop's tables have bigint ids.
# Django's and allauth's apps set their own (int) in their AppConfig.
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Django 3.2's hashers, all of them, so that the shop holds a hash of every
# kind a 3.2 site can have stored. The first is the default.
PASSWORD_HASHERS = [
    "hashers.PBKDF2PasswordHasher",
    "hashers.PBKDF2SHA1PasswordHasher",
    "hashers.Argon2PasswordHasher",
    "hashers.BCryptSHA256PasswordHasher",
    "hashers.BCryptPasswordHasher",
    "django.contrib.auth.hashers.SHA1PasswordHasher",
    "django.contrib.auth.hashers.MD5PasswordHasher",
    "django.contrib.auth.hashers.UnsaltedSHA1PasswordHasher",
    "django.contrib.auth.hashers.UnsaltedMD5PasswordHasher",
]

LANGUAGE_CODE = "ko-kr"
TIME_ZONE = "Asia/Seoul"
USE_I18N = True
USE_L10N = True
# Times are stored in UTC, as the shop stored them.
USE_TZ = True

MEDIA_URL = "/media/"
MEDIA_ROOT = os.environ.get("DJANGO_MEDIA_ROOT", os.path.join(BASE_DIR, "media"))
