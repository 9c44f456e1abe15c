"""The layout of the revocation store's Redis copy: its fields, how an entry is written as a value, the one
script every write runs, and how the copy's own marks (`!lease`, `!server`, `!warming`) are read.

`denylist.backends.redis` is the backend that uses it (why a lease, how a rebuild proceeds, what a failover may
and may not trust: its docstring); `denylist.backends.tracking` and `denylist.revocation` read the copy by the
same rules. Nothing here talks to Redis except `copy_fields`, which scans a copy it is given a client for.
"""

from collections import Counter
from collections.abc import Sequence
from datetime import timedelta

from denylist.clock import EPOCH
from denylist.entries import Entry
from denylist.models import Revocation  # its Kind names only

LEASE_FIELD = "!lease"
SERVER_FIELD = "!server"
WARMING_FIELD = "!warming"
# One script for every write, so that each is atomic in Redis. ARGV: mode, lease (Unix ms), token, then field and
# value pairs (at most `CHUNK` pairs per call). Entries are merged — read with one HMGET and written with one
# HSET per call, which is what makes a rebuild's bulk writes cheap for Redis — never overwritten backwards: a USER
# value is "cutoff:expires" and every other value is "expires"; each number only moves forward. Then, by mode:
#   ""       nothing more;
#   "begin"  mark a rebuild in progress with `token` and this server's run id (before the rebuild reads the
#            database), copied up to pk 0;
#   "step"   record that the rebuild marked with `token` has copied every row up to pk `lease` (the mark survived);
#   "warm"   finish that rebuild: grant the lease and record the server, but only if the mark survived;
#   "renew"  grant the lease only if the copy is still the one the last rebuild made on this very server;
#   "purge"  delete each given field whose value is still the given (expired) one.
SCRIPT = """
local h, mode, lease, token = KEYS[1], ARGV[1], ARGV[2], ARGV[3]
local function larger(a, b)
  if a == nil or a == '' then return b end
  if b == nil or b == '' then return a end
  if tonumber(a) >= tonumber(b) then return a end
  return b
end
local function merge(cur, new)
  if not cur then return new end
  local c1, c2 = string.match(cur, '^(%d+):?(%d*)$')
  local n1, n2 = string.match(new, '^(%d+):?(%d*)$')
  if not c1 or not n1 then return new end
  if n2 == '' then return larger(c1, n1) end
  return larger(c1, n1) .. ':' .. larger(c2, n2)
end
local function server()
  return string.match(redis.call('INFO', 'server'), 'run_id:(%w+)')
end
-- The lease and the rebuild mark are this server's own word: replicas (and the append-only file) never get them,
-- and each grant deletes the field on the replicas, so a promoted replica or a restart starts with no lease.
local function local_only(field, value)
  redis.set_repl(redis.REPL_REPLICA)
  redis.call('HDEL', h, field)
  if value then
    redis.set_repl(redis.REPL_NONE)
    redis.call('HSET', h, field, value)
  end
  redis.set_repl(redis.REPL_ALL)
end
if mode == 'purge' then
  local n = 0
  for i = 4, #ARGV, 2 do
    if redis.call('HGET', h, ARGV[i]) == ARGV[i + 1] then n = n + redis.call('HDEL', h, ARGV[i]) end
  end
  return n
end
-- Every field's current value in one HMGET, every merged value in one HSET (a field given twice merges twice).
local n = (#ARGV - 3) / 2
if n > 0 then
  local names = {}
  for i = 1, n do names[i] = ARGV[2 + 2 * i] end
  local stored = redis.call('HMGET', h, unpack(names))
  local merged, order, out = {}, {}, {}
  for i = 1, n do
    local f = names[i]
    local cur = merged[f]
    if cur == nil then
      cur = stored[i]
      order[#order + 1] = f
    end
    merged[f] = merge(cur, ARGV[3 + 2 * i])
  end
  for _, f in ipairs(order) do
    out[#out + 1] = f
    out[#out + 1] = merged[f]
  end
  redis.call('HSET', h, unpack(out))
end
-- A rebuild's mark is "<token>.<run_id>:<last pk copied>": the rebuild marked with `token`, on this server. Return
-- the part before ':' when it is ours; drop a mark made on another server (a full resynchronisation copies one to a
-- replica, which may then be promoted while missing rows behind its cursor), so that the next rebuild starts over.
local function marked()
  local mark = redis.call('HGET', h, '!warming')
  if not mark then return nil end
  local prefix, mine = string.match(mark, '^[^:]*'), '.' .. server()
  if string.sub(prefix, -#mine) ~= mine then
    local_only('!warming', nil)
    return nil
  end
  if prefix == token or prefix == token .. mine then return prefix end
  return nil
end
if mode == 'begin' then
  local_only('!warming', token .. '.' .. server() .. ':0')
  return 1
elseif mode == 'step' then
  local prefix = marked()
  if not prefix then return 0 end
  local_only('!warming', prefix .. ':' .. lease)
  return 1
elseif mode == 'warm' then
  if not marked() then return 0 end
  local_only('!warming', nil)
  redis.call('HSET', h, '!server', server())
  local_only('!lease', lease)
  return 1
elseif mode == 'renew' then
  if redis.call('HEXISTS', h, '!lease') == 1 and redis.call('HGET', h, '!server') == server() then
    local_only('!lease', lease)
    return 1
  end
end
return 0
"""
CHUNK = 500
_SECOND = timedelta(seconds=1)
_MICROSECOND = timedelta(microseconds=1)


