ALTER TABLE "analysis_jobs" DROP CONSTRAINT "analysis_jobs_status_check";--> statement-breakpoint
ALTER TABLE "interventions" DROP CONSTRAINT "interventions_kind_check";--> statement-breakpoint
ALTER TABLE "media_segments" ADD COLUMN "codecs" text;--> statement-breakpoint
ALTER TABLE "session_events" ADD COLUMN "untrusted_reason" text;--> statement-breakpoint
ALTER TABLE "analysis_jobs" ADD CONSTRAINT "analysis_jobs_status_check" CHECK ("analysis_jobs"."status" in ('queued','running','done','failed','shed'));--> statement-breakpoint
ALTER TABLE "interventions" ADD CONSTRAINT "interventions_kind_check" CHECK ("interventions"."kind" in ('warning','pause','resume','terminate','room_scan','re_enrol'));--> statement-breakpoint
-- Stored types become the bare allow-listed type: parameters a client sent are never served again.
UPDATE "media_segments" SET "content_type" = lower(trim(split_part("content_type", ';', 1)));--> statement-breakpoint
UPDATE "snapshots" SET "content_type" = lower(trim(split_part("content_type", ';', 1)));
