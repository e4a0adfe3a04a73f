/** A person who owns a timeline. */
export interface User {
  id: string;
  name: string;
  /** IANA time zone every time expression of this user is resolved in. */
  timezone: string;
  createdAt: number;
}

/** A device (glasses, phone, laptop, the CLI) that holds a token for one user. */
export interface Device {
  id: string;
  userId: string;
  name: string;
  createdAt: number;
  revokedAt: number | null;
  lastSeenAt: number | null;
}
