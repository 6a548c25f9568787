import { Controller, Delete, Get, HttpCode, Param } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrorResponses } from '../common/errors';
import { adminPath, UserIdPipe } from '../common/http';
import { UsersService } from '../users/users.service';
import { ConnectionsService } from './connections.service';
import { ConnectionListResponse, toConnectionResponse } from './dto/connection.response';

@ApiTags('connections')
@Controller(adminPath('users'))
export class ConnectionsController {
  constructor(
    private readonly connections: ConnectionsService,
    private readonly users: UsersService,
  ) {}

  @Get(':userId/connections')
  @ApiOperation({
    summary: "A user's live broker connections (MQTT, Web-MQTT, AMQP), made with their token",
    description: 'From the tracked view of the broker\'s connection events (docs/presence.md): by the identity in the token, whatever username the client typed.',
  })
  @ApiOkResponse({ type: ConnectionListResponse })
  @ApiErrorResponses({ VALIDATION_FAILED: 'Invalid user id', USER_NOT_FOUND: 'No such user' })
  async list(@Param('userId', UserIdPipe) userId: string): Promise<ConnectionListResponse> {
    await this.users.assertRegistered(userId);
    const docs = await this.connections.list(userId);
    return { connections: docs.map(toConnectionResponse) };
  }

  @Delete(':userId/connections/:connectionId')
  @HttpCode(204)
  @ApiOperation({ summary: 'Close one of the user\'s live connections now', description: 'A kick, not a ban: a client that reconnects with a valid token is back.' })
  @ApiNoContentResponse({ description: 'Closed' })
  @ApiErrorResponses({
    VALIDATION_FAILED: 'Invalid user id',
    NOT_FOUND: 'The user has no live connection of this id',
    DEPENDENCY_UNAVAILABLE: 'Broker management API not configured or unreachable',
  })
  async close(@Param('userId', UserIdPipe) userId: string, @Param('connectionId') connectionId: string): Promise<void> {
    await this.connections.closeOne(userId, connectionId, 'closed by an admin');
  }
}
