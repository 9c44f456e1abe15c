from django.conf import settings
from django.db import migrations, models

from denylist import triggers


def _table(apps) -> triggers.UserTable:
    return triggers.UserTable.of(apps.get_model(settings.AUTH_USER_MODEL),
                                 permits=apps.get_model("denylist", "PasswordRehash"),
                                 revocations=apps.get_model("denylist", "Revocation"))


def install(apps, schema_editor):
    """The database's last word, on the table of AUTH_USER_MODEL, whichever project: any write that changes a
    password hash, deactivates or deletes an account records the user's cut-off (denylist.triggers). Databases
    other than PostgreSQL and SQLite, and user models without an integer key, get none (denylist.checks)."""
    if schema_editor.connection.vendor in {"postgresql", "sqlite"} and \
            triggers.integer_key(apps.get_model(settings.AUTH_USER_MODEL)):
        triggers.install(schema_editor, _table(apps))


def uninstall(apps, schema_editor):
    triggers.uninstall(schema_editor, _table(apps))


class Migration(migrations.Migration):

    dependencies = [
        ('denylist', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='PasswordRehash',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('user_id', models.BigIntegerField(db_index=True)),
                ('previous', models.CharField(help_text='The hash stored before the re-encoding.', max_length=128)),
                ('password', models.CharField(help_text='The new hash: the same password, re-encoded.', max_length=128)),
            ],
        ),
        migrations.RunPython(install, uninstall, elidable=False),
    ]
