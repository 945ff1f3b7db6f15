import type { Logger } from '@kidsstories/mesh-core';
import type { BullmqWorkQueueOptions } from '@kidsstories/mesh-redis';
import type { RedisPortsOptions } from '../redis-ports.js';
import { bullPrefixOf, type RunCommand, type ServeCommand } from './parse-command-line.js';

/** The Redis ports of a command given `--redis`: its URL, instance id and key prefix. */
export function redisPortsOptionsOf(
  command: RunCommand | ServeCommand,
  url: string,
  logger: Logger,
): RedisPortsOptions {
  return { url, instanceId: command.instanceId, keyPrefix: command.redisPrefix, logger };
}

/** The BullMQ work queue of a command given `--redis`, under the BullMQ prefix of its key prefix. */
export function workQueueOptionsOf(command: RunCommand | ServeCommand, url: string): BullmqWorkQueueOptions {
  return { url, prefix: bullPrefixOf(command.redisPrefix) };
}
