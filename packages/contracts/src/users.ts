import { z } from 'zod';
import { Id, Timestamp } from './common.js';
import { SignupPending } from './signup-verification.js';
import { SsoOffer } from './sso.js';

/** The four roles. Staff roles (proctor, instructor) see only the exams they are assigned to. */
export const Role = z.enum(['student', 'proctor', 'instructor', 'admin']);
export type Role = z.infer<typeof Role>;

/** Lower-cased e-mail address. */
export const Email = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.email({ message: 'Enter a valid e-mail address' }).max(254));

/** Password length bounds; the rest of the policy (common passwords, e-mail reuse) is checked on the server. */
export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 256;
export const Password = z.string().min(1).max(PASSWORD_MAX_LENGTH);

/** A user as the API returns it (never with secrets). */
export const User = z.object({
  id: Id,
  email: z.string(),
  name: z.string(),
  role: Role,
  disabled: z.boolean(),
  createdAt: Timestamp,
  lastLoginAt: Timestamp.nullable(),
  /** What a self-signed-up account still waits for before it may take exams (null: nothing). */
  signupPending: SignupPending.nullable(),
  /** In the admin's user list: the account has a second factor (what a reset would remove). */
  secondFactor: z.boolean().optional(),
});
export type User = z.infer<typeof User>;

export const UserName = z.string().trim().min(1).max(120);

/** POST /api/auth/login */
export const LoginBody = z.strictObject({ email: Email, password: Password });
export type LoginBody = z.infer<typeof LoginBody>;

/**
 * Who is signed in, plus the CSRF token to send in `x-csrf-token` on every mutation.
 * `mustChangePassword`: an admin set the password; until the user changes it, only this,
 * sign-out and the password change answer (others: 403 PASSWORD_CHANGE_REQUIRED).
 */
export const MeResponse = z.object({
  user: User,
  csrfToken: z.string(),
  mustChangePassword: z.boolean(),
  /**
   * What the session owes before other routes answer (SecondFactorState in mfa.ts): `verify`
   * the second factor, or `enrol` one. Absent or null: nothing.
   */
  secondFactor: z.enum(['verify', 'enrol']).nullable().optional(),
});
export type MeResponse = z.infer<typeof MeResponse>;

/** POST /api/auth/signup — student self-registration, when an admin allows it. */
export const SignupBody = z.strictObject({ email: Email, name: UserName, password: Password });
export type SignupBody = z.infer<typeof SignupBody>;

/** POST /api/auth/password */
export const ChangePasswordBody = z.strictObject({
  currentPassword: Password,
  newPassword: Password,
});
export type ChangePasswordBody = z.infer<typeof ChangePasswordBody>;

/** One of the caller's sign-in sessions (GET /api/auth/sessions); `id` is not the cookie secret nor its stored hash. */
export const AuthSession = z.object({
  id: z.string(),
  createdAt: Timestamp,
  lastSeenAt: Timestamp,
  ip: z.string().nullable(),
  userAgent: z.string().nullable(),
  /** The session this request came with ("this browser"). */
  current: z.boolean(),
});
export type AuthSession = z.infer<typeof AuthSession>;

/** DELETE /api/auth/sessions/:id */
export const AuthSessionParams = z.strictObject({ id: z.string().regex(/^[0-9a-f]{32}$/) });

/** POST /api/auth/password-reset: ask for a "forgot password" link (the answer never says whether the account exists). */
export const PasswordResetRequestBody = z.strictObject({ email: Email });
export type PasswordResetRequestBody = z.infer<typeof PasswordResetRequestBody>;

/** The secret of a reset link as the e-mail carries it (`?token=`). */
export const ResetToken = z.string().min(1).max(200);

/** POST /api/auth/password-reset/confirm: a new password with the link's secret. */
export const PasswordResetConfirmBody = z.strictObject({ token: ResetToken, password: Password });
export type PasswordResetConfirmBody = z.infer<typeof PasswordResetConfirmBody>;

/** POST /api/users (admin) */
export const CreateUserBody = z.strictObject({
  email: Email,
  name: UserName,
  role: Role,
  password: Password,
});
export type CreateUserBody = z.infer<typeof CreateUserBody>;

/** PATCH /api/users/:id (admin) */
export const UpdateUserBody = z
  .strictObject({ name: UserName, role: Role, disabled: z.boolean() })
  .partial()
  .refine((b) => Object.keys(b).length > 0, { message: 'Nothing to update' });
export type UpdateUserBody = z.infer<typeof UpdateUserBody>;

/** POST /api/users/:id/password (admin): set a new password; signs the user out everywhere, lifts a lockout, and the user must change it at the next sign-in. */
export const SetPasswordBody = z.strictObject({ password: Password });
export type SetPasswordBody = z.infer<typeof SetPasswordBody>;

/** GET /api/users query */
export const ListUsersQuery = z.strictObject({
  role: Role.optional(),
  q: z.string().trim().max(254).optional(),
  /** Only self-signed-up accounts that wait for this (enabled ones: a rejected one is disabled). */
  pending: SignupPending.optional(),
});

/** POST /api/users/import (admin): CSV text with a header row `email,name,role[,password]`. */
export const ImportUsersBody = z.strictObject({ csv: z.string().min(1).max(2_000_000) });
export type ImportUsersBody = z.infer<typeof ImportUsersBody>;

/** Per-row outcome of a CSV import; `row` counts data rows from 1 (the header is row 0). */
export const ImportUsersReport = z.object({
  created: z.number().int(),
  rejected: z.number().int(),
  rows: z.array(
    z.object({
      row: z.number().int(),
      email: z.string().nullable(),
      status: z.enum(['created', 'rejected']),
      reason: z.string().optional(),
      userId: Id.optional(),
    }),
  ),
});
export type ImportUsersReport = z.infer<typeof ImportUsersReport>;

/** Self sign-up settings (GET/PUT /api/settings/signup). Empty `allowedDomains` = any domain. */
export const SignupSettings = z.strictObject({
  enabled: z.boolean(),
  allowedDomains: z
    .array(
      z
        .string()
        .trim()
        .toLowerCase()
        .regex(/^[a-z0-9.-]+\.[a-z]{2,}$/, 'A domain such as example.edu'),
    )
    .max(100),
});
export type SignupSettings = z.infer<typeof SignupSettings>;

/**
 * What the sign-in page may show before anyone is signed in: whether self sign-up is on, and
 * whether "forgot password" is offered (e-mail is configured) with how long a link works,
 * and the API token lifetimes the token form offers.
 */
export const PublicSettings = z.object({
  signupEnabled: z.boolean(),
  passwordReset: z.object({ linkMinutes: z.number().int() }).nullable(),
  /** How long API tokens work, in days: when not chosen, and at most. */
  apiTokenDays: z.object({ default: z.number().int(), max: z.number().int() }),
  /** Single sign-on with the institution's provider: the button's label, or null when off. */
  sso: SsoOffer,
});
export type PublicSettings = z.infer<typeof PublicSettings>;
