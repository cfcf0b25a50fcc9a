#!/usr/bin/python3
"""Fill an empty copy of the Django shop's database through Django itself.

Usage (the database must already hold the tables of django-shop-schema.sql,
and nothing else needs to exist):

    DJANGO_DB_NAME=shop [DJANGO_DB_HOST=… DJANGO_DB_PORT=… DJANGO_DB_USER=…
    DJANGO_DB_PASSWORD=…] /usr/bin/python3 make_shop.py --media DIR

It needs Debian's Django 3.2 and its friends:

    apt-get install python3-django python3-django-allauth python3-mysqldb \
        python3-argon2 python3-bcrypt python3-pil

The rows are written through Django's ORM (create_user, make_password with
each of Django 3.2's hashers, allauth's EmailAddress and SocialAccount, the
shop's own models), so they are what a real Django shop stores, quirks
included. Photos are small real JPEG and PNG files written under DIR at the
paths Django's ImageField would have used.

The content is fixed (a fixed seed for the little that is generated), so
two runs make the same shop, except for the random salts of the password
hashes and the random tail of unusable passwords, which Django draws itself.

Before writing anything it checks that the models map exactly onto the
tables (every column, its type, NULL and UNIQUE), and it exits non-zero if
they do not. On success it prints one JSON document on stdout that says
what it made; the Go tests compare the import against it.
"""

import sys

# The project lives in testdata: keep Python from writing __pycache__ there.
sys.dont_write_bytecode = True

import argparse  # noqa: E402
import datetime  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import unicodedata  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SEED = 20220329

UTC = datetime.timezone.utc


def at(text):
    """Parse "2022-03-29 04:12:33.123456" as a UTC time."""
    return datetime.datetime.fromisoformat(text).replace(tzinfo=UTC)


def iso(value):
    """Format a time as RFC 3339 in UTC with microseconds, or None."""
    if value is None:
        return None
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# ---------------------------------------------------------------------------
# What the shop holds. Times are UTC.

