/**
 * Watches processkit's diagnostics channels during a test: proves "nothing was spawned" and
 * lets tests inspect payloads (which must never carry argv or env values).
 */
import { subscribe, unsubscribe } from "node:diagnostics_channel";

export const CHANNEL_NAMES = ["spawn", "exit", "timeout", "cancel", "teardown"] as const;
export type ChannelName = (typeof CHANNEL_NAMES)[number];

export interface Recorded {
  readonly channel: ChannelName;
  readonly payload: Record<string, unknown>;
}

export interface Watch {
  readonly events: Recorded[];
  of(channel: ChannelName): Record<string, unknown>[];
  stop(): void;
}

/** Records every event on processkit's channels until `stop()`. */
export function watchChannels(): Watch {
  const events: Recorded[] = [];
  const listeners = CHANNEL_NAMES.map((name) => {
    const listener = (payload: unknown) =>
      events.push({ channel: name, payload: payload as Record<string, unknown> });
    subscribe(`processkit:${name}`, listener);
    return [name, listener] as const;
  });
  return {
    events,
    of: (channel) => events.filter((e) => e.channel === channel).map((e) => e.payload),
    stop: () => {
      for (const [name, listener] of listeners) unsubscribe(`processkit:${name}`, listener);
    },
  };
}
