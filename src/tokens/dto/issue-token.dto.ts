import { IsInt, IsOptional, Min } from 'class-validator';

export class IssueTokenDto {
  /** Lifetime in seconds, at least 60; default TOKEN_TTL_SECONDS (3600), at most TOKEN_MAX_TTL_SECONDS (86400). */
  @IsOptional()
  @IsInt()
  @Min(60)
  ttl_seconds?: number;
}
