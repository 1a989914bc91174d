import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import { createWorkspace } from '../platform/auth.service.ts';

export type DemoResult = { workspaceId: string; ownerEmail: string; ownerPassword: string };

export async function seedDemo(db: Kysely<DB>, _options: { log: (line: string) => void }): Promise<DemoResult> {
  const ownerEmail = 'owner@demo.klient.co.il';
  const ownerPassword = 'klient-demo-1234';
  const { workspaceId } = await createWorkspace(db, {
    name: 'רשת הקפה של נועה',
    ownerName: 'נועה לוי',
    ownerEmail,
    ownerPassword,
  });
  return { workspaceId, ownerEmail, ownerPassword };
}
