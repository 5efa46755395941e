import { LUA_PRELUDE } from "./lua-prelude.js";
import { LuaScript } from "./lua-script.js";

/**
 * Push claims (hash `push:<key>`) and named locks (hash `lock:<name>`). Both get a Redis TTL well past their
 * window, only so that abandoned ones do not pile up; the decision itself compares the caller's `now`.
 */
export const leaseScripts = {
  /** ARGV: prefix, key, deliveryId, now, windowMs, ttlMs → 1 when the delivery holds the push. */
  claimPush: new LuaScript(`${LUA_PRELUDE}
local key = p .. 'push:' .. ARGV[2]
local row = redis.call('HMGET', key, 'deliveryId', 'claimedAt')
if row[1] and (row[1] == ARGV[3] or tonumber(ARGV[4]) - num(row[2]) < tonumber(ARGV[5])) then
  if row[1] == ARGV[3] then
    return 1
  end
  return 0
end
redis.call('HSET', key, 'deliveryId', ARGV[3], 'claimedAt', ARGV[4])
redis.call('PEXPIRE', key, ARGV[6])
return 1
`),

  /** ARGV: prefix, name, owner, now, until, ttlMs → 1 when the owner holds the lock now. */
  acquireLock: new LuaScript(`${LUA_PRELUDE}
local key = p .. 'lock:' .. ARGV[2]
local row = redis.call('HMGET', key, 'owner', 'until')
if row[1] and row[1] ~= ARGV[3] and num(row[2]) > tonumber(ARGV[4]) then
  return 0
end
redis.call('HSET', key, 'owner', ARGV[3], 'until', ARGV[5])
redis.call('PEXPIRE', key, ARGV[6])
return 1
`),

  /** ARGV: prefix, name, owner. */
  releaseLock: new LuaScript(`${LUA_PRELUDE}
local key = p .. 'lock:' .. ARGV[2]
if redis.call('HGET', key, 'owner') == ARGV[3] then
  redis.call('DEL', key)
end
return 1
`),
};
