// Lua scripts of the Redis cost ledger. Every key a script touches is passed in KEYS and carries the ledger's
// hash tag, so the scripts are cluster-safe. Amounts travel as strings and come back through `%.17g`, so no
// precision is lost between JavaScript doubles and Lua doubles (Lua's own tostring keeps only 14 digits).
//
// Data model, per scope:
// - `charges:<scope>` sorted set, member `<id>:<costUsd>`, score = time charged (epoch ms);
//   counts while `time > now - windowMs` (the same rule as the in-memory ledger).
// - `held:<scope>` sorted set, member `<id>:<amountUsd>`, score = expiresAt; counts while `expiresAt > now`.
// - `reservation:<id>` hash (amount, budgetId, expiresAt) living as long as the reservation.
// - `settled:<id>` the recorded cost, kept for the retention time after expiry so a second settle records
//   nothing more.
// - `budgets` hash, field = scope, value = `<limitUsd>:<windowMs>`.

/** Shared helpers, prepended to every ledger script. KEYS[1] is always the budgets hash when used. */
export const LEDGER_LUA_HELPERS = `
local function fmt(x) return string.format('%.17g', x) end
local function budget_of(budgets, scope)
  local raw = redis.call('HGET', budgets, scope)
  if not raw then return nil, nil end
  local sep = string.find(raw, ':', 1, true)
  return tonumber(string.sub(raw, 1, sep - 1)), tonumber(string.sub(raw, sep + 1))
end
local function amount_of(member) return tonumber(string.match(member, ':([^:]*)$')) or 0 end
local function sum(members)
  local total = 0
  for _, member in ipairs(members) do total = total + amount_of(member) end
  return total
end
local function spent(charges, t, window)
  return sum(redis.call('ZRANGEBYSCORE', charges, '(' .. fmt(t - window), '+inf'))
end
local function reserved(held, t)
  redis.call('ZREMRANGEBYSCORE', held, '-inf', fmt(t))
  return sum(redis.call('ZRANGEBYSCORE', held, '(' .. fmt(t), '+inf'))
end
local function retention(budgets, least)
  local keep = least
  for _, raw in ipairs(redis.call('HVALS', budgets)) do
    local sep = string.find(raw, ':', 1, true)
    local window = tonumber(string.sub(raw, sep + 1))
    if window and window > keep then keep = window end
  end
  return keep
end
`;

/**
 * Checks every scope's budget, then holds the amount on every scope, atomically.
 * KEYS: budgets, reservation, then charges and held of each scope.
 * ARGV: now, amount, expiresAt, id, accumulatorTtlMs, ttlMs, budgetId, scopes…
 * Returns {1} or {0, scope, remaining, limit}.
 */
export const RESERVE_LUA = `
local t = tonumber(ARGV[1])
local amount = tonumber(ARGV[2])
local n = #ARGV - 7
for i = 1, n do
  local limit, window = budget_of(KEYS[1], ARGV[7 + i])
  if limit then
    local s = spent(KEYS[1 + 2 * i], t, window)
    local r = reserved(KEYS[2 + 2 * i], t)
    if s + r + amount > limit + 1e-9 then
      return { 0, ARGV[7 + i], fmt(limit - s - r), fmt(limit) }
    end
  end
end
local member = ARGV[4] .. ':' .. ARGV[2]
local ttl = tonumber(ARGV[6])
for i = 1, n do
  local held = KEYS[2 + 2 * i]
  redis.call('ZREMRANGEBYSCORE', held, '-inf', fmt(t))
  redis.call('ZADD', held, ARGV[3], member)
  if redis.call('PTTL', held) < ttl then redis.call('PEXPIRE', held, ttl) end
end
redis.call('HSET', KEYS[2], 'amount', ARGV[2], 'budgetId', ARGV[7], 'expiresAt', ARGV[3])
redis.call('PEXPIRE', KEYS[2], ttl)
return { 1 }
`;

/**
 * Settles a reservation (or records unreserved usage): drops the hold, charges the cost on every scope,
 * trims charges older than the retention, remembers the settlement. Settling twice returns the first cost.
 * KEYS: budgets, reservation, settled, then charges and held of each scope.
 * ARGV: now, cost, id, accumulatorTtlMs, ms until the reservation's expiry, mode (settle|record), scopes…
 * Returns {1, cost} or {0, previous cost}.
 */
export const SETTLE_LUA = `
local t = tonumber(ARGV[1])
local n = #ARGV - 6
local settling = ARGV[6] == 'settle'
if settling then
  local previous = redis.call('GET', KEYS[3])
  if previous then return { 0, previous } end
end
local amount = redis.call('HGET', KEYS[2], 'amount')
local keep = retention(KEYS[1], tonumber(ARGV[4]))
local member = ARGV[3] .. ':' .. ARGV[2]
for i = 1, n do
  local charges = KEYS[2 + 2 * i]
  if amount then redis.call('ZREM', KEYS[3 + 2 * i], ARGV[3] .. ':' .. amount) end
  redis.call('ZADD', charges, t, member)
  redis.call('ZREMRANGEBYSCORE', charges, '-inf', fmt(t - keep))
  redis.call('PEXPIRE', charges, keep)
end
redis.call('DEL', KEYS[2])
if settling then redis.call('SET', KEYS[3], ARGV[2], 'PX', tonumber(ARGV[5]) + keep) end
return { 1, ARGV[2] }
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
 * Where scopes stand. KEYS: budgets, then charges and held of each scope. ARGV: now, accumulatorTtlMs,
 * scopes… Returns per scope {limit or '', spent, reserved, windowMs}.
 */
export const STATUS_LUA = `
local t = tonumber(ARGV[1])
local out = {}
for i = 1, #ARGV - 2 do
  local limit, window = budget_of(KEYS[1], ARGV[2 + i])
  local w = window or tonumber(ARGV[2])
  local s = spent(KEYS[2 * i], t, w)
  local r = reserved(KEYS[1 + 2 * i], t)
  out[i] = { limit and fmt(limit) or '', fmt(s), fmt(r), fmt(w) }
end
return out
`;
