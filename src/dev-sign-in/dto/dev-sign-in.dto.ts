import { userIdProblem } from '@app/protocol';
import { Satisfies } from '../../common/validation';

export class DevSignInDto {
  /** Who to sign in as: registered (display name = the id) when new. The same rules as every user id. */
  @Satisfies(userIdProblem)
  userId!: string;
}
