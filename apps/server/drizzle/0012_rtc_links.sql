CREATE TABLE "rtc_links" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"session_id" uuid NOT NULL,
	"exam_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"proctor_id" uuid,
	"proctor_camera" boolean DEFAULT false NOT NULL,
	"state" text NOT NULL,
	"state_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"connected_at" timestamp with time zone,
	"ended_at" timestamp with time zone,
	"end_reason" text,
	"detail" text,
	"owner_socket" text,
	"owner_seen_at" timestamp with time zone,
	"student_seen_at" timestamp with time zone,
	CONSTRAINT "rtc_links_kind_check" CHECK ("rtc_links"."kind" in ('view','call')),
	CONSTRAINT "rtc_links_state_check" CHECK ("rtc_links"."state" in ('ringing','connecting','live','reconnecting','ended')),
	CONSTRAINT "rtc_links_end_reason_check" CHECK ("rtc_links"."end_reason" is null or "rtc_links"."end_reason" in ('hung_up','student_hung_up','declined','viewer_left','student_left','timeout','failed','session_ended'))
);
--> statement-breakpoint
ALTER TABLE "rtc_links" ADD CONSTRAINT "rtc_links_session_id_exam_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."exam_sessions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rtc_links" ADD CONSTRAINT "rtc_links_exam_id_exams_id_fk" FOREIGN KEY ("exam_id") REFERENCES "public"."exams"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rtc_links" ADD CONSTRAINT "rtc_links_proctor_id_users_id_fk" FOREIGN KEY ("proctor_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "rtc_links_open_session_idx" ON "rtc_links" USING btree ("session_id") WHERE "rtc_links"."ended_at" is null;--> statement-breakpoint
CREATE INDEX "rtc_links_open_exam_idx" ON "rtc_links" USING btree ("exam_id") WHERE "rtc_links"."ended_at" is null;--> statement-breakpoint
CREATE INDEX "rtc_links_session_idx" ON "rtc_links" USING btree ("session_id","started_at");