import { z } from 'zod';
import { Id, Timestamp } from './common.js';

/** A person as the chat shows them (kept here so this module stands alone). */
const Person = z.object({ id: Id, name: z.string() });

/** Longest chat message or announcement, in characters (after trimming). */
export const CHAT_MAX_LENGTH = 1000;

/** Who wrote a chat message: the session's student or a member of the exam's staff. */
export const ChatSide = z.enum(['student', 'staff']);
export type ChatSide = z.infer<typeof ChatSide>;

/**
 * One chat message: between a session's student and the exam's staff (`sessionId` set), or
 * an announcement from staff to every student of the exam (`sessionId` null). Plain text,
 * always rendered as text. `seq` orders every message of an exam (announcements included)
 * and is what "read up to" counts.
 */
export const ChatMessage = z.object({
  id: Id,
  seq: z.number().int().min(1),
  examId: Id,
  sessionId: Id.nullable(),
  kind: z.enum(['message', 'announcement']),
  from: ChatSide,
  author: Person.nullable(),
  body: z.string(),
  createdAt: Timestamp,
});
export type ChatMessage = z.infer<typeof ChatMessage>;

/** POST /api/sessions/:id/chat and POST /api/exams/:id/announcements. */
export const ChatMessageBody = z.strictObject({
  body: z.string().trim().min(1).max(CHAT_MAX_LENGTH),
});
export type ChatMessageBody = z.infer<typeof ChatMessageBody>;

/**
 * GET /api/sessions/:id/chat: the session's messages and the exam's announcements, oldest
 * first, with the caller's side's read mark and how many of the other side's are unread.
 */
export const ChatThread = z.object({
  sessionId: Id,
  messages: z.array(ChatMessage),
  /** The highest `seq` the caller's side has read (0: none). */
  readUpTo: z.number().int().min(0),
  /** Messages from the other side (and, for a student, announcements) after `readUpTo`. */
  unread: z.number().int().min(0),
});
export type ChatThread = z.infer<typeof ChatThread>;

/** POST /api/sessions/:id/chat/read: the caller's side has read everything up to `seq`. */
export const ChatReadBody = z.strictObject({ seq: z.number().int().min(0) });
export type ChatReadBody = z.infer<typeof ChatReadBody>;

/** The answer to POST /api/sessions/:id/chat/read: the caller's side's mark after it. */
export const ChatReadState = ChatThread.pick({ sessionId: true, readUpTo: true, unread: true });
export type ChatReadState = z.infer<typeof ChatReadState>;

/** POST /api/hands/:id/lower and /resolve carry nothing; an empty object or no body. */
// nullish: a POST without a body reaches validation as null.
export const EmptyHandBody = z.strictObject({}).nullish();
export type EmptyHandBody = z.infer<typeof EmptyHandBody>;

/**
 * The unread state of one session's chat for staff, carried by the dashboard snapshot and
 * the `chat.unread` live message (staff only).
 */
export const ChatUnread = z.object({
  sessionId: Id,
  /** Student messages after the staff read mark. */
  unread: z.number().int().min(0),
  /** Newest student message, if any. */
  lastAt: Timestamp.nullable(),
});
export type ChatUnread = z.infer<typeof ChatUnread>;

/** POST /api/sessions/:id/hand: the student asks for help; the text is optional. */
// nullish: a POST without a body reaches validation as null.
export const RaiseHandBody = z
  .strictObject({ message: z.string().trim().max(280).optional() })
  .nullish();
export type RaiseHandBody = z.infer<typeof RaiseHandBody>;

/**
 * A raised hand: a student asked for help. Shown in the proctor's alert feed as its own kind
 * of alert; a proctor takes it (409 HAND_TAKEN if another has, unless taking over) and
 * answers by chat or a call, then resolves it; the student may lower it.
 */
export const HelpRequest = z.object({
  id: Id,
  sessionId: Id,
  examId: Id,
  student: Person,
  message: z.string().nullable(),
  raisedAt: Timestamp,
  takenBy: Person.nullable(),
  takenAt: Timestamp.nullable(),
  /** When it was resolved by staff or lowered by the student (null while open). */
  closedAt: Timestamp.nullable(),
  closedBy: Person.nullable(),
  closeReason: z.enum(['resolved', 'lowered', 'session_ended']).nullable(),
});
export type HelpRequest = z.infer<typeof HelpRequest>;

/** POST /api/hands/:id/take. The body may be left out. */
// nullish: a POST without a body reaches validation as null.
export const TakeHandBody = z.strictObject({ takeOver: z.boolean().optional() }).nullish();
export type TakeHandBody = z.infer<typeof TakeHandBody>;