# Each user: username, the password in clear and the hasher that stored it
# (None: no usable password), flags, join time, and the customer profile
# (nickname, email, problem) or None.
USERS = [
    dict(key="admin", username="admin", password="admin-ascii-Pass1", hasher="pbkdf2_sha256",
         email="admin@impact.example", is_staff=True, is_superuser=True,
         joined="2021-01-04 09:00:00.000000", last_login="2023-11-30 08:15:42.901234",
         customer=("관리자", "admin@impact.example", "disabled")),
    dict(key="manager", username="매니저", password="🐳고래🌊 whale", hasher="argon2",
         email="manager@impact.example", is_staff=True,
         joined="2021-01-04 09:30:12.500000", last_login="2023-10-02 01:02:03.000004",
         customer=("매니저", "manager@impact.example", "environment")),
    dict(key="hana", username="hana", password="비밀번호한글", hasher="pbkdf2_sha1",
         email="hana@mail.example",
         joined="2021-02-14 13:45:01.123456", last_login="2022-12-24 23:59:59.999999",
         customer=("하나", "hana@mail.example", "environment")),
    dict(key="minsu", username="minsu", password="open sesame 123", hasher="bcrypt_sha256",
         email="minsu@mail.example",
         joined="2021-05-05 05:05:05.050505", last_login=None,
         customer=("민수", "minsu@mail.example", "employment")),
    dict(key="jiwoo", username="jiwoo", password="pa$$:word$1:2", hasher="bcrypt",
         email="jiwoo@mail.example",
         joined="2021-07-01 00:00:00.000000", last_login="2023-01-01 00:00:00.000001",
         customer=("지우", "jiwoo@mail.example", "education")),
    dict(key="sha1", username="oldtimer", password="sha1 비밀 $:🙂", hasher="sha1",
         email="oldtimer@mail.example",
         joined="2021-01-10 10:10:10.101010", last_login=None,
         customer=("올드타이머", "oldtimer@mail.example", "elders")),
    dict(key="md5", username="Legacy.User", password="md5-ascii", hasher="md5",
         email="legacy@mail.example",
         joined="2021-01-11 11:11:11.111111", last_login=None,
         customer=("레거시", "legacy@mail.example", "disabled")),
    dict(key="unsalted_sha1", username="unsalted1", password="unsalted sha1 🙂", hasher="unsalted_sha1",
         email="unsalted1@mail.example",
         joined="2021-01-12 12:12:12.121212", last_login=None,
         customer=("무염1", "unsalted1@mail.example", "education")),
    # Left the shop: the customer profile was deleted (its order stays,
    # with customer_id NULL), the account itself was not.
    dict(key="unsalted_md5", username="unsalted2", password="unsalted:md5$", hasher="unsalted_md5",
         email="unsalted2@mail.example",
         joined="2021-01-13 13:13:13.131313", last_login=None,
         customer=("탈퇴회원", "unsalted2@mail.example", "elders"), delete_customer=True),
    dict(key="inactive", username="sleeper", password="inactive-pass", hasher="pbkdf2_sha256",
         email="sleeper@mail.example", is_active=False,
         joined="2021-09-09 09:09:09.090909", last_login="2021-09-10 10:00:00.000000",
         customer=("잠자는회원", "sleeper@mail.example", "employment")),
    # Signed in through Google only: allauth named the account after the
    # address and the customer after its local part.
    dict(key="google", username="jisoo.kim", password=None, hasher=None,
         email="jisoo.kim@gmail.example",
         joined="2022-04-01 03:21:00.654321", last_login="2023-06-15 12:00:00.000000",
         customer=("jisoo.kim", "jisoo.kim@gmail.example", "disabled"),
         social=("google", "104892347561029384756")),
    # Signed in through Kakao only, which did not share an address.
    dict(key="kakao", username="user", password=None, hasher=None,
         email="",
         joined="2022-08-15 15:00:00.000000", last_login="2022-08-15 15:00:00.000000",
         customer=("카카오곰", "", "environment"),
         social=("kakao", "2043318841")),
    # Two accounts whose usernames differ only by Unicode form: the first
    # typed on a phone (NFC), the second on a Mac (NFD). MySQL's unique key
    # tells them apart; Django 1.10 and later would have normalised the
    # second on sign-up, so it predates that or came from a script.
    dict(key="seoyeon_nfc", username=unicodedata.normalize("NFC", "서연"), password="seoyeon-nfc",
         hasher="pbkdf2_sha256", email="seoyeon@mail.example",
         joined="2022-01-20 08:00:00.000000", last_login=None,
         customer=("서연", "seoyeon@mail.example", "education")),
    dict(key="seoyeon_nfd", username=unicodedata.normalize("NFD", "서연"), password="seoyeon-nfd",
         hasher="pbkdf2_sha256", email="seoyeon.mac@mail.example",
         joined="2022-02-20 08:00:00.000000", last_login=None,
         customer=("서연맥", "seoyeon.mac@mail.example", "disabled")),
]

# (name, image file, short_content, content); the images were uploaded on
# the shop's first day.
PROBLEMS = [
    ("장애인", "posts/problem/2021/01/05/장애인.png", "장애인의 자립과 일자리를 돕습니다.",
     "장애인이 지역에서 함께 일하고 살아갈 수 있도록 돕는 브랜드를 소개합니다."),
    ("환경", "posts/problem/2021/01/05/환경.png", "버려지는 자원을 다시 씁니다.",
     "업사이클과 재활용으로 쓰레기를 줄이는 브랜드들입니다.\n작은 소비가 지구를 살립니다."),
    ("고용", "posts/problem/2021/01/05/고용.jpg", "취약계층에게 좋은 일자리를.",
     "경력 단절 여성, 청년, 노숙인에게 일자리를 만드는 브랜드입니다."),
    ("교육", "posts/problem/2021/01/05/교육.jpg", None,
     "배움의 기회가 부족한 아이들에게 교육을 전합니다."),
    ("노인", "posts/problem/2021/01/05/노인.png", "어르신의 손끝에서 나온 물건.",
     "어르신들이 만든 물건으로 일자리와 존엄을 지킵니다."),
]

