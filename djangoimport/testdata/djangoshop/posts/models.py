"""The shop's social problems, the brands that work on them, and notices."""

from django.db import models

from accounts.models import Customer


class Problem(models.Model):
    """posts_problem: a social problem a brand works on."""

    name = models.CharField(max_length=50)
    image = models.ImageField(upload_to="posts/problem/%Y/%m/%d", null=True, blank=True)
    content = models.TextField()
    short_content = models.CharField(max_length=200, null=True, blank=True)

    class Meta:
        managed = False
        db_table = "posts_problem"

    def __str__(self):
        return self.name


class Brand(models.Model):
    """posts_brand: a social venture whose products the shop sells."""

    name = models.CharField(max_length=50)
    short_content = models.CharField(max_length=200)
    long_content = models.TextField()
    logo = models.ImageField(upload_to="posts/brand/%Y/%m/%d", null=True, blank=True)
    # A CharField, not a URLField: the shop stored homepages without a scheme too.
    homepage = models.CharField(max_length=200)
    problem = models.ForeignKey(Problem, on_delete=models.CASCADE)
    image = models.ImageField(upload_to="posts/brand/%Y/%m/%d", null=True, blank=True)

    class Meta:
        managed = False
        db_table = "posts_brand"

    def __str__(self):
        return self.name


CATEGORY_CHOICES = [
    ("NORMAL", "일반"),
    ("DISABLED", "장애인"),
    ("ENVIRONMENT", "환경"),
    ("EMPLOYMENT", "고용"),
    ("EDUCATION", "교육"),
    ("ELDERS", "노인"),
]


class Post(models.Model):
    """posts_post: a notice on the shop's board, written by a staff customer."""

    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    author = models.ForeignKey(Customer, on_delete=models.CASCADE)
    category = models.CharField(max_length=20, choices=CATEGORY_CHOICES, default="NORMAL")
    title = models.CharField(max_length=100)
    updated_at = models.DateTimeField(auto_now=True)
    top_fixed = models.BooleanField(default=False)

    class Meta:
        managed = False
        db_table = "posts_post"

    def __str__(self):
        return self.title
