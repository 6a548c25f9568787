import { IsInt, IsOptional, Min } from 'class-validator';

export class IssueTokenDto {
  /** Lifetime in seconds; default 3600, at most 86400. */
  @IsOptional()
  @IsInt()
  @Min(60)
  ttl_seconds?: number;
}