# (name, problem index, homepage, short, long); logo and image paths follow
# from the name.
BRANDS = [
    ("페이퍼팝", 1, "https://paperpop.example", "종이로 만드는 가구", "튼튼한 종이로 가구와 수납함을 만듭니다."),
    ("초록손", 1, "greenhand.example", "버려진 천의 두 번째 삶", "현수막과 자투리 천으로 가방을 만듭니다."),
    ("함께베이커리", 0, "https://together-bakery.example/", "발달장애인 제빵사의 빵", "발달장애인 제빵사들이 매일 굽습니다."),
    ("다온공방", 4, "http://daon.example", "어르신 손뜨개", "마을 어르신들이 뜨개질로 소품을 만듭니다."),
    ("새길학교", 3, "https://saegil.example/shop", "배움을 잇는 문구", "판매 수익으로 방과후 교실을 엽니다."),
    ("늘봄일터", 2, "https://neulbom.example", "다시 일하는 사람들", "경력 단절 여성들이 만드는 생활용품입니다."),
]

# (name, price in won, brand index or None, number of photos, created_at,
# updated_at). The shop listed products by id; created_at follows id order
# except for 종이 달력, whose date an admin moved back, and 단종된 머그컵 is
# deleted after it was ordered.
PRODUCTS = [
    ("종이 수납함", 18000, 0, 3, "2021-03-02 02:00:00.000000", "2021-03-02 02:00:00.000000"),
    ("업사이클 종이 책상", 89000, 0, 1, "2021-04-11 05:30:00.250000", "2021-05-01 00:00:00.000000"),
    ("현수막 에코백", 25000, 1, 3, "2021-05-20 01:02:03.000001", "2021-05-20 01:02:03.000001"),
    ("자투리 파우치", 12000, 1, 1, "2021-07-07 07:07:07.070707", "2022-01-01 00:00:00.000000"),
    ("우리밀 식빵", 4500, 2, 3, "2021-09-01 23:10:00.000000", "2021-09-01 23:10:00.000000"),
    ("단호박 쿠키 세트", 15000, 2, 1, "2021-11-11 11:11:11.111111", "2021-11-11 11:11:11.111111"),
    ("손뜨개 수세미 3종", 9000, 3, 3, "2022-01-15 03:00:00.000000", "2022-02-01 03:00:00.000000"),
    ("할머니 털모자", 32000, 3, 1, "2022-02-22 02:22:22.222222", "2022-02-22 02:22:22.222222"),
    ("종이 고양이 집", 32000, 0, 3, "2022-03-29 06:41:10.500000", "2022-03-29 06:41:10.500000"),
    ("새길 연필 세트", 6000, 4, 1, "2022-05-05 05:05:05.000000", "2022-05-05 05:05:05.000000"),
    ("단종된 머그컵", 14000, 5, 1, "2022-06-01 00:00:00.000000", "2022-06-01 00:00:00.000000"),
    ("새길 공책 5권", 7500, 4, 3, "2022-07-01 09:00:00.000000", "2022-07-01 09:00:00.000000"),
    ("늘봄 행주 세트", 11000, 5, 1, "2022-08-08 08:08:08.080808", "2022-08-08 08:08:08.080808"),
    ("종이 달력", 13000, 0, 1, "2021-08-15 00:00:00.000000", "2022-09-30 10:00:00.000000"),
    ("천연 수제 비누", 8000, 5, 3, "2022-10-10 10:10:10.101010", "2022-10-10 10:10:10.101010"),
    ("업사이클 필통", 9500, 1, 3, "2022-12-01 12:00:00.000000", "2023-01-02 00:00:00.000000"),
    ("호두 파이", 21000, 2, 1, "2023-02-14 14:14:14.141414", "2023-02-14 14:14:14.141414"),
    ("손뜨개 목도리", 45000, 3, 3, "2023-04-01 00:00:00.000001", "2023-04-01 00:00:00.000001"),
    ("새길 스케치북", 5000, 4, 1, "2023-06-06 06:06:06.060606", "2023-06-06 06:06:06.060606"),
    ("늘봄 앞치마", 19000, 5, 1, "2023-09-09 09:09:09.090909", "2023-10-01 00:00:00.000000"),
    ("임팩트뮤지엄 에코백", 15000, None, 1, "2023-12-01 00:00:00.000000", "2023-12-01 00:00:00.000000"),
]
DELETED_PRODUCT = "단종된 머그컵"
# The upload date of 종이 달력's photo: the day it was really created, before
# its created_at was moved back.
CALENDAR_UPLOADED = "2022/09/01"
# A photo whose file is gone from the media folder, and one whose file is
# not an image (an HTML error page saved under a .jpg name).
MISSING_PHOTO = ("단호박 쿠키 세트", 1)
NOT_AN_IMAGE = ("업사이클 필통", 3)

