CREATE TABLE "analysis_jobs" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"session_id" uuid NOT NULL,
	"snapshot_id" uuid NOT NULL,
	"reason" text NOT NULL,
	"sample_bucket" bigint,
	"status" text DEFAULT 'queued' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"run_at" timestamp with time zone DEFAULT now() NOT NULL,
	"locked_until" timestamp with time zone,
	"last_error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "analysis_jobs_status_check" CHECK ("analysis_jobs"."status" in ('queued','running','done','failed'))
);
--> statement-breakpoint
CREATE TABLE "flags" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"session_id" uuid NOT NULL,
	"key" text NOT NULL,
	"type" text NOT NULL,
	"source" text NOT NULL,
	"start_ms" bigint NOT NULL,
	"end_ms" bigint,
	"severity" text NOT NULL,
	"confidence" double precision NOT NULL,
	"detector" text NOT NULL,
	"model" text NOT NULL,
	"evidence" jsonb NOT NULL,
	"message" text NOT NULL,
	"review_status" text DEFAULT 'open' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "flags_source_check" CHECK ("flags"."source" in ('client','server','rules')),
	CONSTRAINT "flags_severity_check" CHECK ("flags"."severity" in ('low','medium','high')),
	CONSTRAINT "flags_review_check" CHECK ("flags"."review_status" in ('open','confirmed','dismissed'))
);
--> statement-breakpoint
CREATE TABLE "session_risk" (
	"session_id" uuid PRIMARY KEY NOT NULL,
	"score" integer NOT NULL,
	"contributions" jsonb NOT NULL,
	"explanation" jsonb NOT NULL,
	"recheck_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "exam_sessions" ADD COLUMN "enrolled_embedding" jsonb;--> statement-breakpoint
ALTER TABLE "registrations" ADD COLUMN "detector_accommodations" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "analysis_jobs" ADD CONSTRAINT "analysis_jobs_session_id_exam_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."exam_sessions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "analysis_jobs" ADD CONSTRAINT "analysis_jobs_snapshot_id_snapshots_id_fk" FOREIGN KEY ("snapshot_id") REFERENCES "public"."snapshots"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "flags" ADD CONSTRAINT "flags_session_id_exam_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."exam_sessions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "session_risk" ADD CONSTRAINT "session_risk_session_id_exam_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."exam_sessions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "analysis_jobs_snapshot_key" ON "analysis_jobs" USING btree ("snapshot_id");--> statement-breakpoint
CREATE UNIQUE INDEX "analysis_jobs_sample_key" ON "analysis_jobs" USING btree ("session_id","sample_bucket") WHERE "analysis_jobs"."sample_bucket" is not null;--> statement-breakpoint
CREATE INDEX "analysis_jobs_due_idx" ON "analysis_jobs" USING btree ("status","run_at");--> statement-breakpoint
CREATE UNIQUE INDEX "flags_session_key" ON "flags" USING btree ("session_id","key");--> statement-breakpoint
CREATE INDEX "flags_session_time_idx" ON "flags" USING btree ("session_id","start_ms");--> statement-breakpoint
CREATE INDEX "session_risk_recheck_idx" ON "session_risk" USING btree ("recheck_at");