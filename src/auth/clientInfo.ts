/** Who is calling, as seen by the server; stored with a session so users recognise their devices. */
export interface ClientInfo {
  ip: string | null;
  userAgent: string | null;
}
