/** Every admin endpoint lives under this prefix (health stays at /health, Swagger at /docs). */
export const ADMIN_PREFIX = 'admin/v1';

/** `@Controller(adminPath('users'))` */
export function adminPath(path: string): string {
  return `${ADMIN_PREFIX}/${path}`;
}
