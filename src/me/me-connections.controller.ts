import { Controller, Delete, Get, HttpCode, Param } from '@nestjs/common';
import { ApiBearerAuth, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentUser, UserPrincipal, UserRoute } from '../auth';
import { ApiErrorResponses } from '../common/errors';
import { userPath } from '../common/http';
import { ConnectionsService } from '../connections';
import { ConnectionListResponse, toConnectionResponse } from '../connections/dto/connection.response';
import { USER_SECURITY } from './user-security';

@ApiTags('me')
@ApiBearerAuth(USER_SECURITY)
@UserRoute()
@Controller(userPath('connections'))
export class MeConnectionsController {
  constructor(private readonly connections: ConnectionsService) {}

  @Get()
  @ApiOperation({ summary: 'My live broker connections (made with my tokens), oldest first' })
  @ApiOkResponse({ type: ConnectionListResponse })
  async list(@CurrentUser() me: UserPrincipal): Promise<ConnectionListResponse> {
    return { connections: (await this.connections.list(me.userId)).map(toConnectionResponse) };
  }

  @Delete(':connectionId')
  @HttpCode(204)
  @ApiOperation({ summary: 'Close one of my live connections now (e.g. a lost device)', description: 'A kick, not a ban: a client that reconnects with a valid token is back.' })
  @ApiNoContentResponse({ description: 'Closed' })
  @ApiErrorResponses({ NOT_FOUND: 'I have no live connection of this id', DEPENDENCY_UNAVAILABLE: 'Broker management API not configured or unreachable' })
  async close(@CurrentUser() me: UserPrincipal, @Param('connectionId') connectionId: string): Promise<void> {
    await this.connections.closeOne(me.userId, connectionId, 'closed by the user');
  }
}
