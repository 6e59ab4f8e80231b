#!/usr/bin/env node
import { mkdirSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { CreateUserBody } from '@invigil/contracts';
import { createApp } from './app.js';
import { startCluster } from './cluster/start-cluster.js';
import { describeEnv } from './config/config.js';
import { appendAudit } from './services/audit/audit.service.js';
import { insertUser } from './services/accounts/users.service.js';
import { formatDemoCredentials, readDemoCredentials, seedDemoIfEmpty } from './seed/demo.js';
import { AppError } from './errors.js';
import { ALL_ROLES, formatRoles, parseRoles, type ServerRole } from './roles.js';
import { auditVerifyCommand, keysCommand } from './cli/keys-commands.js';
import { config, withDatabase } from './cli/support.js';

const USAGE = `Usage: invigil <command>

Commands:
  start [--roles=R,…]            migrate, seed the demo (if enabled and empty), serve; roles:
                                 all (default) or some of api, ws, ingest, worker (see ROLES)
  worker                         run only the background jobs (= start --roles=worker)
  migrate                        apply database migrations
  seed-demo                      seed demo accounts and an exam into an empty database
  user add --email E --role R [--name N]
                                 create a user; the password is read from standard input
  config                         list every environment variable
  migrate-storage --to s3        copy every local blob (BLOB_DIR) into the S3 bucket (S3_*)
                                 and verify each; then set BLOB_STORE=s3. Safe to run again
                                 (only new blobs are copied): run it while serving, stop,
                                 run it once more, then switch
  analyze [--enroll FACE] IMAGE… run the detectors on JPEG/PNG files; one JSON line each
  analyze-audio FILE.wav…        run the voice detector (Silero VAD) on WAV files; one JSON
                                 line each with the stretches of speech found
  audit verify                   verify the whole audit trail (signatures, checkpoints, the
                                 blob store's copy); exit status 1 when it does not hold
  keys new [--id ID]             print a new master key line (id:base64) to add to MASTER_KEY
                                 or MASTER_KEY_FILE as the last entry
  keys rotate                    re-wrap every stored data key with the newest master key
                                 (media is not re-encrypted); then older keys may be removed
  keys encrypt-existing          encrypt the recordings and photos stored before encryption
                                 at rest (each checked against its recorded SHA-256)
`;

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

async function start(args: string[], roles?: ReadonlySet<ServerRole>): Promise<void> {
  const { values } = parseArgs({ args, options: { roles: { type: 'string' } } });
  const cfg = config();
  try {
    if (roles) cfg.roles = roles;
    else if (values.roles !== undefined) cfg.roles = parseRoles(values.roles);
  } catch (err) {
    console.error((err as Error).message);
    process.exit(2);
  }
  mkdirSync(cfg.dataDir, { recursive: true });
  // Several server processes behind the one port (WORKERS): see cluster/start-cluster.ts.
  if (cfg.workers > 1) return startCluster(cfg);
  const server = await createApp(cfg);
  if (cfg.seedDemo) await seedDemoIfEmpty(server.database.db, cfg.dataDir);
  const creds = cfg.seedDemo ? readDemoCredentials(cfg.dataDir) : null;
  const address = await server.app.listen({ host: cfg.host, port: cfg.port });
  const doing = cfg.roles === ALL_ROLES ? '' : `, roles: ${formatRoles(cfg.roles)}`;
  // A process without the api role serves no pages: say where its health is, not the site.
  const where = cfg.roles.has('api') ? `at ${cfg.publicUrl} ` : '';
  // One write: whoever watches the output for the ready line finds the credentials with it.
  const ready = `\nInvigil is running ${where}(listening on ${address}, database: ${server.database.label}${doing})`;
  console.log(creds ? `${ready}\n${formatDemoCredentials(creds)}\n` : ready);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    server.app.log.info({ signal }, 'shutting down');
    await server.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

async function userAdd(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { email: { type: 'string' }, role: { type: 'string' }, name: { type: 'string' } },
  });
  const password = await readStdin();
  const parsed = CreateUserBody.safeParse({
    email: values.email ?? '',
    role: values.role ?? '',
    name: values.name ?? values.email?.split('@')[0] ?? '',
    password,
  });
  if (!parsed.success) {
    for (const issue of parsed.error.issues)
      console.error(`${issue.path.join('.')}: ${issue.message}`);
    process.exit(2);
  }
  await withDatabase(async ({ db }) => {
    const user = await db.transaction(async (tx) => {
      const row = await insertUser(tx, parsed.data);
      await appendAudit(tx, {
        actorId: null,
        action: 'user.create.cli',
        entityType: 'user',
        entityId: row.id,
        data: { email: row.email, role: row.role },
      });
      return row;
    });
    console.log(`Created ${user.role} ${user.email} (${user.id})`);
  });
}

