"""The demo street: believable merchants, staff, customers and history, created idempotently."""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import cache

from django.contrib.auth.hashers import make_password
from django.db import transaction

from customers import demo as customer_demo
from facepay.models import User
from merchants import credit_codes
from merchants import demo as merchant_demo

DEMO_PASSWORD = "wuma-street-2026"  # noqa: S105 - published demo credential, embedded mode only
WENZHOU_LUCHENG = "330302"  # administrative division code used in the demo credit codes

# (username, display name, business, trade, address on Wuma Street, stores)
MERCHANTS: list[tuple[str, str, str, str, str, list[str]]] = [
    ("owner.teahouse", "王建国", "五马茶楼", "teahouse", "五马街 12 号", ["五马茶楼 总店"]),
    (
        "owner.noodles",
        "陈美玲",
        "温州鱼丸面馆",
        "restaurant",
        "五马街 28 号",
        ["鱼丸面馆 五马店", "鱼丸面馆 公园路店"],
    ),
    ("owner.bakery", "林晓峰", "老城烘焙坊", "bakery", "五马街 35 号", ["老城烘焙坊"]),
    ("owner.fruit", "黄丽华", "鲜果时光", "fruit", "五马街 41 号", ["鲜果时光"]),
    ("owner.shoes", "周德明", "瓯越皮鞋", "shoes", "五马街 56 号", ["瓯越皮鞋 旗舰店"]),
    ("owner.pharmacy", "吴秀英", "仁心大药房", "pharmacy", "五马街 63 号", ["仁心大药房"]),
    ("owner.books", "郑文博", "墨香书店", "books", "五马街 77 号", ["墨香书店"]),
    ("owner.clothing", "孙雅琴", "江南衣坊", "clothing", "五马街 88 号", ["江南衣坊"]),
    ("owner.grocery", "李志强", "街坊便利店", "grocery", "五马街 95 号", ["街坊便利店"]),
]

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余于杜叶程"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超霞平刚华东梅"  # one-character given names


@dataclass(frozen=True)
class DemoLogin:
    role: str
    username: str
    password: str
    note: str


@cache
def _demo_password_hash() -> str:
    # One hash for every demo login: hashing 80 passwords would take most of a minute.
    return make_password(DEMO_PASSWORD)


def _user(username: str, *, role: str, display_name: str, phone: str = "") -> User:
    user, _ = User.objects.get_or_create(
        username=username,
        defaults={
            "role": role,
            "display_name": display_name,
            "phone": phone,
            "email": f"{username}@demo.facepay.local",
            "password": _demo_password_hash(),
        },
    )
    return user


def _credit_code(index: int) -> str:
    body = f"91{WENZHOU_LUCHENG}MA2{index:05d}K"  # 17 characters; the check comes last
    return body + credit_codes.check_character(body)


@transaction.atomic
def seed_street(*, customers: int = 60) -> list[DemoLogin]:
    """Create (or find) the demo street's people and places; safe to run any number of times."""
    rng = random.Random(2026)  # noqa: S311 - reproducible demo data, not security
    logins = [
        DemoLogin("operator", "operator", DEMO_PASSWORD, "platform operator"),
        DemoLogin("finance_reviewer", "finance", DEMO_PASSWORD, "city finance office"),
        DemoLogin("finance_reviewer", "finance2", DEMO_PASSWORD, "second reviewer"),
    ]
    operator = _user("operator", role=User.Role.OPERATOR, display_name="平台运营")
    if not operator.is_staff:
        operator.is_staff = operator.is_superuser = True
        operator.save(update_fields=["is_staff", "is_superuser"])
    _user("finance", role=User.Role.FINANCE_REVIEWER, display_name="鹿城区财政局 审核员 甲")
    _user("finance2", role=User.Role.FINANCE_REVIEWER, display_name="鹿城区财政局 审核员 乙")

    for index, (username, owner_name, business, trade, address, store_names) in enumerate(
        MERCHANTS, start=1
    ):
        owner = _user(username, role=User.Role.MERCHANT_OWNER, display_name=owner_name)
        merchant = merchant_demo.demo_merchant(
            owner=owner,
            operator=operator,
            index=index,
            credit_code=_credit_code(index),
            name=business,
            trade=trade,
            address=address,
            owner_name=owner_name,
        )
        logins.append(DemoLogin("merchant_owner", username, DEMO_PASSWORD, business))
        for store_index, store_name in enumerate(store_names, start=1):
            cashier = _user(
                f"cashier.{username.split('.')[1]}{store_index}",
                role=User.Role.STORE_STAFF,
                display_name=f"{store_name} 收银员",
            )
            merchant_demo.demo_store(
                merchant=merchant, name=store_name, address=address, cashier=cashier
            )
            if index <= 2:
                logins.append(DemoLogin("store_staff", cashier.username, DEMO_PASSWORD, store_name))

    for number in range(1, customers + 1):
        name = rng.choice(SURNAMES) + rng.choice(GIVEN)
        phone = f"+86138{5770000 + number:07d}"
        user = _user(
            f"customer{number:02d}", role=User.Role.CUSTOMER, display_name=name, phone=phone
        )
        customer_demo.demo_customer(user=user)
    logins.append(
        DemoLogin(
            "customer",
            "customer01",
            DEMO_PASSWORD,
            f"one of {customers} customers (customer01 … customer{customers:02d})",
        )
    )
    return logins
