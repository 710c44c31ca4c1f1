"""The admin alone: the address book of the references app's tests without the articles app."""

from django.contrib import admin
from django.urls import path

urlpatterns = [path("admin/", admin.site.urls)]
