// Lua scripts of the Redis cost ledger. Every key a script touches is passed in KEYS and carries the ledger's
// hash tag, so the scripts are cluster-safe. Amounts travel as strings and come back through `%.17g`, so no
// precision is lost between JavaScript doubles and Lua doubles (Lua's own tostring keeps only 14 digits).
//
// Data model (issue 20: the work of a call and the memory of the ledger do not grow with the calls made):
// - `spend:<scope>` hash, field = end of a time bucket (epoch ms), value = USD charged in that bucket. A window
//   of `windowMs` is cut into `windowBuckets` buckets (the same rule as mesh-core's `spendBucketEnd`); a bucket
//   counts while `end > now - windowMs`, so a window's spending is a sum of at most `windowBuckets + 1` fields.
//   Buckets that left the window are dropped when a new bucket opens; the hash expires with its last bucket.
// - `held:<scope>` sorted set, member `<id>:<amountUsd>`, score = expiresAt; counts while `expiresAt > now`.
// - `reservation:<id>` hash (amount, budgetId, expiresAt) living as long as the reservation.
// - `settled:<bucket start>` hash, field = reservation id, value = the recorded cost: settlements grouped by
//   the time they were made in buckets of `settledRetentionMs`, each hash expiring two retentions after its
//   start; a settle looks in the current and the previous bucket.
// - `budgets` hash, field = scope, value = `<limitUsd>:<windowMs>`.
// - `epoch` string `<generation>:<quarantine end, epoch ms>`, written with the budgets (issue 12 item 5). A Redis
//   that lost its data (restart without persistence, FLUSHALL) has no epoch: every script that depends on the
//   budgets sees the mismatch and returns {2, current} without acting, so the replica re-establishes the budgets
//   and writes back its own spending and reservations before going on. Reservations are refused until the
//   quarantine end, so every replica has time to write back what it knows.
// - `contributors` hash, field = replica id, value = the epoch it last wrote its spending into.

/** Shared helpers, prepended to every ledger script. */
export const LEDGER_LUA_HELPERS = `
local function fmt(x) return string.format('%.17g', x) end
local function budget_of(budgets, scope)
  local raw = redis.call('HGET', budgets, scope)
  if not raw then return nil, nil end
  local sep = string.find(raw, ':', 1, true)
  return tonumber(string.sub(raw, 1, sep - 1)), tonumber(string.sub(raw, sep + 1))
end
local function epoch_mismatch(key, expected)
  if expected == '*' then return nil end
  local current = redis.call('GET', key)
  if current ~= expected then return { 2, current or '' } end
  return nil
end
local function amount_of(member) return tonumber(string.match(member, ':([^:]*)$')) or 0 end
local function spent(spend, t, window)
  local flat = redis.call('HGETALL', spend)
  local total = 0
  for i = 1, #flat, 2 do
    if tonumber(flat[i]) > t - window then total = total + tonumber(flat[i + 1]) end
  end
  return total
end
local function reserved(held, t)
  redis.call('ZREMRANGEBYSCORE', held, '-inf', fmt(t))
  local total = 0
  for _, member in ipairs(redis.call('ZRANGEBYSCORE', held, '(' .. fmt(t), '+inf')) do
    total = total + amount_of(member)
  end
  return total
end
local function charge(spend, t, window, buckets, cost)
  local width = math.max(1, math.ceil(window / buckets))
  local finish = (math.floor(t / width) + 1) * width
  local field = fmt(finish)
  local previous = redis.call('HGET', spend, field)
  if not previous then
    for _, old in ipairs(redis.call('HKEYS', spend)) do
      if tonumber(old) <= t - window then redis.call('HDEL', spend, old) end
    end
  end
  redis.call('HSET', spend, field, fmt((tonumber(previous) or 0) + cost))
  local keep = math.ceil(finish + window - t)
  redis.call('PEXPIRE', spend, keep)
  return field, keep
end
`;

/**
 * Checks every scope's budget, then holds the amount on every scope, atomically.
 * KEYS: budgets, epoch, reservation, then spend and held of each scope.
 * ARGV: now, amount, expiresAt, id, defaultWindowMs, ttlMs, budgetId, expected epoch, scopes…
 * Returns {1}, {0, scope, remaining, limit}, {2, current epoch} or {3, ms left in the quarantine}.
 */
export const RESERVE_LUA = `
local t = tonumber(ARGV[1])
local amount = tonumber(ARGV[2])
local n = #ARGV - 8
local mismatch = epoch_mismatch(KEYS[2], ARGV[8])
if mismatch then return mismatch end
local quarantine = tonumber(string.match(ARGV[8], ':(%d+)$')) or 0
if t < quarantine then return { 3, fmt(quarantine - t) } end
for i = 1, n do
  local limit, window = budget_of(KEYS[1], ARGV[8 + i])
  if limit then
    local s = spent(KEYS[2 + 2 * i], t, window)
    local r = reserved(KEYS[3 + 2 * i], t)
    if s + r + amount > limit + 1e-9 then
      return { 0, ARGV[8 + i], fmt(limit - s - r), fmt(limit) }
    end
  end
end
local member = ARGV[4] .. ':' .. ARGV[2]
local ttl = tonumber(ARGV[6])
for i = 1, n do
  local held = KEYS[3 + 2 * i]
  redis.call('ZREMRANGEBYSCORE', held, '-inf', fmt(t))
  redis.call('ZADD', held, ARGV[3], member)
  if redis.call('PTTL', held) < ttl then redis.call('PEXPIRE', held, ttl) end
end
redis.call('HSET', KEYS[3], 'amount', ARGV[2], 'budgetId', ARGV[7], 'expiresAt', ARGV[3])
redis.call('PEXPIRE', KEYS[3], ttl)
return { 1 }
`;

