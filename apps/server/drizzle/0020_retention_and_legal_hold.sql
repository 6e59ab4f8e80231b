CREATE TABLE "deletion_records" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"run_id" uuid NOT NULL,
	"session_id" uuid NOT NULL,
	"exam_id" uuid NOT NULL,
	"rule" text NOT NULL,
	"trigger" text NOT NULL,
	"actor_id" uuid,
	"kinds" jsonb NOT NULL,
	"items" integer NOT NULL,
	"bytes" bigint NOT NULL,
	"pending_keys" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"completed_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "exam_sessions" ADD COLUMN "legal_hold_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "exam_sessions" ADD COLUMN "legal_hold_by" uuid;--> statement-breakpoint
ALTER TABLE "exam_sessions" ADD COLUMN "legal_hold_reason" text;--> statement-breakpoint
ALTER TABLE "exams" ADD COLUMN "retention" jsonb;--> statement-breakpoint
ALTER TABLE "exams" ADD COLUMN "legal_hold_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "exams" ADD COLUMN "legal_hold_by" uuid;--> statement-breakpoint
ALTER TABLE "exams" ADD COLUMN "legal_hold_reason" text;--> statement-breakpoint
CREATE INDEX "deletion_records_session_idx" ON "deletion_records" USING btree ("session_id","created_at");--> statement-breakpoint
CREATE INDEX "deletion_records_pending_idx" ON "deletion_records" USING btree ("completed_at");--> statement-breakpoint
ALTER TABLE "exam_sessions" ADD CONSTRAINT "exam_sessions_legal_hold_by_users_id_fk" FOREIGN KEY ("legal_hold_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "exams" ADD CONSTRAINT "exams_legal_hold_by_users_id_fk" FOREIGN KEY ("legal_hold_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;