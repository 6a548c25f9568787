/** Name of the user API's bearer security scheme in the OpenAPI document (the user's broker token). */
export const USER_SECURITY = 'user-token';
