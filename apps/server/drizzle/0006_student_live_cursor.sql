CREATE TABLE "live_student_counters" (
	"session_id" uuid PRIMARY KEY NOT NULL,
	"last_seq" bigint NOT NULL
);
--> statement-breakpoint
ALTER TABLE "live_messages" ADD COLUMN "student_seq" bigint;--> statement-breakpoint
ALTER TABLE "live_student_counters" ADD CONSTRAINT "live_student_counters_session_id_exam_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."exam_sessions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "live_messages_student_seq_idx" ON "live_messages" USING btree ("session_id","student_seq");--> statement-breakpoint
-- Messages kept from before: number each session's student messages in id order, and start
-- the session's counter after them.
UPDATE "live_messages" AS m SET "student_seq" = n."seq"
FROM (
  SELECT "id", row_number() OVER (PARTITION BY "session_id" ORDER BY "id") AS "seq"
  FROM "live_messages"
  WHERE "audience" = 'student' AND "session_id" IS NOT NULL
) AS n
WHERE m."id" = n."id";--> statement-breakpoint
INSERT INTO "live_student_counters" ("session_id", "last_seq")
SELECT "session_id", max("student_seq") FROM "live_messages"
WHERE "student_seq" IS NOT NULL AND "session_id" IN (SELECT "id" FROM "exam_sessions")
GROUP BY "session_id";
