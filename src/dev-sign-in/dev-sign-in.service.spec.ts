import { Logger } from '@nestjs/common';
import { DomainError, ErrorCode } from '../common/errors';
import { TokensService } from '../tokens/tokens.service';
import { UsersService } from '../users/users.service';
import { DevSignInService } from './dev-sign-in.service';

function setUp(stored: string[], getError?: Error) {
  const users = {
    get: jest.fn(async (id: string) => {
      if (getError) throw getError;
      if (!stored.includes(id)) throw new DomainError(ErrorCode.USER_NOT_FOUND, `user ${id} not found`);
      return { user_id: id };
    }),
    put: jest.fn(async (id: string) => ({ user: { user_id: id }, created: true })),
  };
  const tokens = { issue: jest.fn(async (id: string) => ({ token: `token-of-${id}` })) };
  const service = new DevSignInService(users as unknown as UsersService, tokens as unknown as TokensService);
  return { service, users, tokens };
}

describe('DevSignInService', () => {
  beforeAll(() => Logger.overrideLogger(false));

  it('registers a new user (display name = the id), then issues their token', async () => {
    const { service, users, tokens } = setUp([]);
    expect(await service.signIn('ann')).toEqual({ token: 'token-of-ann' });
    expect(users.put).toHaveBeenCalledWith('ann', { display_name: 'ann' });
    expect(tokens.issue).toHaveBeenCalledWith('ann');
  });

  it('leaves a registered user as they are', async () => {
    const { service, users, tokens } = setUp(['ann']);
    await service.signIn('ann');
    expect(users.put).not.toHaveBeenCalled();
    expect(tokens.issue).toHaveBeenCalledWith('ann');
  });

  it('registers no one and issues nothing when the lookup fails for another reason', async () => {
    const { service, users, tokens } = setUp([], new DomainError(ErrorCode.DEPENDENCY_UNAVAILABLE, 'database down'));
    await expect(service.signIn('ann')).rejects.toMatchObject({ code: ErrorCode.DEPENDENCY_UNAVAILABLE });
    expect(users.put).not.toHaveBeenCalled();
    expect(tokens.issue).not.toHaveBeenCalled();
  });
});
