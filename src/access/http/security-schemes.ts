/** The OpenAPI security scheme of signed client requests. */
export const CLIENT_SECURITY = 'signedRequest';

/** The OpenAPI security scheme of the operators' bearer tokens (admin and read-only). */
export const ADMIN_SECURITY = 'adminToken';
