import { amqpToMqtt, ParsedTopic, TopicKind, TopicLayout } from '@app/protocol';
import { PolicyRefusal, PolicyService } from '../policy/policy.service';
import { Delivery } from './outcome';

/** What every user command starts with: its topic, who published it, and whether they are over their rate. */
export interface CommandIntake {
  /** The parsed topic, when it is a valid topic of the command's kind. */
  topic: ParsedTopic | null;
  /** The publisher, also from a malformed topic when its first word names a valid user (the broker only lets a user publish under their own path). */
  publisher: string | null;
  /** Commands count against the publisher's message rate, like messages (refused ones too). */
  limited: PolicyRefusal | null;
}

export function takeCommand(message: Delivery, kind: TopicKind, topics: TopicLayout, policy: PolicyService): CommandIntake {
  const parsed = topics.parseRoutingKey(message.routingKey);
  const topic = parsed?.kind === kind ? parsed : null;
  const publisher = topic?.owner ?? topics.ownerOf(amqpToMqtt(message.routingKey));
  return { topic, publisher, limited: publisher ? policy.admit(publisher) : null };
}
