ALTER TABLE "interventions" DROP CONSTRAINT "interventions_kind_check";--> statement-breakpoint
DROP INDEX "exam_sessions_registration_key";--> statement-breakpoint
ALTER TABLE "exam_sessions" ADD COLUMN "attempt" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "exam_sessions" ADD COLUMN "superseded_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "exam_sessions" ADD COLUMN "extended_minutes" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "interventions" ADD COLUMN "cancelled_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "interventions" ADD COLUMN "cancelled_by" uuid;--> statement-breakpoint
ALTER TABLE "interventions" ADD COLUMN "minutes" integer;--> statement-breakpoint
ALTER TABLE "interventions" ADD CONSTRAINT "interventions_cancelled_by_users_id_fk" FOREIGN KEY ("cancelled_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "exam_sessions_registration_attempt_key" ON "exam_sessions" USING btree ("registration_id","attempt");--> statement-breakpoint
CREATE UNIQUE INDEX "exam_sessions_registration_key" ON "exam_sessions" USING btree ("registration_id") WHERE "exam_sessions"."superseded_at" is null;--> statement-breakpoint
ALTER TABLE "interventions" ADD CONSTRAINT "interventions_kind_check" CHECK ("interventions"."kind" in ('warning','pause','resume','terminate','room_scan','re_enrol','extend_time','reopen','new_attempt'));