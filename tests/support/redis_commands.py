"""Count what a request costs: Redis commands served (INFO commandstats) and the tables its SQL touched."""



def commands_served(client) -> dict[str, int]:
    """Commands the Redis server has executed so far, by name, leaving out our own INFO calls."""
    stats = client.info("commandstats")
    return {name.removeprefix("cmdstat_"): s["calls"] for name, s in stats.items() if name != "cmdstat_info"}


def delta(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    return {name: calls - before.get(name, 0) for name, calls in after.items() if calls != before.get(name, 0)}


def sql_tables(captured) -> list[str]:
    return [next(t for t in ("resources_note", "denylist_revocation", "accounts_user") if t in q["sql"])
            for q in captured.captured_queries]
