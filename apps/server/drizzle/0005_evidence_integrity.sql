ALTER TABLE "analysis_jobs" DROP CONSTRAINT "analysis_jobs_status_check";--> statement-breakpoint
ALTER TABLE "interventions" DROP CONSTRAINT "interventions_kind_check";--> statement-breakpoint
ALTER TABLE "media_segments" ADD COLUMN "codecs" text;--> statement-breakpoint
ALTER TABLE "session_events" ADD COLUMN "untrusted_reason" text;--> statement-breakpoint
ALTER TABLE "analysis_jobs" ADD CONSTRAINT "analysis_jobs_status_check" CHECK ("analysis_jobs"."status" in ('queued','running','done','failed','shed'));--> statement-breakpoint
ALTER TABLE "interventions" ADD CONSTRAINT "interventions_kind_check" CHECK ("interventions"."kind" in ('warning','pause','resume','terminate','room_scan','re_enrol'));--> statement-breakpoint
-- A segment's codecs move to their own column when the type named them and every entry (at most
-- two) is on the upload allow-list (src/http/recording/content-type.ts), normalised as uploads are.
UPDATE "media_segments" SET "codecs" = "listed"."codecs"
FROM (
  SELECT "id", lower(regexp_replace(
    (regexp_match("content_type", ';\s*codecs\s*=\s*("[^"]*"|[^;]*)', 'i'))[1], '[\s"]', '', 'g'
  )) AS "codecs"
  FROM "media_segments" WHERE "content_type" ~* ';\s*codecs\s*='
) AS "listed"
WHERE "media_segments"."id" = "listed"."id"
  AND "listed"."codecs" ~ '^(vp8(\.0)?|vp9(\.0)?|vp09(\.\d{2}){3}|av1|av01\.\d\.\d{2}[mh]\.\d{2}|opus|vorbis|pcm|h264|avc[13](\.[0-9a-f]{6})?|mp4a(\.40\.\d{1,2})?)(,(vp8(\.0)?|vp9(\.0)?|vp09(\.\d{2}){3}|av1|av01\.\d\.\d{2}[mh]\.\d{2}|opus|vorbis|pcm|h264|avc[13](\.[0-9a-f]{6})?|mp4a(\.40\.\d{1,2})?))?$';--> statement-breakpoint
-- Stored types become the bare allow-listed type: parameters a client sent are never served again.
UPDATE "media_segments" SET "content_type" = lower(trim(split_part("content_type", ';', 1)));--> statement-breakpoint
UPDATE "snapshots" SET "content_type" = lower(trim(split_part("content_type", ';', 1)));
