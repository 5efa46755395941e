import { LUA_PRELUDE } from "./lua-prelude.js";
import { LuaScript } from "./lua-script.js";

/** The retention sweep's bounded steps (see Store.removeOldRecords). */
export const retentionScripts = {
  /**
   * ARGV: prefix, before, limit, offset → { deliveries removed, skipped, removed run ids... }. Completed runs are
   * indexed by creation time, which is never after completion: the walk reads those created before `before`
   * from rank `offset`, and `skipped` counts those it had to keep (completed later, or a delivery still busy),
   * which stay at the front, so the next step starts past them.
   */
  removeOld: new LuaScript(`${LUA_PRELUDE}
local before, limit, offset = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local below = '(' .. ARGV[2]
local finished = p .. 'deliveries:finished'
local deliveries = redis.call('ZRANGEBYSCORE', finished, '-inf', below, 'LIMIT', 0, limit)
for _, id in ipairs(deliveries) do
  redis.call('DEL', p .. 'delivery:' .. id)
  redis.call('ZREM', finished, id)
end
local busy = {}
local function deliveryBusy(delivery)
  if busy[delivery] == nil then
    busy[delivery] = false
    for _, id in ipairs(redis.call('ZRANGE', p .. 'runs:delivery:' .. delivery, 0, -1)) do
      local state = redis.call('HGET', p .. 'run:' .. id, '_state')
      if state and state ~= 'completed' then
        busy[delivery] = true
      end
    end
  end
  return busy[delivery]
end
local completed = p .. 'runs:state:completed'
local candidates = redis.call('ZRANGEBYSCORE', completed, '-inf', below, 'LIMIT', offset, limit)
local removable, skipped = {}, 0
for _, id in ipairs(candidates) do
  local r = redis.call('HMGET', p .. 'run:' .. id, 'completedAt', 'deliveryId', '_repo', '_pipeline', '_state')
  local completedAt = tonumber(r[1])
  if r[5] == nil or r[5] == false then
    -- an index entry without its run: nothing to keep
    removable[#removable + 1] = { id = id }
  elseif r[5] == 'completed' and completedAt and completedAt < before and not deliveryBusy(cjson.decode(r[2])) then
    removable[#removable + 1] = { id = id, delivery = cjson.decode(r[2]), repo = r[3], pipeline = r[4] }
  else
    skipped = skipped + 1
  end
end
local out = { #deliveries, skipped, #candidates }
for _, run in ipairs(removable) do
  redis.call('ZREM', completed, run.id)
  redis.call('ZREM', p .. 'runs:unsynced', run.id)
  if run.delivery then
    redis.call('DEL', p .. 'run:' .. run.id)
    redis.call('ZREM', p .. 'runs:delivery:' .. run.delivery, run.id)
    redis.call('ZREM', p .. 'runs:repo:' .. run.repo, run.id)
    if redis.call('HGET', p .. 'runs:pipelines:' .. run.delivery, run.pipeline) == run.id then
      redis.call('HDEL', p .. 'runs:pipelines:' .. run.delivery, run.pipeline)
    end
  end
  out[#out + 1] = run.id
end
return out
`),
};
