import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import {
  CreateUserBody,
  IdParams,
  ImportUsersBody,
  ImportUsersReport,
  ListUsersQuery,
  SetPasswordBody,
  SignupSettings,
  UpdateUserBody,
  User,
} from '@invigil/contracts';
import type { UserAdminService } from '../../services/accounts/user-admin.service.js';
import { requireStepUp } from '../mfa/step-up.js';
import { actorOf } from '../route-policy.js';
import { responses, zod } from '../responses.js';

const ADMIN = ['admin'] as const;

/** User management and sign-up settings: admins only. */
export async function userRoutes(app: FastifyInstance, opts: { users: UserAdminService }) {
  const r = zod(app);
  const tags = ['users'];
  const read = { auth: { roles: ADMIN, scope: 'users:read' as const } };
  const write = { auth: { roles: ADMIN, scope: 'users:write' as const } };

  r.get(
    '/api/users',
    {
      config: read,
      schema: {
        tags,
        summary: 'List users',
        querystring: ListUsersQuery,
        response: responses({ 200: z.array(User) }),
      },
    },
    async (req) => opts.users.list(req.query),
  );

  r.post(
    '/api/users',
    {
      config: write,
      schema: {
        tags,
        summary: 'Create a user',
        body: CreateUserBody,
        response: responses({ 201: User }),
      },
    },
    async (req, reply) => {
      // Making a staff account hands out a role, like a role change.
      if (req.body.role !== 'student') requireStepUp(req);
      return reply.status(201).send(await opts.users.create(actorOf(req), req.body));
    },
  );

  r.patch(
    '/api/users/:id',
    {
      config: write,
      schema: {
        tags,
        summary: 'Rename, change role, disable or enable a user',
        params: IdParams,
        body: UpdateUserBody,
        response: responses({ 200: User }),
      },
    },
    async (req) => {
      // A role change or (dis)abling wants a recent second factor; a rename does not.
      if (req.body.role !== undefined || req.body.disabled !== undefined) requireStepUp(req);
      return opts.users.update(actorOf(req), req.params.id, req.body);
    },
  );

  r.post(
    '/api/users/:id/password',
    {
      config: write,
      schema: {
        tags,
        summary:
          'Set a user’s password (signs them out everywhere, lifts a lockout; they must change it at the next sign-in)',
        params: IdParams,
        body: SetPasswordBody,
        response: responses({ 200: User }),
      },
    },
    async (req) => {
      requireStepUp(req);
      return opts.users.setPassword(actorOf(req), req.params.id, req.body.password);
    },
  );

  r.post(
    '/api/users/import',
    {
      config: write,
      bodyLimit: 2_500_000,
      schema: {
        tags,
        summary: 'Import users from CSV (header email,name,role[,password]); per-row report',
        body: ImportUsersBody,
        response: responses({ 200: ImportUsersReport }),
      },
    },
    async (req) => {
      // An import may hand out any role.
      requireStepUp(req);
      return opts.users.importCsv(actorOf(req), req.body.csv);
    },
  );

  r.get(
    '/api/settings/signup',
    {
      config: read,
      schema: {
        tags,
        summary: 'Self sign-up settings',
        response: responses({ 200: SignupSettings }),
      },
    },
    async () => opts.users.signupSettings(),
  );

  r.put(
    '/api/settings/signup',
    {
      config: write,
      schema: {
        tags,
        summary: 'Enable or disable student self sign-up, optionally for some e-mail domains only',
        body: SignupSettings,
        response: responses({ 200: SignupSettings }),
      },
    },
    async (req) => opts.users.setSignupSettings(actorOf(req), req.body),
  );
}
