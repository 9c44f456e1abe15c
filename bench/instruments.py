"""Count what a request costs in round trips: SQL queries on the default database and Redis commands.

Both counters are cheap enough to stay on while timing (one Python call per query or command), so the counts
and the timings describe the very same requests.
"""

import re
from collections import Counter
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field

from django.db import connection

_TABLE = re.compile(r'\b(?:FROM|INTO|UPDATE)\s+"?([A-Za-z0-9_]+)"?', re.IGNORECASE)
SAMPLED_REQUESTS = 5  # requests whose query tables and Redis command names are kept, to explain the counts


@dataclass
class RequestCounts:
    """What one request cost: queries (with the first table each touched) and Redis commands (by name)."""

    queries: int = 0
    redis_commands: int = 0
    redis_round_trips: int = 0
    tables: list[str] = field(default_factory=list)
    commands: list[str] = field(default_factory=list)


class CostMeter:
    """Collect a `RequestCounts` per request while active; see `request()`.

    `redis_client` is the redis-py client the process shares (django-redis hands the same object to the cache
    and to the revocation store), or None when the run has no Redis.
    """

    def __init__(self, redis_client=None):
        self.redis_client = redis_client
        self.current: RequestCounts | None = None
        self.done: list[RequestCounts] = []

    # --- hooks -------------------------------------------------------------------------------------------------
    def _on_query(self, execute, sql, params, many, context):
        if self.current is not None:
            self.current.queries += 1
            if len(self.done) < SAMPLED_REQUESTS:
                match = _TABLE.search(sql)
                self.current.tables.append(match[1] if match else sql.split(None, 1)[0].upper())
        return execute(sql, params, many, context)

    def _count_redis(self, names: list[str]) -> None:
        if self.current is not None:
            self.current.redis_commands += len(names)
            self.current.redis_round_trips += 1
            if len(self.done) < SAMPLED_REQUESTS:
                self.current.commands.extend(names)

    @contextmanager
    def _redis_hooks(self):
        client = self.redis_client
        if client is None:
            yield
            return
        original_execute = client.execute_command
        original_pipeline = client.pipeline
        meter = self

        def execute_command(*args, **options):
            meter._count_redis([str(args[0]).upper()])
            return original_execute(*args, **options)

        def pipeline(*args, **kwargs):
            pipe = original_pipeline(*args, **kwargs)
            pipe_execute = pipe.execute

            def execute(*a, **kw):
                meter._count_redis([str(c[0][0]).upper() for c in pipe.command_stack])
                return pipe_execute(*a, **kw)

            pipe.execute = execute
            return pipe

        # Instance attributes shadow the class methods; redis-py's commands all call `self.execute_command`.
        client.execute_command = execute_command
        client.pipeline = pipeline
        try:
            yield
        finally:
            del client.execute_command
            del client.pipeline

    # --- use ---------------------------------------------------------------------------------------------------
    @contextmanager
    def active(self):
        """Install the hooks for the duration of the block (one block per timed slice)."""
        with ExitStack() as stack:
            stack.enter_context(connection.execute_wrapper(self._on_query))
            stack.enter_context(self._redis_hooks())
            yield self

    @contextmanager
    def request(self):
        """Attribute every query and Redis command inside the block to one request."""
        self.current = RequestCounts()
        try:
            yield self.current
        finally:
            self.done.append(self.current)
            self.current = None


def summarize(counts: list[RequestCounts]) -> dict:
    """Return the per-request cost: the typical request (mode), the mean, and a sample of what was touched.

    The mode is what one request costs in the steady state; the mean also carries occasional work, such as a
    revocation lease renewal or a session's last-seen update, spread over all requests.
    """
    if not counts:
        return {"db_queries": None, "redis": None}

    def mode(values: list[int]) -> int:
        return Counter(values).most_common(1)[0][0]

    queries = [c.queries for c in counts]
    commands = [c.redis_commands for c in counts]
    trips = [c.redis_round_trips for c in counts]
    typical = next((c for c in counts[:SAMPLED_REQUESTS] if c.queries == mode(queries)
                    and c.redis_commands == mode(commands)), counts[0])
    return {
        "db_queries": {"per_request": mode(queries), "mean": round(sum(queries) / len(queries), 3),
                       "max": max(queries), "tables": typical.tables},
        "redis": {"commands_per_request": mode(commands), "mean": round(sum(commands) / len(commands), 3),
                  "round_trips_per_request": mode(trips), "commands": typical.commands},
    }
