/** A keyset position in a list ordered by time, then id (newest first): opaque to clients. */
export type TimeCursor = { at: string; id: string };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function encodeTimeCursor(c: TimeCursor): string {
  return Buffer.from(JSON.stringify(c)).toString('base64url');
}

/** The position, or null for none or a forged one (which must not reach a query as a bad uuid or date). */
export function decodeTimeCursor(raw: string | undefined): TimeCursor | null {
  if (!raw) return null;
  try {
    const parsed = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as TimeCursor;
    return typeof parsed.at === 'string' &&
      !Number.isNaN(Date.parse(parsed.at)) &&
      typeof parsed.id === 'string' &&
      UUID.test(parsed.id)
      ? parsed
      : null;
  } catch {
    return null;
  }
}
