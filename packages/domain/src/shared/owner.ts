/**
 * The single user of `AUTH=none` (local development). Records stored before owners were kept,
 * or written by another tool, belong to this user: with authentication on, nobody else sees them.
 */
export const LOCAL_USER_ID = "local";

/** Who is asking, for the rules on owned records: a user, and whether they hold the administrator role (ADMIN_ROLE). */
export interface Viewer {
  readonly userId: string;
  readonly admin?: boolean;
}

/** Whether `viewer` may see a record of `owner` (its owner, or an administrator where the rule allows one). */
export function mayAccess(owner: string | undefined, viewer: Viewer): boolean {
  return viewer.admin === true || (owner ?? LOCAL_USER_ID) === viewer.userId;
}
