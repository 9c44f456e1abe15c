from django.db import migrations

# The drop-in once wrote "logout-all" for a user's "log out everywhere"; denylist.reasons spells it
# "logout_everywhere". Rows written before are rewritten here (readers also accept the old spelling: Reason.parse).
FORMER, CURRENT = "logout-all", "logout_everywhere"


def rewrite(apps, schema_editor):
    revocation = apps.get_model("denylist", "Revocation")
    revocation.objects.using(schema_editor.connection.alias).filter(reason=FORMER).update(reason=CURRENT)


class Migration(migrations.Migration):

    dependencies = [
        ("denylist", "0002_user_cutoff_triggers"),
    ]

    # Nothing to undo: the old code reads either spelling the same way ("logged out everywhere").
    operations = [
        migrations.RunPython(rewrite, migrations.RunPython.noop, elidable=True),
    ]
