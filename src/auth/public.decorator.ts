import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'auth:public';

/**
 * Opens a controller or route to callers without an admin credential (health, metrics). Every
 * other HTTP route needs one (AdminAuthGuard is global).
 */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(IS_PUBLIC, true);
