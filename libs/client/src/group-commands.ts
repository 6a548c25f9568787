import { GROUP_ID_RULE, GroupCommand, GroupResultCode, isValidGroupId, parseGroupCommand, RejectionCode } from '@app/protocol';

export type BuiltCommand = { ok: true; body: string } | { ok: false; code: GroupResultCode; reason: string };

/**
 * The body of a group command, checked with the engine's own parser (libs/protocol: the group id,
 * the name, the attributes, the member list and ids, the role) so a command the engine would refuse
 * fails at once with the engine's code; an invalid group id never reaches a topic.
 * `maxMembers` is the engine's GROUP_MAX_MEMBERS as far as the client knows it.
 */
export function buildGroupCommand(groupId: string, command: GroupCommand, maxBytes: number, maxMembers: number): BuiltCommand {
  if (!isValidGroupId(groupId)) {
    return { ok: false, code: RejectionCode.INVALID_TOPIC, reason: `invalid group id "${String(groupId).slice(0, 80)}": ${GROUP_ID_RULE}` };
  }
  const body = JSON.stringify(command);
  const checked = parseGroupCommand(body, maxBytes, maxMembers);
  return checked.ok ? { ok: true, body } : { ok: false, code: checked.code, reason: checked.reason };
}
