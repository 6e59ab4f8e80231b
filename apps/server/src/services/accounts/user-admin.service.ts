import { eq } from 'drizzle-orm';
import type { CreateUserBody, SignupSettings, User } from '@invigil/contracts';
import type { Db } from '../../db/database.js';
import { users } from '../../db/schema.js';
import type { Actor } from './actor.js';
import { getSignupSettings, setSignupSettings } from './settings.service.js';
import {
  createUser,
  importUsersCsv,
  listUsers,
  setUserPassword,
  toUser,
  updateUser,
} from './users.service.js';

/** User management and the sign-up settings, as the admin pages and sign-in use them. */
export class UserAdminService {
  constructor(private readonly db: Db) {}

  list(q: Parameters<typeof listUsers>[1]): Promise<User[]> {
    return listUsers(this.db, q);
  }

  create(actor: Actor, body: CreateUserBody): Promise<User> {
    return createUser(this.db, actor, body);
  }

  update(actor: Actor, id: string, body: Parameters<typeof updateUser>[3]) {
    return updateUser(this.db, actor, id, body);
  }

  setPassword(actor: Actor, id: string, password: string) {
    return setUserPassword(this.db, actor, id, password);
  }

  importCsv(actor: Actor, csv: string) {
    return importUsersCsv(this.db, actor, csv);
  }

  /** One user as the API shows them; undefined when there is none. */
  async byId(id: string): Promise<User | undefined> {
    const [row] = await this.db.select().from(users).where(eq(users.id, id));
    return row && toUser(row);
  }

  /** Whether the user must change an admin-set password before anything else. */
  async mustChangePassword(id: string): Promise<boolean> {
    const [row] = await this.db
      .select({ must: users.mustChangePassword })
      .from(users)
      .where(eq(users.id, id));
    return row?.must ?? false;
  }

  signupSettings(): Promise<SignupSettings> {
    return getSignupSettings(this.db);
  }

  setSignupSettings(actor: Actor, body: Parameters<typeof setSignupSettings>[2]) {
    return setSignupSettings(this.db, actor, body);
  }
}
