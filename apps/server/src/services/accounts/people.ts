import { inArray } from 'drizzle-orm';
import type { PersonRef } from '@invigil/contracts';
import type { DbOrTx } from '../../db/database.js';
import { users } from '../../db/schema.js';

/** Display names of users by id, in one query (unknown ids are left out). */
export async function peopleById(
  db: DbOrTx,
  ids: Iterable<string | null>,
): Promise<Map<string, PersonRef>> {
  const wanted = [...new Set([...ids].filter((id): id is string => id !== null))];
  if (wanted.length === 0) return new Map();
  const rows = await db
    .select({ id: users.id, name: users.name })
    .from(users)
    .where(inArray(users.id, wanted));
  return new Map(rows.map((r) => [r.id, { id: r.id, name: r.name }]));
}

/** One user's display name, or null (no id, or the user is gone). */
export async function personById(db: DbOrTx, id: string | null): Promise<PersonRef | null> {
  return (await peopleById(db, [id])).get(id ?? '') ?? null;
}
