"""The shop's products and orders; an incomplete order is the open cart."""

from django.db import models

from accounts.models import Customer
from posts.models import Brand


class Product(models.Model):
    """products_product: a product, priced in whole won."""

    product_name = models.CharField(max_length=100)
    brand = models.ForeignKey(Brand, on_delete=models.SET_NULL, null=True, blank=True)
    price = models.PositiveIntegerField()
    image = models.ImageField(upload_to="products/product/%Y/%m/%d", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    image2 = models.ImageField(upload_to="products/product/%Y/%m/%d", null=True, blank=True)
    image3 = models.ImageField(upload_to="products/product/%Y/%m/%d", null=True, blank=True)

    class Meta:
        managed = False
        db_table = "products_product"

    def __str__(self):
        return self.product_name


class Order(models.Model):
    """products_order: complete=False is the customer's open cart."""

    customer = models.ForeignKey(Customer, on_delete=models.SET_NULL, null=True, blank=True)
    date_ordered = models.DateTimeField(auto_now_add=True)
    complete = models.BooleanField(default=False, null=True, blank=False)
    transaction_id = models.CharField(max_length=200, null=True)

    class Meta:
        managed = False
        db_table = "products_order"

    def __str__(self):
        return str(self.id)


class OrderItem(models.Model):
    """products_orderitem: a line of an order; no price is kept."""

    product = models.ForeignKey(Product, on_delete=models.SET_NULL, null=True)
    order = models.ForeignKey(Order, on_delete=models.SET_NULL, null=True)
    quantity = models.IntegerField(default=0, null=False, blank=True)
    date_added = models.DateTimeField(auto_now_add=True)

    class Meta:
        managed = False
        db_table = "products_orderitem"


class ShippingAddress(models.Model):
    """products_shippingaddress: where an order goes; free text only."""

    customer = models.ForeignKey(Customer, on_delete=models.SET_NULL, null=True)
    order = models.ForeignKey(Order, on_delete=models.SET_NULL, null=True)
    address = models.CharField(max_length=200, null=True)
    city = models.CharField(max_length=200, null=True)
    zipcode = models.CharField(max_length=200, null=True)
    date_added = models.DateTimeField(auto_now_add=True)

    class Meta:
        managed = False
        db_table = "products_shippingaddress"

    def __str__(self):
        return str(self.address)
