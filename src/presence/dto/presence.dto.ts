import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { PRESENCE_STATUSES, PresenceStatus, presenceTextProblem, watchListProblem } from '@app/protocol';
import { Satisfies } from '../../common/validation';

/** Most users one presence query may name. */
export const PRESENCE_QUERY_MAX = 1000;

export class SetPresenceDto {
  @ApiProperty({ enum: PRESENCE_STATUSES })
  @IsIn(PRESENCE_STATUSES as unknown as string[], { message: `status must be one of ${PRESENCE_STATUSES.join(', ')}` })
  status!: PresenceStatus;

  /** At most 140 characters; absent or null for none. */
  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 140 })
  @IsOptional()
  @Satisfies(presenceTextProblem)
  text?: string | null;
}

export class PresenceQueryDto {
  /** At most 1,000 user ids (repeats count once). */
  @Satisfies((v: unknown) => watchListProblem(v, PRESENCE_QUERY_MAX)?.replace(/^users/, 'user_ids') ?? null)
  user_ids!: string[];
}

export class PresenceResponse {
  user_id!: string;
  /** `online`, `away`, `busy`, `invisible` (as set: the admin sees it) or `offline`. */
  @ApiProperty({ enum: ['online', 'away', 'busy', 'invisible', 'offline'] })
  status!: PresenceStatus | 'offline';
  /** The status text, while online. */
  text?: string;
  /** When the user's last connection closed (milliseconds since the epoch); absent while online or never seen. */
  last_seen_at?: number;
  /** Live MQTT / Web-MQTT connections. */
  connection_count!: number;
}

export class PresenceListResponse {
  /** In the order asked, repeats dropped. */
  presence!: PresenceResponse[];
}

export class SeenPresenceQueryDto {
  /** At most 1,000 user ids (repeats count once). */
  @Satisfies((v: unknown) => watchListProblem(v, PRESENCE_QUERY_MAX))
  users!: string[];
}

/** A user's presence as another user may see it (docs/user-api.md#presence). */
export class SeenPresenceResponse {
  user_id!: string;
  /** `online`, `away`, `busy` or `offline` (also for an invisible user and one in a block with you); your own as set. */
  @ApiProperty({ enum: ['online', 'away', 'busy', 'invisible', 'offline'] })
  status!: PresenceStatus | 'offline';
  /** The status text, while online. */
  text?: string;
  /** When the user's last connection closed (milliseconds since the epoch), when shown. */
  last_seen_at?: number;
}

export class SeenPresenceListResponse {
  /** In the order asked, repeats dropped. */
  presence!: SeenPresenceResponse[];
}
