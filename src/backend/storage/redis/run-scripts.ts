import { LUA_PRELUDE } from "./lua-prelude.js";
import { LuaScript } from "./lua-script.js";

/**
 * Runs: hash `run:<id>` (see encode-run.ts) and the sorted sets that index it. Scripts that return runs
 * return each as HGETALL's flat list; equal creation times are ordered by `_seq` in JS.
 */
export const runScripts = {
  /**
   * ARGV: prefix, then per run: id, deliveryId, pipelineName, createdAt, state, owner/repo, unsynced ("1"/"0"),
   * n, n hash arguments → every run of the deliveries involved, in insertion order per delivery.
   */
  add: new LuaScript(`${LUA_PRELUDE}
local deliveries, seen = {}, {}
local i = 2
while i <= #ARGV do
  local id, delivery, pipeline, createdAt = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
  local state, repo, unsynced = ARGV[i + 4], ARGV[i + 5], ARGV[i + 6]
  local first, last = i + 8, i + 7 + tonumber(ARGV[i + 7])
  i = last + 1
  if not seen[delivery] then
    seen[delivery] = true
    deliveries[#deliveries + 1] = delivery
  end
  local key = p .. 'run:' .. id
  -- unique by id and by delivery + pipeline, like the SQLite table's two keys
  if redis.call('EXISTS', key) == 0 and redis.call('HSETNX', p .. 'runs:pipelines:' .. delivery, pipeline, id) == 1 then
    local seq = redis.call('INCR', p .. 'seq')
    redis.call('HSET', key, '_seq', seq, unpack(ARGV, first, last))
    redis.call('ZADD', p .. 'runs:delivery:' .. delivery, seq, id)
    redis.call('ZADD', p .. 'runs:repo:' .. repo, createdAt, id)
    redis.call('ZADD', p .. 'runs:state:' .. state, createdAt, id)
    if unsynced == '1' then
      redis.call('ZADD', p .. 'runs:unsynced', createdAt, id)
    end
  end
end
local out = {}
for _, delivery in ipairs(deliveries) do
  for _, fields in ipairs(runs(redis.call('ZRANGE', p .. 'runs:delivery:' .. delivery, 0, -1))) do
    out[#out + 1] = fields
  end
end
return out
`),

  /**
   * ARGV: prefix, id, report ("1"/"0"), nFrom, from states..., new state or "", n, n hash arguments → the run,
   * or nil when it does not exist or is in none of the from states.
   */
  update: new LuaScript(`${LUA_PRELUDE}
local id = ARGV[2]
local key = p .. 'run:' .. id
local old = redis.call('HGET', key, '_state')
if not old then
  return false
end
local nFrom = tonumber(ARGV[4])
if nFrom > 0 then
  local allowed = false
  for j = 5, 4 + nFrom do
    if ARGV[j] == old then
      allowed = true
    end
  end
  if not allowed then
    return false
  end
end
local k = 5 + nFrom
local new = ARGV[k]
local n = tonumber(ARGV[k + 1])
if n > 0 then
  redis.call('HSET', key, unpack(ARGV, k + 2, k + 1 + n))
end
local createdAt = redis.call('HGET', key, 'createdAt')
if new ~= '' and new ~= old then
  redis.call('HSET', key, '_state', new)
  redis.call('ZREM', p .. 'runs:state:' .. old, id)
  redis.call('ZADD', p .. 'runs:state:' .. new, createdAt, id)
end
if ARGV[3] == '1' then
  local version = redis.call('HINCRBY', key, 'version', 1)
  if version > num(redis.call('HGET', key, 'syncedVersion')) then
    redis.call('ZADD', p .. 'runs:unsynced', createdAt, id)
  end
end
return redis.call('HGETALL', key)
`),

  /** ARGV: prefix, id → [run] or []. */
  get: new LuaScript(`${LUA_PRELUDE}
return runs({ ARGV[2] })
`),

  /** ARGV: prefix, deliveryId. */
  ofDelivery: new LuaScript(`${LUA_PRELUDE}
return runs(redis.call('ZRANGE', p .. 'runs:delivery:' .. ARGV[2], 0, -1))
`),

  /** ARGV: prefix, state. */
  inState: new LuaScript(`${LUA_PRELUDE}
return runs(redis.call('ZRANGE', p .. 'runs:state:' .. ARGV[2], 0, -1))
`),

  /** ARGV: prefix, owner/repo, sha, ref, pipeline (each "" for any or "=" + value), nStates (-1: any), states... */
  find: new LuaScript(`${LUA_PRELUDE}
local repo = ARGV[2]
local byRepo = p .. 'runs:repo:' .. repo
local nStates = tonumber(ARGV[6])
local wanted = nil
local ids = nil
if nStates >= 0 then
  wanted = {}
  local total = 0
  for j = 7, 6 + nStates do
    wanted[ARGV[j]] = true
    total = total + redis.call('ZCARD', p .. 'runs:state:' .. ARGV[j])
  end
  -- a repository's history only grows while few runs are queued or running: walk the smaller index
  if total < redis.call('ZCARD', byRepo) then
    ids = {}
    for j = 7, 6 + nStates do
      for _, id in ipairs(redis.call('ZRANGE', p .. 'runs:state:' .. ARGV[j], 0, -1)) do
        ids[#ids + 1] = id
      end
    end
  end
end
if ids == nil then
  ids = redis.call('ZRANGE', byRepo, 0, -1)
end
local function matches(filter, value)
  return filter == '' or filter == '=' .. (value or '')
end
local chosen = {}
for _, id in ipairs(ids) do
  local r = redis.call('HMGET', p .. 'run:' .. id, '_repo', '_sha', '_ref', '_pipeline', '_state')
  if r[1] == repo and matches(ARGV[3], r[2]) and matches(ARGV[4], r[3]) and matches(ARGV[5], r[4])
    and (wanted == nil or wanted[r[5]]) then
    chosen[#chosen + 1] = id
  end
end
return runs(chosen)
`),

  /** ARGV: prefix, owner, now, limit, leaseUntil → the leased runs. */
  claimUnsynced: new LuaScript(`${LUA_PRELUDE}
local now = tonumber(ARGV[3])
local stale = {}
local ids = pick(p .. 'runs:unsynced', tonumber(ARGV[4]), function(id)
  local r = redis.call('HMGET', p .. 'run:' .. id, 'version', 'syncedVersion', '_state', '_syncLeaseUntil', '_syncNotBefore', '_seq')
  if not r[1] or num(r[1]) <= num(r[2]) then
    stale[#stale + 1] = id
    return nil
  end
  if num(r[4]) <= now and (r[3] == 'completed' or num(r[5]) <= now) then
    return tonumber(r[6])
  end
  return nil
end)
-- removed after the walk: removing during it would shift the ranks it pages by
for _, id in ipairs(stale) do
  redis.call('ZREM', p .. 'runs:unsynced', id)
end
for _, id in ipairs(ids) do
  redis.call('HSET', p .. 'run:' .. id, '_syncLeaseOwner', ARGV[2], '_syncLeaseUntil', ARGV[5])
end
return runs(ids)
`),

  /** ARGV: prefix, owner, leaseUntil, ids... → the ids whose sync lease the owner still held (and now extended). */
  renewSyncLeases: new LuaScript(`${LUA_PRELUDE}
local held = {}
for i = 4, #ARGV do
  local key = p .. 'run:' .. ARGV[i]
  if redis.call('HGET', key, '_syncLeaseOwner') == ARGV[2] then
    redis.call('HSET', key, '_syncLeaseUntil', ARGV[3])
    held[#held + 1] = ARGV[i]
  end
end
return held
`),

  /** ARGV: prefix, id, version, notBefore, [checkRunId as JSON]. */
  markSynced: new LuaScript(`${LUA_PRELUDE}
local key = p .. 'run:' .. ARGV[2]
local r = redis.call('HMGET', key, 'version', 'syncedVersion')
if not r[1] then
  return 0
end
local synced = num(r[2])
if tonumber(ARGV[3]) > synced then
  synced = tonumber(ARGV[3])
  redis.call('HSET', key, 'syncedVersion', ARGV[3])
end
if ARGV[5] then
  redis.call('HSET', key, 'checkRunId', ARGV[5])
end
redis.call('HSET', key, '_syncNotBefore', ARGV[4], '_syncLeaseOwner', '', '_syncLeaseUntil', '0')
if synced >= num(r[1]) then
  redis.call('ZREM', p .. 'runs:unsynced', ARGV[2])
end
return 1
`),

  /** ARGV: prefix, id, retryAt. */
  syncFailed: new LuaScript(`${LUA_PRELUDE}
local key = p .. 'run:' .. ARGV[2]
if redis.call('EXISTS', key) == 0 then
  return 0
end
redis.call('HSET', key, '_syncNotBefore', ARGV[3], '_syncLeaseOwner', '', '_syncLeaseUntil', ARGV[3])
return 1
`),
};