def encode(entry: Entry) -> str:
    return _value(entry.kind, entry.cutoff_ms, (entry.expires_at - EPOCH) // _SECOND)


def _value(kind: str, cutoff_ms: int | None, expires_s: int) -> str:
    """The hash value of an entry: "cutoff:expires" for a USER entry, else "expires" (Unix ms, Unix s)."""
    return f"{cutoff_ms}:{expires_s}" if kind == Revocation.Kind.USER else str(expires_s)


def row_pairs(rows: Sequence[tuple]) -> list[str]:
    """The hash's fields and values, flat (field, value, field, value, ...), of rows of
    `DatabaseRevocationBackend.live_values()`: `_value` written out inline, as this runs once per row of a
    rebuild."""
    user = Revocation.Kind.USER
    flat: list[str] = []
    for _pk, kind, key, _user_id, cutoff_ms, expires_us, _synced in rows:
        expires_s = expires_us // 1_000_000
        flat += (f"{kind}:{key}", f"{cutoff_ms}:{expires_s}" if kind == user else str(expires_s))
    return flat


def row_entry(row: tuple) -> Entry:
    """The `Entry` of a row of `live_values()` (made only for the few rows to mark as synced)."""
    _pk, kind, key, user_id, cutoff_ms, expires_us, _synced = row
    return Entry(kind, key, EPOCH + timedelta(microseconds=expires_us), user_id, cutoff_ms)


def stored_row(stored) -> tuple:
    """A `Stored` (from `unsynced()`) in the shape of a `live_values()` row."""
    e = stored.entry
    return (stored.pk, e.kind, e.key, e.user_id, e.cutoff_ms, (e.expires_at - EPOCH) // _MICROSECOND, stored.synced)


def mark_of(raw: bytes | None) -> tuple[str | None, int]:
    """Return (token, last pk copied) of a rebuild in progress, or (None, 0) when there is none."""
    if raw is None:
        return None, 0
    token, _, cursor = raw.decode("ascii", "replace").partition(":")
    return (token, int(cursor)) if token and cursor.isdigit() else (None, 0)


def lease_of(raw: bytes | None) -> int | None:
    """Return the lease in Unix ms, or None when there is none (or it is not a number: then it vouches nothing)."""
    return int(raw) if raw is not None and raw.isdigit() else None


def copy_fields(client, key: str, *, limit: int) -> tuple[int | None, Counter, bool]:
    """Scan the copy at `key`: return (its lease in Unix ms or None, {kind: fields}, whether `limit` fields were
    counted before the end). The copy's own marks (`!server`, `!warming`) count under their own names."""
    lease, kinds, seen = None, Counter(), 0
    for field, value in client.hscan_iter(key, count=1000):
        if field == LEASE_FIELD.encode():
            lease = lease_of(value)
            continue
        kinds[field.split(b":", 1)[0].decode("ascii", "replace")] += 1
        seen += 1
        if seen >= limit:
            return lease, kinds, True
    return lease, kinds, False