/**
 * Settles a reservation (or records unreserved usage): drops the hold, adds the cost to the current bucket of
 * every scope, remembers the settlement. Settling twice returns the first cost.
 * KEYS: budgets, epoch, reservation, current and previous settled bucket, then spend and held of each scope.
 * ARGV: now, cost, id, defaultWindowMs, ms to keep the settlement (0: not kept), mode (settle|record),
 * windowBuckets, expected epoch (`*`: any), scopes…
 * Returns {1, cost, then per scope its bucket field and the bucket's ms to live}, {0, previous cost} or
 * {2, current epoch}.
 */
export const SETTLE_LUA = `
local t = tonumber(ARGV[1])
local n = #ARGV - 8
local mismatch = epoch_mismatch(KEYS[2], ARGV[8])
if mismatch then return mismatch end
local settling = ARGV[6] == 'settle'
if settling then
  local previous = redis.call('HGET', KEYS[4], ARGV[3]) or redis.call('HGET', KEYS[5], ARGV[3])
  if previous then return { 0, previous } end
end
local amount = redis.call('HGET', KEYS[3], 'amount')
local cost = tonumber(ARGV[2])
local buckets = tonumber(ARGV[7])
local out = { 1, ARGV[2] }
for i = 1, n do
  local _, window = budget_of(KEYS[1], ARGV[8 + i])
  if amount then redis.call('ZREM', KEYS[5 + 2 * i], ARGV[3] .. ':' .. amount) end
  local field, keep = charge(KEYS[4 + 2 * i], t, window or tonumber(ARGV[4]), buckets, cost)
  out[1 + 2 * i] = field
  out[2 + 2 * i] = keep
end
redis.call('DEL', KEYS[3])
local keep = tonumber(ARGV[5])
if settling and keep > 0 then
  redis.call('HSET', KEYS[4], ARGV[3], ARGV[2])
  redis.call('PEXPIRE', KEYS[4], keep)
end
return out
`;

/**
 * Drops a reservation without charging. KEYS: reservation, then held of each scope. ARGV: id.
 * Returns 1 when it was still held.
 */
export const RELEASE_LUA = `
local amount = redis.call('HGET', KEYS[1], 'amount')
if not amount then return 0 end
for i = 2, #KEYS do redis.call('ZREM', KEYS[i], ARGV[1] .. ':' .. amount) end
redis.call('DEL', KEYS[1])
return 1
`;

/**
 * Where scopes stand. KEYS: budgets, epoch, then spend and held of each scope. ARGV: now, defaultWindowMs,
 * expected epoch, scopes… Returns per scope {limit or '', spent, reserved, windowMs}, or {2, current epoch}.
 */
export const STATUS_LUA = `
local t = tonumber(ARGV[1])
local mismatch = epoch_mismatch(KEYS[2], ARGV[3])
if mismatch then return mismatch end
local out = {}
for i = 1, #ARGV - 3 do
  local limit, window = budget_of(KEYS[1], ARGV[3 + i])
  local w = window or tonumber(ARGV[2])
  local s = spent(KEYS[1 + 2 * i], t, w)
  local r = reserved(KEYS[2 + 2 * i], t)
  out[i] = { limit and fmt(limit) or '', fmt(s), fmt(r), fmt(w) }
end
return out
`;

/**
 * Establishes the budgets of an epoch, or joins the current one (issue 12 item 5).
 * KEYS: budgets, epoch, contributors. ARGV: replica id, new epoch, mode (`replace`: this replica's budgets
 * overwrite; `restore`: they fill only scopes without one), 1 when this replica knows its budgets, ms to keep
 * the contributors hash, then scope and encoded budget pairs.
 * Returns {0} when the epoch is lost and this replica cannot restore the budgets, else {1, current epoch,
 * 1 when this replica has not yet written its spending into that epoch}.
 */
export const ESTABLISH_LUA = `
local current = redis.call('GET', KEYS[2])
local mode = ARGV[3]
if not current then
  if ARGV[4] ~= '1' then return { 0 } end
  redis.call('SET', KEYS[2], ARGV[2])
  current = ARGV[2]
  mode = 'replace'
end
for i = 6, #ARGV, 2 do
  if mode == 'replace' then redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
  else redis.call('HSETNX', KEYS[1], ARGV[i], ARGV[i + 1]) end
end
local contribute = 1
if redis.call('HGET', KEYS[3], ARGV[1]) == current then contribute = 0 end
redis.call('HSET', KEYS[3], ARGV[1], current)
redis.call('PEXPIRE', KEYS[3], tonumber(ARGV[5]))
return { 1, current, contribute }
`;