# (author key, title, category, pinned, created_at, updated_at, body).
POSTS = [
    ("admin", "임팩트뮤지엄을 열었습니다", "NORMAL", True,
     "2021-01-05 00:00:00.000000", "2021-01-05 00:00:00.000000",
     "안녕하세요, 임팩트뮤지엄입니다.\n사회 문제를 푸는 브랜드의 물건을 소개합니다."),
    ("manager", "발달장애인 제빵사 이야기", "DISABLED", False,
     "2021-09-02 01:00:00.000000", "2021-09-03 01:00:00.000000",
     "함께베이커리의 제빵사들을 만났습니다."),
    ("manager", "종이 가구는 튼튼할까?", "ENVIRONMENT", False,
     "2021-10-10 10:00:00.000000", "2021-10-10 10:00:00.000000",
     "페이퍼팝의 종이 책상에 올라가 보았습니다. 100kg까지 버팁니다."),
    ("admin", "배송 안내 (필독)", "NORMAL", True,
     "2022-01-03 00:30:00.000000", "2023-03-01 00:00:00.000000",
     "주문 후 3일 안에 보냅니다.\n제주와 도서산간은 하루 더 걸립니다."),
    ("manager", "다시 일하는 사람들", "EMPLOYMENT", False,
     "2022-05-01 05:00:00.000000", "2022-05-01 05:00:00.000000",
     "늘봄일터는 경력 단절 여성들과 함께합니다."),
    ("admin", "방과후 교실 후원 결과", "EDUCATION", False,
     "2022-11-20 08:00:00.123456", "2022-11-20 08:00:00.123456",
     "여러분의 구매로 방과후 교실 두 곳이 문을 열었습니다."),
    ("manager", "어르신들의 겨울 뜨개", "ELDERS", False,
     "2023-01-15 02:00:00.000000", "2023-01-15 02:00:00.000000",
     "다온공방 어르신들이 올겨울 목도리 300개를 떴습니다."),
    ("admin", "설 연휴 배송 휴무", "NORMAL", False,
     "2023-01-18 09:00:00.000000", "2023-01-18 09:00:00.000000",
     "1월 20일부터 24일까지 배송을 쉽니다."),
]

