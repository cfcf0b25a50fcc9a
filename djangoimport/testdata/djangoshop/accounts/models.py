"""The shop's customer profile, one per auth_user row."""

from django.contrib.auth.models import User
from django.db import models

PROBLEM_CHOICES = [
    ("disabled", "장애인"),
    ("environment", "환경"),
    ("employment", "고용"),
    ("education", "교육"),
    ("elders", "노인"),
]


class Customer(models.Model):
    """accounts_customer: the nickname, contact address and chosen problem."""

    user = models.OneToOneField(User, on_delete=models.CASCADE)
    name = models.CharField(max_length=100, unique=True)
    email = models.EmailField(max_length=100, unique=True)
    problem = models.CharField(max_length=100, null=True, choices=PROBLEM_CHOICES, default="disabled")

    class Meta:
        managed = False
        db_table = "accounts_customer"

    def __str__(self):
        return self.name
