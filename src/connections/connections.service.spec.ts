import { ConsoleLogger, Logger } from '@nestjs/common';
import { BrokerManagementClient } from '../broker';
import { DomainError, ErrorCode } from '../common/errors';
import { ConnectionTracker } from './connection-tracker.service';
import { ConnectionsService } from './connections.service';

function setup(owners: Array<{ connection: string; user: string }>, gone: string[] = []) {
  const management = {
    configured: true,
    closeConnection: jest.fn(async (name: string) => !gone.includes(name)),
    listChannelOwners: jest.fn(async () => owners),
  };
  const tracker = { registry: { namesOf: jest.fn((user: string) => (user === 'alice' ? ['a-event', 'a-both'] : [])) } };
  const service = new ConnectionsService(tracker as unknown as ConnectionTracker, management as unknown as BrokerManagementClient);
  return { service, management, tracker };
}

describe('ConnectionsService.closeUserConnections', () => {
  beforeAll(() => Logger.overrideLogger(false));
  afterAll(() => Logger.overrideLogger(new ConsoleLogger()));

  it("closes the identity's connections from the events and the listing, once each, and no one else's", async () => {
    const { service, management } = setup([
      { connection: 'a-both', user: 'alice' },
      { connection: 'a-listed', user: 'alice' },
      { connection: 'b', user: 'bob' },
    ]);
    expect(await service.closeUserConnections('alice', 'test')).toBe(3);
    expect(management.closeConnection.mock.calls.map(([name]) => name).sort()).toEqual(['a-both', 'a-event', 'a-listed']);
    expect(management.closeConnection).toHaveBeenCalledWith('a-event', 'test');
  });

  it('also closes a connection whose events arrive just after the call', async () => {
    const { service, management, tracker } = setup([]);
    tracker.registry.namesOf.mockReturnValueOnce([]).mockReturnValueOnce(['late']);
    expect(await service.closeUserConnections('alice', 'test')).toBe(1);
    expect(management.closeConnection.mock.calls).toEqual([['late', 'test']]);
  });

  it('counts only the connections the broker still had', async () => {
    const { service } = setup([], ['a-event']);
    expect(await service.closeUserConnections('alice', 'test')).toBe(1);
  });

  it('fails with DEPENDENCY_UNAVAILABLE when the management API cannot be asked', async () => {
    const { service, management } = setup([]);
    management.listChannelOwners.mockRejectedValueOnce(new DomainError(ErrorCode.DEPENDENCY_UNAVAILABLE, 'down'));
    await expect(service.closeUserConnections('alice', 'test')).rejects.toMatchObject({ code: ErrorCode.DEPENDENCY_UNAVAILABLE });
    expect(management.closeConnection).not.toHaveBeenCalled();
  });
});
