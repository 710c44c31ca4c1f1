"""Factories for the references app's tests, which run without the articles app too; the
project's other factories are in tests/factories.py."""

import datetime

import factory

from references.models import Reference


class ReferenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Reference

    title = factory.Sequence(lambda n: f"Zinc for the common cold, review {n}")
    url = factory.Sequence(lambda n: f"https://pubmed.ncbi.nlm.nih.gov/{28515951 + n}/")
    retrieved_on = datetime.date(2025, 1, 8)
