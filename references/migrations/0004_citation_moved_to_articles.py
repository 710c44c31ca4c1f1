"""
`Citation` (an article's numbered use of a reference) moved to the articles app, so this app
depends on nothing. Only Django's record of the models changes here; the table and its rows are
taken over by articles' migration 0010.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("references", "0003_renormalize_urls_and_read_identifiers"),
        # The articles migrations before the move give the groups permissions on the citations
        # of this app: they must see the model here.
        ("articles", "0009_article_word_count"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="Citation")], database_operations=[]
        )
    ]