# (customer key, complete, transaction_id, date_ordered, items, address).
# Items are (product name, quantity, date_added); the address is
# (address, city, zipcode) or None.
ORDERS = [
    ("hana", True, "1648534123.512345", "2022-03-29 07:00:00.000000",
     [("종이 수납함", 2, "2022-03-29 06:50:00.000000"), ("종이 고양이 집", 1, "2022-03-29 06:55:00.000000")],
     ("서울시 마포구 월드컵북로 1, 101호", "서울", "03900")),
    ("hana", True, None, "2022-06-01 12:00:00.000000",
     [("우리밀 식빵", 3, "2022-06-01 11:58:00.000000")],
     ("서울시 마포구 월드컵북로 1, 101호", "서울", "03900")),
    ("minsu", True, "1659312000.000001", "2022-08-01 00:00:00.000000",
     [("손뜨개 수세미 3종", 1, "2022-07-31 23:50:00.000000"),
      ("새길 공책 5권", 2, "2022-07-31 23:51:00.000000"),
      ("늘봄 행주 세트", 1, "2022-07-31 23:52:00.000000")],
     ("부산시 해운대구 센텀로 99", "부산", None)),
    # The open cart: the shop kept it as an incomplete order.
    ("jiwoo", False, None, "2023-05-01 10:00:00.000000",
     [("손뜨개 목도리", 1, "2023-05-01 10:00:00.000000"), ("새길 스케치북", 4, "2023-05-02 11:00:00.000000")],
     None),
    # complete is NULL: written by hand, outside the shop's code.
    ("minsu", None, None, "2023-03-03 03:03:03.000000",
     [("호두 파이", 1, "2023-03-03 03:03:03.000000")],
     None),
    # Its customer is deleted afterwards: customer_id becomes NULL.
    ("unsalted_md5", True, "1640995200.1", "2022-01-01 00:00:00.000000",
     [("현수막 에코백", 1, "2021-12-31 23:59:00.000000")],
     ("대구시 중구 동성로 2", "대구", "41911")),
    # Its mug is deleted afterwards: the item's product_id becomes NULL.
    ("google", True, "1656633600.5", "2022-07-01 00:00:00.000000",
     [("단종된 머그컵", 2, "2022-06-30 23:00:00.000000"), ("새길 연필 세트", 1, "2022-06-30 23:30:00.000000")],
     ("경기도 성남시 분당구 판교역로 166", "성남", "13529")),
    ("kakao", True, "1692111600.25", "2023-08-15 15:00:00.000000",
     [("늘봄 앞치마", 1, "2023-08-15 14:59:00.000000")],
     ("제주시 첨단로 242", None, "63309")),
]


# ---------------------------------------------------------------------------
# Photos


