// The Lua scripts of the Redis lock (private to `createRedisLock`). Every key a script touches is passed in
// KEYS and shares the hash tag `{key}`, so each script stays on one cluster slot.
import { defineRedisScript } from '../connection/redis-script.js';

/**
 * How long a key's fencing counter outlives its last acquire or extend, in milliseconds (7 days; never less
 * than the lease). A counter used once (a lock per story or run) would otherwise stay in Redis forever
 * (issue 20); letting it expire is safe for the same reason a restart is: the next counter is seeded from the
 * server clock, above every token handed out before.
 */
export const FENCE_RETENTION_MS = 604_800_000;

/**
 * The next fencing token. When the counter is missing (first use, expired after {@link FENCE_RETENTION_MS},
 * or Redis lost its data) it is seeded from the server clock in microseconds, so tokens keep growing as long
 * as fewer than 1 000 acquisitions per millisecond happen on one key (each needs a round trip, so far fewer
 * do). `keepFence(ms)` keeps the counter for the retention, or `ms` when longer.
 */
const NEXT_FENCE = `
local function keepFence(ms)
  redis.call('PEXPIRE', KEYS[2], math.max(${FENCE_RETENTION_MS}, tonumber(ms)))
end
local function nextFence(ms)
  if redis.call('EXISTS', KEYS[2]) == 0 then
    local t = redis.call('TIME')
    redis.call('SET', KEYS[2], t[1] .. string.format('%06d', tonumber(t[2])))
  end
  local fence = redis.call('INCR', KEYS[2])
  keepFence(ms)
  return fence
end
local function serverNowMs()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
`;

/**
 * Takes the lease when free (and leaves the waiters queue if this token was in it), with the next fencing
 * token, in one round trip. When the lease is already this token's (it was handed over while the grant
 * message was on its way) it reports that. Otherwise, when a queue member is given, the caller joins the
 * waiters queue (scored by its wait deadline on the server clock; `NX` keeps its place on a retry).
 *
 * KEYS: lease, fence, waiters. ARGV: owner token, ttl ms, queue member (`''`: do not queue), wait ms.
 * Returns the fencing token (taken); `{1, fencing token, pttl}` (already handed to this token); or
 * `{0, pttl of the lease in the way, current fence counter}` (busy).
 */
export const ACQUIRE = defineRedisScript(`${NEXT_FENCE}
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then
  return {1, tonumber(redis.call('GET', KEYS[2]) or '0'), redis.call('PTTL', KEYS[1])}
end
if not holder then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  if ARGV[3] ~= '' then redis.call('ZREM', KEYS[3], ARGV[3]) end
  return nextFence(ARGV[2])
end
if ARGV[3] ~= '' then
  local waitMs = tonumber(ARGV[4])
  redis.call('ZADD', KEYS[3], 'NX', serverNowMs() + waitMs, ARGV[3])
  if redis.call('PTTL', KEYS[3]) < waitMs then redis.call('PEXPIRE', KEYS[3], waitMs + 1000) end
end
return {0, redis.call('PTTL', KEYS[1]), tonumber(redis.call('GET', KEYS[2]) or '0')}
`);

/**
 * Compare-and-extend; keeps the fencing counter at least as long as the lease. KEYS: lease, fence. ARGV: owner
 * token, ttl ms. Returns 1 when still held.
 */
export const EXTEND = defineRedisScript(`${NEXT_FENCE}
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  keepFence(ARGV[2])
  return 1
end
return 0
`);

/**
 * Compare-and-release with hand-off. Leaves the waiters queue first when a member is given (a waiter giving
 * up). Then, when the lease is this token's: drops waiters whose deadline passed and hands the lease to the
 * first remaining one whose grant channel has a live subscriber (PUBLISH counts receivers, so a crashed or
 * closed waiter is skipped instead of being granted a lease nobody will release): SET to its token with its
 * ttl, a fresh fencing token, and the grant `"<fencing token> <owner token>"` on its channel only. With no
 * live waiter it deletes the lease and publishes on the release channel (for `waitForRelease`). All in one
 * script, so nobody can see the key free between the holders.
 *
 * Queue members are `"<ttl ms> <grant channel id> <owner token>"`.
 * KEYS: lease, fence, waiters. ARGV: owner token, release channel, grant channel prefix, own queue member
 * (`''`: none). Returns 0 (not held by this token), 1 (released), 2 (handed over).
 */
export const RELEASE = defineRedisScript(`${NEXT_FENCE}
if ARGV[4] ~= '' then redis.call('ZREM', KEYS[3], ARGV[4]) end
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if redis.call('EXISTS', KEYS[3]) == 1 then
  redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', '(' .. serverNowMs())
  while true do
    local head = redis.call('ZRANGE', KEYS[3], 0, 0)[1]
    if not head then break end
    redis.call('ZREM', KEYS[3], head)
    local ttl, channel, token = string.match(head, '^(%d+) (%S+) (.+)$')
    if ttl then
      local fence = nextFence(ttl)
      if redis.call('PUBLISH', ARGV[3] .. channel, string.format('%.0f', fence) .. ' ' .. token) > 0 then
        redis.call('SET', KEYS[1], token, 'PX', ttl)
        return 2
      end
    end
  end
end
redis.call('DEL', KEYS[1])
redis.call('PUBLISH', ARGV[2], '')
return 1
`);