/** `migrate-storage --to s3`: copy and verify; the operator switches BLOB_STORE afterwards. */
async function migrateStorageCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { to: { type: 'string' } } });
  if (values.to !== 's3') {
    console.error('Usage: invigil migrate-storage --to s3');
    process.exit(2);
  }
  const cfg = config();
  if (!cfg.s3) {
    console.error(
      'Set S3_BUCKET, S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY (and S3_ENDPOINT, ' +
        'S3_FORCE_PATH_STYLE for a self-hosted store) to name the bucket to copy into.',
    );
    process.exit(2);
  }
  const { LocalDiskBlobStore } = await import('./adapters/local-disk.blob-store.js');
  const { openS3 } = await import('./adapters/open-blob-store.js');
  const { migrateStorage } = await import('./services/recording/storage-migration.js');
  const from = await LocalDiskBlobStore.open(cfg.blobDir);
  const to = await openS3(cfg.s3);
  console.log(`Copying ${cfg.blobDir} to ${to.location}…`);
  const report = await migrateStorage(from, to, {
    log: { info: (m) => console.log(m), warn: (m) => console.error(m) },
  }).finally(() => to.close());
  console.log(
    `Copied ${report.copied} (verified ${report.verified}), already there ${report.skipped}, ` +
      `failed ${report.failed.length}.`,
  );
  if (report.failed.length > 0) {
    console.error('Not every blob is in the bucket: keep BLOB_STORE=local and run this again.');
    process.exit(1);
  }
  console.log('Every blob is in the bucket and verified. Set BLOB_STORE=s3 and restart.');
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'start':
      return start(rest);
    case 'worker':
      return start(rest, parseRoles('worker'));
    case 'migrate':
      return withDatabase(async (d) => console.log(`Migrations applied (${d.label}).`));
    case 'seed-demo':
      return withDatabase(async ({ db }, cfg) => {
        const creds = await seedDemoIfEmpty(db, cfg.dataDir);
        console.log(
          creds ? formatDemoCredentials(creds) : 'The database is not empty; nothing seeded.',
        );
      });
    case 'user':
      if (rest[0] === 'add') return userAdd(rest.slice(1));
      break;
    case 'config':
      console.log(describeEnv());
      return;
    case 'migrate-storage':
      return migrateStorageCommand(rest);
    case 'keys':
      return keysCommand(rest);
    case 'audit':
      if (rest[0] === 'verify') return auditVerifyCommand();
      break;
    case 'analyze': {
      // Loaded on demand: the detection models are not needed by any other command.
      const { runAnalyze } = await import('@invigil/detection/node');
      process.exitCode = await runAnalyze(
        rest,
        (line) => console.log(line),
        (line) => console.error(line),
      );
      return;
    }
    case 'analyze-audio': {
      const { runAnalyzeAudio } = await import('@invigil/detection/node');
      process.exitCode = await runAnalyzeAudio(
        rest,
        (line) => console.log(line),
        (line) => console.error(line),
      );
      return;
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(USAGE);
      return;
  }
  console.error(`Unknown command: ${argv.join(' ')}\n\n${USAGE}`);
  process.exit(2);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof AppError) {
    console.error(err.message);
    process.exit(1);
  }
  console.error(err);
  process.exit(1);
});