class Media:
    """Writes small real photos under the media folder and remembers them."""

    def __init__(self, root, rng):
        self.root = root
        self.rng = rng
        self.files = []

    def photo(self, path):
        """Write a small JPEG or PNG (by the path's extension) at path."""
        from PIL import Image, ImageDraw

        full = os.path.join(self.root, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        width, height = self.rng.choice([(32, 24), (24, 32), (40, 40)])
        background = tuple(self.rng.randrange(256) for _ in range(3))
        stripe = tuple(self.rng.randrange(256) for _ in range(3))
        img = Image.new("RGB", (width, height), background)
        ImageDraw.Draw(img).rectangle([width // 4, height // 4, width * 3 // 4, height * 3 // 4], fill=stripe)
        fmt = "PNG" if path.lower().endswith(".png") else "JPEG"
        img.save(full, fmt)
        self.files.append(dict(path=path, format=fmt, width=width, height=height))
        return path

    def junk(self, path):
        """Write a file that is not an image under an image's name."""
        full = os.path.join(self.root, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "wb") as f:
            f.write(b"<html><body>502 Bad Gateway</body></html>\n")
        return path


# ---------------------------------------------------------------------------
# The models must be the schema's tables, column for column.


def check_models(connection, models):
    """Return the differences between models and the tables in the database."""
    # Django's MySQL column types as MariaDB reports them back.
    as_stored = {
        "integer AUTO_INCREMENT": "int(11)",
        "bigint AUTO_INCREMENT": "bigint(20)",
        "integer": "int(11)",
        "bigint": "bigint(20)",
        "integer UNSIGNED": "int(10) unsigned",
        "bool": "tinyint(1)",
    }
    problems = []
    with connection.cursor() as cur:
        for model in models:
            table = model._meta.db_table
            cur.execute(
                "SELECT column_name, column_type, is_nullable FROM information_schema.columns"
                " WHERE table_schema = DATABASE() AND table_name = %s",
                [table],
            )
            stored = {name: (ctype, nullable == "YES") for name, ctype, nullable in cur.fetchall()}
            if not stored:
                problems.append("table %s is missing" % table)
                continue
            mapped = {}
            for field in model._meta.concrete_fields:
                ctype = field.db_type(connection)
                mapped[field.column] = (as_stored.get(ctype, ctype), field.null)
            for column in sorted(set(stored) | set(mapped)):
                if column not in mapped:
                    problems.append("%s.%s is not mapped" % (table, column))
                elif column not in stored:
                    problems.append("%s.%s is not in the table" % (table, column))
                elif mapped[column] != stored[column]:
                    problems.append("%s.%s is %s in the model, %s in the table" % (table, column, mapped[column], stored[column]))

            cur.execute(
                "SELECT index_name, column_name FROM information_schema.statistics"
                " WHERE table_schema = DATABASE() AND table_name = %s AND non_unique = 0"
                " AND index_name <> 'PRIMARY' ORDER BY index_name, seq_in_index",
                [table],
            )
            indexes = {}
            for index, column in cur.fetchall():
                indexes.setdefault(index, []).append(column)
            unique_stored = {tuple(cols) for cols in indexes.values()}
            unique_mapped = {(f.column,) for f in model._meta.concrete_fields if f.unique and not f.primary_key}
            for together in model._meta.unique_together:
                unique_mapped.add(tuple(model._meta.get_field(name).column for name in together))
            if unique_mapped != unique_stored:
                problems.append("%s: unique keys %s in the model, %s in the table" % (table, sorted(unique_mapped), sorted(unique_stored)))
    return problems


# ---------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--media", required=True, help="the media folder (MEDIA_ROOT) to write photos into")
    args = parser.parse_args()
    media_root = os.path.abspath(args.media)
    os.makedirs(media_root, exist_ok=True)

    sys.path.insert(0, os.path.join(HERE, "djangoshop"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "settings"
    os.environ["DJANGO_MEDIA_ROOT"] = media_root
    import django

    django.setup()

    from allauth.account.models import EmailAddress
    from allauth.socialaccount.models import SocialAccount
    from django.contrib.auth.hashers import check_password, make_password
    from django.contrib.auth.models import User
    from django.db import connection, transaction

    from accounts.models import Customer
    from posts.models import Brand, Post, Problem
    from products.models import Order, OrderItem, Product, ShippingAddress

    models = [User, EmailAddress, SocialAccount, Customer, Problem, Brand, Post, Product, Order, OrderItem, ShippingAddress]
    mismatch = check_models(connection, models)
    if mismatch:
        for line in mismatch:
            print("make_shop: model and schema differ: " + line, file=sys.stderr)
        sys.exit(1)
    for model in models:
        if model.objects.exists():
            print("make_shop: %s is not empty; make_shop fills an empty database" % model._meta.db_table, file=sys.stderr)
            sys.exit(1)

    rng = random.Random(SEED)
    media = Media(media_root, rng)
    clear = {}  # user id -> (password, hasher)
    users = {}  # key -> User
    customers = {}  # key -> Customer
    doomed_customers = []

    with transaction.atomic():
        # People.
        for spec in USERS:
            extra = dict(
                is_staff=spec.get("is_staff", False),
                is_superuser=spec.get("is_superuser", False),
                is_active=spec.get("is_active", True),
                date_joined=at(spec["joined"]),
                last_login=at(spec["last_login"]) if spec["last_login"] else None,
            )
            if unicodedata.is_normalized("NFKC", spec["username"]):
                user = User.objects.create_user(spec["username"], spec["email"], None, **extra)
            else:
                # create_user would normalise the name to NFKC and collide.
                user = User(username=spec["username"], email=spec["email"], **extra)
            if spec["hasher"]:
                user.password = make_password(spec["password"], hasher=spec["hasher"])
                if not check_password(spec["password"], user.password):
                    raise SystemExit("make_shop: Django does not verify its own %s hash" % spec["hasher"])
            else:
                user.set_unusable_password()
            user.save()
            users[spec["key"]] = user
            clear[user.id] = (spec["password"], spec["hasher"] or "unusable")

            if spec["email"]:
                EmailAddress.objects.create(user=user, email=spec["email"], primary=True,
                                            verified=spec["key"] not in ("md5", "sha1", "inactive"))
            if spec["key"] == "hana":
                EmailAddress.objects.create(user=user, email="hana.work@company.example", primary=False, verified=False)

            if "social" in spec:
                provider, uid = spec["social"]
                if provider == "google":
                    extra_data = {"sub": uid, "email": spec["email"], "email_verified": True,
                                  "name": "김지수", "given_name": "지수", "family_name": "김",
                                  "picture": "https://lh3.googleusercontent.example/a/photo", "locale": "ko"}
                else:
                    extra_data = {"id": int(uid), "connected_at": "2022-08-15T15:00:00Z",
                                  "properties": {"nickname": "카카오곰"},
                                  "kakao_account": {"profile_nickname_needs_agreement": False,
                                                    "profile": {"nickname": "카카오곰"},
                                                    "has_email": False}}
                account = SocialAccount.objects.create(user=user, provider=provider, uid=uid, extra_data=extra_data)
                # last_login and date_joined are auto_now fields: set them afterwards.
                SocialAccount.objects.filter(pk=account.pk).update(
                    date_joined=user.date_joined, last_login=user.last_login or user.date_joined)

            nickname, email, problem = spec["customer"]
            customers[spec["key"]] = Customer.objects.create(user=user, name=nickname, email=email, problem=problem)
            if spec.get("delete_customer"):
                doomed_customers.append(spec["key"])

        # Catalog.
        problems = []
        for name, image, short, content in PROBLEMS:
            problems.append(Problem.objects.create(name=name, image=media.photo(image), content=content, short_content=short))

        brands = []
        for i, (name, problem, homepage, short, long) in enumerate(BRANDS):
            day = "2021/02/%02d" % (i + 1)
            brands.append(Brand.objects.create(
                name=name, short_content=short, long_content=long, homepage=homepage,
                problem=problems[problem],
                logo=media.photo("posts/brand/%s/%s_로고.png" % (day, name)),
                image=media.photo("posts/brand/%s/%s.jpg" % (day, name))))

        products = {}
        for name, price, brand, photos, created, updated in PRODUCTS:
            # Named as the shop's staff named uploads: brand_n, in the
            # folder of the upload's day (ImageField's upload_to).
            owner = brands[brand].name if brand is not None else "임팩트뮤지엄"
            day = CALENDAR_UPLOADED if name == "종이 달력" else created[:10].replace("-", "/")
            paths = []
            for n in range(1, photos + 1):
                ext = {1: "jpg", 2: "png", 3: "jpeg"}[n]
                path = "products/product/%s/%s_%d.%s" % (day, owner, n, ext)
                if (name, n) == MISSING_PHOTO:
                    pass  # recorded in the row, never written
                elif (name, n) == NOT_AN_IMAGE:
                    media.junk(path)
                else:
                    media.photo(path)
                paths.append(path)
            paths += [None] * (3 - len(paths))
            product = Product.objects.create(
                product_name=name, price=price, brand=brands[brand] if brand is not None else None,
                image=paths[0], image2=paths[1], image3=paths[2])
            # created_at and updated_at are auto fields: set the real times afterwards.
            Product.objects.filter(pk=product.pk).update(created_at=at(created), updated_at=at(updated))
            products[name] = product

        # Board.
        for author, title, category, pinned, created, updated, body in POSTS:
            post = Post.objects.create(author=customers[author], title=title, category=category, top_fixed=pinned, body=body)
            Post.objects.filter(pk=post.pk).update(created_at=at(created), updated_at=at(updated))

        # Orders.
        for customer, complete, transaction_id, ordered, items, address in ORDERS:
            order = Order.objects.create(customer=customers[customer], complete=complete, transaction_id=transaction_id)
            Order.objects.filter(pk=order.pk).update(date_ordered=at(ordered))
            for product, quantity, added in items:
                item = OrderItem.objects.create(order=order, product=products[product], quantity=quantity)
                OrderItem.objects.filter(pk=item.pk).update(date_added=at(added))
            if address:
                street, city, zipcode = address
                shipping = ShippingAddress.objects.create(customer=customers[customer], order=order,
                                                          address=street, city=city, zipcode=zipcode)
                ShippingAddress.objects.filter(pk=shipping.pk).update(date_added=at(ordered))

        # Deletions, through the ORM so that on_delete=SET_NULL does its work.
        products.pop(DELETED_PRODUCT).delete()
        for key in doomed_customers:
            customers.pop(key).delete()

    print(json.dumps(describe(clear, media), indent=1, ensure_ascii=True))


def describe(clear, media):
    """Read the shop back through the ORM and describe it for the Go tests."""
    from allauth.account.models import EmailAddress
    from allauth.socialaccount.models import SocialAccount
    from django.contrib.auth.models import User

    from accounts.models import Customer
    from posts.models import Brand, Post, Problem
    from products.models import Order, OrderItem, Product, ShippingAddress

    out = dict(users=[], problems=[], brands=[], products=[], posts=[], orders=[],
               media=media.files,
               missing_media=[], not_image_media=[])

    for user in User.objects.order_by("id"):
        password, hasher = clear[user.id]
        customer = Customer.objects.filter(user=user).first()
        out["users"].append(dict(
            id=user.id, username=user.username, email=user.email,
            password=password, hasher=hasher, password_hash=user.password,
            is_active=user.is_active, is_staff=user.is_staff, is_superuser=user.is_superuser,
            date_joined=iso(user.date_joined), last_login=iso(user.last_login),
            customer=None if customer is None else dict(
                id=customer.id, nickname=customer.name, email=customer.email, problem=customer.problem),
            emails=[dict(email=e.email, verified=e.verified, primary=e.primary)
                    for e in EmailAddress.objects.filter(user=user).order_by("id")],
            social=[dict(provider=s.provider, uid=s.uid)
                    for s in SocialAccount.objects.filter(user=user).order_by("id")],
        ))

    for p in Problem.objects.order_by("id"):
        out["problems"].append(dict(id=p.id, name=p.name, image=p.image.name or None, short_content=p.short_content))

    for b in Brand.objects.order_by("id"):
        out["brands"].append(dict(id=b.id, name=b.name, problem_id=b.problem_id, homepage=b.homepage,
                                  logo=b.logo.name or None, image=b.image.name or None))

    for p in Product.objects.order_by("id"):
        images = [f.name for f in (p.image, p.image2, p.image3) if f.name]
        out["products"].append(dict(id=p.id, name=p.product_name, price=p.price, brand_id=p.brand_id,
                                    images=images, created_at=iso(p.created_at), updated_at=iso(p.updated_at)))
        if p.product_name == MISSING_PHOTO[0]:
            out["missing_media"].append(images[MISSING_PHOTO[1] - 1])
        if p.product_name == NOT_AN_IMAGE[0]:
            out["not_image_media"].append(images[NOT_AN_IMAGE[1] - 1])

    for p in Post.objects.select_related("author").order_by("id"):
        out["posts"].append(dict(id=p.id, title=p.title, category=p.category, pinned=p.top_fixed,
                                 author_customer_id=p.author_id, author_user_id=p.author.user_id,
                                 created_at=iso(p.created_at), updated_at=iso(p.updated_at)))

    for o in Order.objects.select_related("customer").order_by("id"):
        address = ShippingAddress.objects.filter(order=o).order_by("id").first()
        out["orders"].append(dict(
            id=o.id, complete=o.complete, transaction_id=o.transaction_id,
            customer_id=o.customer_id, customer_user_id=o.customer.user_id if o.customer else None,
            date_ordered=iso(o.date_ordered),
            items=[dict(id=i.id, product_id=i.product_id, quantity=i.quantity, date_added=iso(i.date_added))
                   for i in OrderItem.objects.filter(order=o).order_by("id")],
            address=None if address is None else dict(address=address.address, city=address.city, zipcode=address.zipcode),
        ))
    return out


if __name__ == "__main__":
    main()
