import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import {
  CHAT_MAX_LENGTH,
  ChatMessage,
  ChatMessageBody,
  ChatReadBody,
  ChatReadState,
  ChatThread,
  IdParams,
} from '@invigil/contracts';
import type { ChatService } from '../../services/live/chat.service.js';
import { responses, zod } from '../responses.js';
import { SESSION_READ, STAFF, actorOf } from '../route-policy.js';

const tags = ['chat'];

/** Who writes: the session's student and, like interventions, the exam's proctors and admins. */
const CHAT_WRITE = { roles: ['student', 'proctor', 'admin'], scope: 'sessions:write' } as const;
/** Announcements: the exam's proctors and admins. */
const ANNOUNCE = { roles: ['proctor', 'admin'], scope: 'exams:write' } as const;

const RATE =
  'Each user may send a limited number of messages and announcements in a short time (429 CHAT_RATE_LIMITED with `retry-after`).';

/**
 * Chat between a session's student and the exam's staff, and announcements to every student
 * of an exam. Messages are plain text (at most CHAT_MAX_LENGTH characters after trimming).
 */
export async function chatRoutes(app: FastifyInstance, opts: { chat: ChatService }) {
  const r = zod(app);

  r.get(
    '/api/sessions/:id/chat',
    {
      config: { auth: SESSION_READ },
      schema: {
        tags,
        summary:
          'A session’s chat and the exam’s announcements, oldest first (its student, the exam’s staff)',
        description:
          'With the caller’s side’s read mark (`readUpTo`) and how many of the other side’s ' +
          'messages (for the student: also announcements) come after it.',
        params: IdParams,
        response: responses({ 200: ChatThread }),
      },
    },
    async (req) => opts.chat.thread(actorOf(req), req.params.id),
  );

  r.post(
    '/api/sessions/:id/chat',
    {
      config: { auth: CHAT_WRITE },
      schema: {
        tags,
        summary: 'Send a chat message (the session’s student; the exam’s proctors and admins)',
        description:
          `Plain text, 1–${CHAT_MAX_LENGTH} characters after trimming. The student writes while ` +
          'the attempt is in progress or paused (409 SESSION_NOT_ACTIVE otherwise) and only if ' +
          'the exam’s policy allows chat (409 CHAT_DISABLED); staff write until the attempt ' +
          `ends. Goes out live as \`chat.message\`. ${RATE}`,
        params: IdParams,
        body: ChatMessageBody,
        response: responses({ 201: ChatMessage }),
      },
    },
    async (req, reply) =>
      reply.status(201).send(await opts.chat.post(actorOf(req), req.params.id, req.body.body)),
  );

  r.post(
    '/api/sessions/:id/chat/read',
    {
      config: { auth: CHAT_WRITE },
      schema: {
        tags,
        summary: 'Mark the chat read up to `seq` for the caller’s side',
        description:
          'The mark never moves back and stops at the newest message. Staff share one mark ' +
          '(the exam’s dashboards hear the new count as `chat.unread`).',
        params: IdParams,
        body: ChatReadBody,
        response: responses({ 200: ChatReadState }),
      },
    },
    async (req) => opts.chat.markRead(actorOf(req), req.params.id, req.body.seq),
  );

  r.get(
    '/api/exams/:id/announcements',
    {
      config: { auth: { roles: STAFF, scope: 'exams:read' } },
      schema: {
        tags,
        summary: 'The exam’s announcements, oldest first (its staff and admins)',
        params: IdParams,
        response: responses({ 200: z.array(ChatMessage) }),
      },
    },
    async (req) => opts.chat.announcements(actorOf(req), req.params.id),
  );

  r.post(
    '/api/exams/:id/announcements',
    {
      config: { auth: ANNOUNCE },
      schema: {
        tags,
        summary: 'Announce to every student of the exam (its proctors and admins)',
        description:
          'Sent live (`chat.message`, `sessionId` null) to every student whose attempt is ' +
          'checking in, in progress or paused, and shown in every session’s chat. ' +
          RATE,
        params: IdParams,
        body: ChatMessageBody,
        response: responses({ 201: ChatMessage }),
      },
    },
    async (req, reply) =>
      reply.status(201).send(await opts.chat.announce(actorOf(req), req.params.id, req.body.body)),
  );
}
