"""SQL expressions the store's rules need in queries: a datetime column as exact integer Unix time."""

from django.db import models


class EpochMicroseconds(models.Func):
    """A datetime column as integer Unix microseconds, exactly (no float), on SQLite and PostgreSQL."""

    output_field = models.BigIntegerField()

    def as_sql(self, compiler, connection, **extra):
        raise NotImplementedError(f"EpochMicroseconds is not written for {connection.vendor}")

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql_template(compiler, connection,
                                    "CAST(EXTRACT(EPOCH FROM %(expressions)s) * 1000000 AS BIGINT)")

    def as_sqlite(self, compiler, connection, **extra):
        # Django stores an aware datetime as UTC text "YYYY-MM-DD HH:MM:SS[.ffffff]" (no fraction when zero).
        # Whole seconds from the first 19 characters (strftime('%s') rounds a fraction), microseconds from the rest.
        # '%%%%s': the template is %-formatted here, then the SQLite backend turns '%%' into '%' with the params.
        return self.as_sql_template(
            compiler, connection,
            "(CAST(strftime('%%%%s', substr(%(expressions)s, 1, 19)) AS INTEGER) * 1000000"
            " + CAST(substr(%(expressions)s || '.000000', 21, 6) AS INTEGER))")

    def as_sql_template(self, compiler, connection, template):
        return models.Func.as_sql(self, compiler, connection, template=template)
