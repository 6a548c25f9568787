/** Every admin endpoint lives under this prefix (health stays at /health, Swagger at /docs). */
export const ADMIN_PREFIX = 'admin/v1';

/** `@Controller(adminPath('users'))` */
export function adminPath(path: string): string {
  return `${ADMIN_PREFIX}/${path}`;
}

/** The user API (docs/user-api.md): the caller's own data, authenticated by their broker token. */
export const USER_PREFIX = 'v1/me';

/** `@Controller(userPath('groups'))` */
export function userPath(path = ''): string {
  return path ? `${USER_PREFIX}/${path}` : USER_PREFIX;
}
