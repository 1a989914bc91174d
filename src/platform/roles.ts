/**
 * Every role, from the most to the least trusted: the one list the server's
 * Role type, its permission grants and the web app's role pickers come from.
 * Plain data with no imports, so the web app may take it as it is.
 */
export const roles = ['owner', 'admin', 'agent', 'marketer', 'analyst', 'shopper'] as const;

export type Role = (typeof roles)[number];
