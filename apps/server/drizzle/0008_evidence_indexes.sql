ALTER TABLE "media_segments" ADD COLUMN "track_bytes" bigint;--> statement-breakpoint
ALTER TABLE "snapshots" ADD COLUMN "kind_bytes" bigint;--> statement-breakpoint
-- Running totals for what is already stored: each row holds the bytes of its track (kind)
-- up to and including itself, in the order received.
UPDATE "media_segments" AS m SET "track_bytes" = t."total"
FROM (
  SELECT "id", sum("size_bytes") OVER (
    PARTITION BY "session_id", "track" ORDER BY "received_at", "seq"
  ) AS "total"
  FROM "media_segments"
) AS t
WHERE m."id" = t."id";--> statement-breakpoint
UPDATE "snapshots" AS s SET "kind_bytes" = t."total"
FROM (
  SELECT "id", sum("size_bytes") OVER (
    PARTITION BY "session_id", "kind" ORDER BY "received_at", "seq"
  ) AS "total"
  FROM "snapshots"
) AS t
WHERE s."id" = t."id";--> statement-breakpoint
ALTER TABLE "media_segments" ALTER COLUMN "track_bytes" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "snapshots" ALTER COLUMN "kind_bytes" SET NOT NULL;--> statement-breakpoint
CREATE INDEX "analysis_jobs_session_idx" ON "analysis_jobs" USING btree ("session_id","status","reason");--> statement-breakpoint
CREATE INDEX "media_segments_track_bytes_idx" ON "media_segments" USING btree ("session_id","track","track_bytes");--> statement-breakpoint
CREATE INDEX "session_events_session_type_idx" ON "session_events" USING btree ("session_id","source","type","seq");--> statement-breakpoint
CREATE INDEX "session_events_trusted_detector_idx" ON "session_events" USING btree ("session_id",(case when "type" = 'detect.state' then "data"->>'detector' else 'tab_switch' end),"client_ms") WHERE "session_events"."source" = 'client' and "session_events"."untrusted_reason" is null and "session_events"."type" in ('detect.state', 'page.hidden', 'page.visible');--> statement-breakpoint
CREATE INDEX "session_events_untrusted_idx" ON "session_events" USING btree ("session_id","server_at","seq") WHERE "session_events"."untrusted_reason" is not null;--> statement-breakpoint
CREATE INDEX "snapshots_session_received_idx" ON "snapshots" USING btree ("session_id","kind","received_at");--> statement-breakpoint
CREATE INDEX "snapshots_kind_bytes_idx" ON "snapshots" USING btree ("session_id","kind","kind_bytes");