CREATE TABLE "system_samples" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"process" text NOT NULL,
	"interval_ms" integer NOT NULL,
	"ingest_bytes" bigint NOT NULL,
	"ingest_items" integer NOT NULL,
	"http_responses" jsonb NOT NULL,
	"alerts_sent" integer NOT NULL,
	"alert_latency_buckets" jsonb NOT NULL,
	"alert_latency_sum_ms" bigint NOT NULL,
	"sessions_in_progress" integer,
	"queues" jsonb,
	"blob_free_bytes" bigint,
	"blob_size_bytes" bigint
);
--> statement-breakpoint
CREATE INDEX "system_samples_at_idx" ON "system_samples" USING btree ("at");