import { context, TraceFlags, trace } from '@opentelemetry/api';
import { evalScript, type LuaCaller, LuaScript, scriptSha } from './lua-script.js';
import { isCluster, type RedisClient } from './redis-connection.js';

/** Calls of one script merged into one EVALSHA; bounds the command's size and Redis's time in it. */
const MAX_CALLS_PER_BATCH = 512;

interface PendingCall {
  readonly keys: readonly string[];
  readonly args: readonly (string | number)[];
  resolve(reply: unknown): void;
  reject(error: unknown): void;
}

/**
 * The script `fileName` of `./lua/`, bound to a connection. On a single Redis, the calls made in
 * one turn of the event loop (the chains of one consumed batch claiming, locking, writing side by
 * side) run as one EVALSHA of a wrapper that applies the script to each call in order, each exactly
 * as if alone, and answers each caller with its own reply or error. Auto-pipelining already shares
 * the round trip; this also saves the command per call, whose client-side objects and strings were
 * a large share of a worker's time per event. On a cluster the calls' keys live in many slots, so
 * each call stays its own command; a call inside a sampled OpenTelemetry trace too, to keep its span.
 */
export function defineLuaScript(redis: RedisClient, fileName: string): LuaCaller {
  const script = new LuaScript(fileName);
  if (script.perItem || isCluster(redis)) return script.bind(redis);
  return batchedCaller(script, redis);
}

function batchedCaller(script: LuaScript, redis: RedisClient): LuaCaller {
  const wrapper = batchWrapperSource(script);
  const wrapperSha = scriptSha(wrapper);
  let pending: PendingCall[] = [];

  const send = (calls: readonly PendingCall[]): void => {
    const [only] = calls;
    if (calls.length === 1 && only) {
      script.run(redis, only.keys, only.args).then(only.resolve, only.reject);
      return;
    }
    const keys = calls.flatMap((call) => call.keys);
    const args: (string | number)[] = [calls.length, ...calls.map((call) => call.args.length)];
    for (const call of calls) args.push(...call.args);
    evalScript(redis, wrapperSha, wrapper, keys, args).then(
      (replies) => {
        if (!Array.isArray(replies) || replies.length !== calls.length) {
          const error = new Error(`${script.fileName} batch answered ${String(replies)} for ${calls.length} calls`);
          for (const call of calls) call.reject(error);
          return;
        }
        calls.forEach((call, i) => {
          const reply: unknown = replies[i];
          if (reply instanceof Error) call.reject(reply);
          else call.resolve(reply);
        });
      },
      (error: unknown) => {
        for (const call of calls) call.reject(error);
      },
    );
  };

  const flush = (): void => {
    const calls = pending;
    pending = [];
    for (let start = 0; start < calls.length; start += MAX_CALLS_PER_BATCH) send(calls.slice(start, start + MAX_CALLS_PER_BATCH));
  };

  return (keys, args) => {
    if (insideSampledTrace()) return script.run(redis, keys, args);
    script.checkKeys(keys);
    return new Promise((resolve, reject) => {
      // process.nextTick runs after the current turn's promise continuations, as ioredis's own
      // auto-pipelining does: every chain that reached this script in this turn is in the batch.
      if (pending.length === 0) process.nextTick(flush);
      pending.push({ keys, args, resolve, reject });
    });
  };
}

function insideSampledTrace(): boolean {
  const span = trace.getSpanContext(context.active());
  return span !== undefined && (span.traceFlags & TraceFlags.SAMPLED) !== 0;
}

/**
 * The script as a function applied to each call of a batch. ARGV[1] is the number of calls, ARGV[2..]
 * each call's argument count, then every call's arguments; each call takes `keyCount` KEYS. A call
 * that raises answers its own error (pcall), so one bad call neither fails nor undoes the others;
 * nil becomes false, which Redis sends as the nil reply the script alone would have sent.
 */
function batchWrapperSource(script: LuaScript): string {
  return `-- ${script.fileName}, applied to each call of a batch (see batched-lua-script.ts)
local function call(KEYS, ARGV)
${script.source}
end
local calls = tonumber(ARGV[1])
local replies = {}
local nextArg = calls + 2
for i = 1, calls do
  local keys = {}
  for k = 1, ${script.keyCount} do
    keys[k] = KEYS[(i - 1) * ${script.keyCount} + k]
  end
  local args = {}
  local argCount = tonumber(ARGV[i + 1])
  for a = 1, argCount do
    args[a] = ARGV[nextArg + a - 1]
  end
  nextArg = nextArg + argCount
  local ok, reply = pcall(call, keys, args)
  if not ok then
    reply = redis.error_reply(type(reply) == 'table' and reply.err or tostring(reply))
  elseif reply == nil then
    reply = false
  end
  replies[i] = reply
end
return replies
`;
}
