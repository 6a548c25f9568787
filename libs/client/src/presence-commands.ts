import { parsePresenceCommand, parsePresenceWatch, PresenceCommand, PresenceResultCode, PresenceWatch } from '@app/protocol';

/** A presence command's body with its command_id, and without it (what is sent again after a reconnect, answered to no one). */
export type BuiltPresenceCommand = { ok: true; body: string; resend: string } | { ok: false; code: PresenceResultCode; reason: string };

/**
 * The body of a status command, checked with the engine's own parser (libs/protocol: the status,
 * the text, the command_id, the size) so a command the engine would refuse fails at once with the
 * engine's code.
 */
export function buildStatusCommand(command: PresenceCommand, commandId: string, maxBytes: number): BuiltPresenceCommand {
  return checked(command, commandId, (body) => parsePresenceCommand(body, maxBytes));
}

/** The body of a watch list, checked with the engine's parser; `maxWatched` is the engine's PRESENCE_MAX_WATCHED as far as the client knows it. */
export function buildWatchCommand(command: PresenceWatch, commandId: string, maxBytes: number, maxWatched: number): BuiltPresenceCommand {
  return checked(command, commandId, (body) => parsePresenceWatch(body, maxBytes, maxWatched));
}

function checked(
  command: PresenceCommand | PresenceWatch,
  commandId: string,
  parse: (body: string) => { ok: true } | { ok: false; code: PresenceResultCode; reason: string },
): BuiltPresenceCommand {
  const body = JSON.stringify({ ...command, command_id: commandId });
  const result = parse(body);
  return result.ok ? { ok: true, body, resend: JSON.stringify(command) } : { ok: false, code: result.code, reason: result.reason };
}
