/**
 * Lua every store script starts with. Scripts get their key prefix in ARGV[1] and build key names from it,
 * so one script serves every prefix (tests use a random one each).
 */
export const LUA_PRELUDE = `
local p = ARGV[1]

local function num(value)
  return tonumber(value) or 0
end

-- Up to \`limit\` members of the sorted set \`key\` that \`accept\` takes, lowest score first. \`accept\` returns
-- the member's insertion sequence (or nil to skip it): equal scores are ordered by it, as SQLite orders by
-- rowid, instead of by Redis's lexical order of the ids. Stops reading once past the last score it needs.
local function pick(key, limit, accept)
  local found = {}
  local rank = 0
  local full = false
  while limit > 0 and not full do
    local batch = redis.call('ZRANGE', key, rank, rank + 99, 'WITHSCORES')
    for i = 1, #batch, 2 do
      local score = tonumber(batch[i + 1])
      if #found >= limit and score > found[#found].score then
        full = true
        break
      end
      local seq = accept(batch[i])
      if seq then
        found[#found + 1] = { member = batch[i], score = score, seq = seq }
      end
    end
    if #batch < 200 then
      break
    end
    rank = rank + 100
  end
  table.sort(found, function(a, b)
    if a.score ~= b.score then
      return a.score < b.score
    end
    return a.seq < b.seq
  end)
  local chosen = {}
  for i = 1, math.min(limit, #found) do
    chosen[i] = found[i].member
  end
  return chosen
end

-- The run hashes of \`ids\`, each as HGETALL's flat field/value list.
local function runs(ids)
  local out = {}
  for _, id in ipairs(ids) do
    local fields = redis.call('HGETALL', p .. 'run:' .. id)
    if #fields > 0 then
      out[#out + 1] = fields
    end
  end
  return out
end
`;
