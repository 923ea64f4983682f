// Lua scripts of the Redis store. Each runs atomically on the node that owns its keys.
//
// Versioning: a script's name carries its version (tollgate_budget_reserve_v1) and is the first line of its source, so
// a changed script has a new SHA and EVALSHA never runs an old body under a new name. Scripts operate on the key
// layout named in keys.ts (KEY_LAYOUT "b1"); scripts that share a layout must stay compatible with each other, so
// replicas of two releases can serve side by side during a rolling deploy. An incompatible layout change bumps
// KEY_LAYOUT, which starts new counters rather than letting two layouts fight over the same keys.
//
// Data per counter (both keys share one hash tag, so one slot):
//   <counter>    HASH  bucket -> used amount (fixed windows use the single bucket "0"; rolling windows one per bucket)
//   <counter>:l  ZSET  lease member "<leaseId>:<amount>:<bucket>" scored by the lease's expiry (epoch ms)
// The hash holds leased amounts as well as settled ones; an expired lease is subtracted again and removed.
// Times (now, lease expiry) come from the caller's clock; key expiry is relative (PEXPIRE), so it does not depend on
// the Redis server's clock agreeing with ours.
// Amounts travel as decimal strings and are added with HINCRBY (int64), never as floats.
import { createHash } from "node:crypto";

export interface LuaScript {
  name: string;
  source: string;
  sha: string;
}

function script(name: string, body: string): LuaScript {
  const source = `-- ${name}\n${PRELUDE}\n${body}`;
  return { name, source, sha: createHash("sha1").update(source).digest("hex") };
}

// collect(h, z, oldest, now): take back expired leases, drop buckets older than `oldest`, and return
// (used, first non-empty bucket or -1, list of {bucket, value} in the window).
const PRELUDE = String.raw`
local function collect(h, z, oldest, now)
  local expired = redis.call('ZRANGEBYSCORE', z, '-inf', now)
  if #expired > 0 then
    for _, m in ipairs(expired) do
      local amount, bucket = string.match(m, ':(%d+):(%-?%d+)$')
      if tonumber(bucket) >= oldest then redis.call('HINCRBY', h, bucket, '-' .. amount) end
    end
    redis.call('ZREMRANGEBYSCORE', z, '-inf', now)
  end
  local flat = redis.call('HGETALL', h)
  local used, first, list = 0, -1, {}
  for j = 1, #flat, 2 do
    local b, v = tonumber(flat[j]), tonumber(flat[j + 1])
    if b < oldest then
      redis.call('HDEL', h, flat[j])
    elseif v ~= 0 then
      used = used + v
      if first < 0 or b < first then first = b end
      list[#list + 1] = { b, v }
    end
  end
  return used, first, list
end`;

/**
 * KEYS: per counter, hash then lease zset.
 * ARGV: now, leaseId, leaseExpiresAt, then per counter: cap, amount, currentBucket, oldestBucket, keyTtlMs.
 * Returns {1, 0, 0, used1, first1, ...} when granted, or {0, deniedIndex (1-based), retryBucket, used1, first1, ...}
 * where retryBucket is the bucket whose leaving makes room (-1: never, the amount exceeds the cap).
 */
export const RESERVE = script(
  "tollgate_budget_reserve_v1",
  String.raw`
local now = tonumber(ARGV[1])
local n = #KEYS / 2
local used, first, lists = {}, {}, {}
for i = 1, n do
  local a = 3 + (i - 1) * 5
  used[i], first[i], lists[i] = collect(KEYS[2 * i - 1], KEYS[2 * i], tonumber(ARGV[a + 4]), now)
end
local out = {}
for i = 1, n do
  local a = 3 + (i - 1) * 5
  local cap, amount = tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2])
  if used[i] + amount > cap then
    local retry = -1
    if amount <= cap then
      local list = lists[i]
      table.sort(list, function(x, y) return x[1] < y[1] end)
      local freed = 0
      for _, bv in ipairs(list) do
        freed = freed + bv[2]
        if used[i] - freed + amount <= cap then retry = bv[1]; break end
      end
    end
    out = { 0, i, retry }
    for j = 1, n do out[#out + 1] = used[j]; out[#out + 1] = first[j] end
    return out
  end
end
for i = 1, n do
  local a = 3 + (i - 1) * 5
  local h, z = KEYS[2 * i - 1], KEYS[2 * i]
  local amount, bucket = ARGV[a + 2], ARGV[a + 3]
  if tonumber(amount) > 0 then
    redis.call('HINCRBY', h, bucket, amount)
    redis.call('ZADD', z, ARGV[3], ARGV[2] .. ':' .. amount .. ':' .. bucket)
    used[i] = used[i] + tonumber(amount)
    if first[i] < 0 or tonumber(bucket) < first[i] then first[i] = tonumber(bucket) end
  end
  redis.call('PEXPIRE', h, ARGV[a + 5])
  redis.call('PEXPIRE', z, ARGV[a + 5])
end
out = { 1, 0, 0 }
for j = 1, n do out[#out + 1] = used[j]; out[#out + 1] = first[j] end
return out`,
);

