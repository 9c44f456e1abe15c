from django.db import migrations

from sessions_demo import triggers


def install(apps, schema_editor):
    """A user's cut-off, whoever writes it, ends the user's session rows (sessions_demo.triggers)."""
    triggers.install(schema_editor)


def uninstall(apps, schema_editor):
    triggers.uninstall(schema_editor)


class Migration(migrations.Migration):

    dependencies = [
        ('sessions_demo', '0001_initial'),
        ('denylist', '0001_initial'),
    ]

    operations = [
        migrations.RunPython(install, uninstall, elidable=False),
    ]
