import { LUA_PRELUDE } from "./lua-prelude.js";
import { LuaScript } from "./lua-script.js";

/**
 * Deliveries: hash `delivery:<id>`; the pending ones are also in sorted set `deliveries:pending` by received time,
 * the finished ones in `deliveries:finished`.
 */
export const deliveryScripts = {
  /** ARGV: prefix, id, event, payload, receivedAt → 1 when recorded, 0 when the id was known. */
  record: new LuaScript(`${LUA_PRELUDE}
local key = p .. 'delivery:' .. ARGV[2]
if redis.call('EXISTS', key) == 1 then
  return 0
end
local seq = redis.call('INCR', p .. 'seq')
redis.call('HSET', key, 'id', ARGV[2], 'event', ARGV[3], 'payload', ARGV[4], 'receivedAt', ARGV[5], 'attempts', '0',
  'state', 'pending', 'nextAttemptAt', '0', 'leaseOwner', '', 'leaseUntil', '0', 'seq', seq)
redis.call('ZADD', p .. 'deliveries:pending', ARGV[5], ARGV[2])
return 1
`),

  /** ARGV: prefix, owner, now, limit, leaseUntil → [id, event, receivedAt, attempts] per leased delivery (no payload: see readDeliveryPayload). */
  claim: new LuaScript(`${LUA_PRELUDE}
local now = tonumber(ARGV[3])
local ids = pick(p .. 'deliveries:pending', tonumber(ARGV[4]), function(id)
  local d = redis.call('HMGET', p .. 'delivery:' .. id, 'nextAttemptAt', 'leaseUntil', 'seq')
  if d[3] and num(d[1]) <= now and num(d[2]) <= now then
    return tonumber(d[3])
  end
  return nil
end)
local out = {}
for i, id in ipairs(ids) do
  local key = p .. 'delivery:' .. id
  redis.call('HSET', key, 'leaseOwner', ARGV[2], 'leaseUntil', ARGV[5])
  out[i] = redis.call('HMGET', key, 'id', 'event', 'receivedAt', 'attempts')
end
return out
`),

  /** ARGV: prefix, owner, leaseUntil, ids... → the ids whose lease the owner still held (and now extended). */
  renew: new LuaScript(`${LUA_PRELUDE}
local held = {}
for i = 4, #ARGV do
  local key = p .. 'delivery:' .. ARGV[i]
  local d = redis.call('HMGET', key, 'leaseOwner', 'state')
  if d[1] == ARGV[2] and d[2] == 'pending' then
    redis.call('HSET', key, 'leaseUntil', ARGV[3])
    held[#held + 1] = ARGV[i]
  end
end
return held
`),

  /** ARGV: prefix, then per delivery: id, state ("done" | "failed"), error (read only when failed). */
  finish: new LuaScript(`${LUA_PRELUDE}
for i = 2, #ARGV, 3 do
  local id = ARGV[i]
  local key = p .. 'delivery:' .. id
  if redis.call('EXISTS', key) == 1 then
    redis.call('HSET', key, 'state', ARGV[i + 1], 'payload', '', 'leaseOwner', '', 'leaseUntil', '0')
    if ARGV[i + 1] == 'failed' then
      redis.call('HSET', key, 'error', ARGV[i + 2])
    else
      redis.call('HDEL', key, 'error')
    end
    redis.call('ZREM', p .. 'deliveries:pending', id)
    -- what the retention sweep reads: finished deliveries by received time
    redis.call('ZADD', p .. 'deliveries:finished', redis.call('HGET', key, 'receivedAt'), id)
  end
end
return 1
`),

  /** ARGV: prefix, id, at, error. */
  retryLater: new LuaScript(`${LUA_PRELUDE}
local key = p .. 'delivery:' .. ARGV[2]
if redis.call('EXISTS', key) == 0 then
  return 0
end
redis.call('HINCRBY', key, 'attempts', 1)
redis.call('HSET', key, 'nextAttemptAt', ARGV[3], 'error', ARGV[4], 'leaseOwner', '', 'leaseUntil', '0')
return 1
`),
};