/**
 * Replace leases by actual amounts (actual 0 releases). Also serves unconditional adds: an empty member is no lease.
 * KEYS: per counter, hash then lease zset.
 * ARGV: now, then per counter: member, leasedAmount, actual, bucket, oldestBucket, keyTtlMs.
 * Returns {used1, first1, used2, first2, ...}.
 */
export const SETTLE = script(
  "tollgate_budget_settle_v1",
  String.raw`
local now = tonumber(ARGV[1])
local n = #KEYS / 2
local out = {}
for i = 1, n do
  local a = 1 + (i - 1) * 6
  local h, z = KEYS[2 * i - 1], KEYS[2 * i]
  local member, bucket, oldest = ARGV[a + 1], ARGV[a + 4], tonumber(ARGV[a + 5])
  local removed = 0
  if member ~= '' then removed = redis.call('ZREM', z, member) end
  local delta = tonumber(ARGV[a + 3])
  if removed == 1 then delta = delta - tonumber(ARGV[a + 2]) end
  if tonumber(bucket) >= oldest and delta ~= 0 then
    redis.call('HINCRBY', h, bucket, string.format('%d', delta))
  end
  redis.call('PEXPIRE', h, ARGV[a + 6])
  redis.call('PEXPIRE', z, ARGV[a + 6])
  local used, first = collect(h, z, oldest, now)
  out[#out + 1] = used
  out[#out + 1] = first
end
return out`,
);

/**
 * Read-only usage: expired leases are discounted without being removed.
 * KEYS: per counter, hash then lease zset. ARGV: now, then per counter: oldestBucket.
 * Returns {used1, first1, ...}.
 */
export const READ = script(
  "tollgate_budget_read_v1",
  String.raw`
local now = tonumber(ARGV[1])
local n = #KEYS / 2
local out = {}
for i = 1, n do
  local h, z = KEYS[2 * i - 1], KEYS[2 * i]
  local oldest = tonumber(ARGV[1 + i])
  local per = {}
  local flat = redis.call('HGETALL', h)
  for j = 1, #flat, 2 do
    local b = tonumber(flat[j])
    if b >= oldest then per[b] = (per[b] or 0) + tonumber(flat[j + 1]) end
  end
  for _, m in ipairs(redis.call('ZRANGEBYSCORE', z, '-inf', now)) do
    local amount, bucket = string.match(m, ':(%d+):(%-?%d+)$')
    local b = tonumber(bucket)
    if per[b] then per[b] = per[b] - tonumber(amount) end
  end
  local used, first = 0, -1
  for b, v in pairs(per) do
    if v ~= 0 then
      used = used + v
      if first < 0 or b < first then first = b end
    end
  end
  out[#out + 1] = used
  out[#out + 1] = first
end
return out`,
);

/**
 * Push lease expiries out; ZADD XX only touches leases still in the set (one not yet taken back is still counted).
 * KEYS: per lease, its counter's lease zset. ARGV: newExpiresAt, then per lease: member. Returns the number renewed.
 */
export const RENEW = script(
  "tollgate_budget_renew_v1",
  String.raw`
local renewed = 0
for i = 1, #KEYS do
  renewed = renewed + redis.call('ZADD', KEYS[i], 'XX', 'CH', ARGV[1], ARGV[i + 1])
end
return { renewed }`,
);
