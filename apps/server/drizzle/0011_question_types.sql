ALTER TABLE "questions" DROP CONSTRAINT "questions_kind_check";--> statement-breakpoint
ALTER TABLE "answers" ADD COLUMN "grade_points" integer;--> statement-breakpoint
ALTER TABLE "answers" ADD COLUMN "grade_comment" text;--> statement-breakpoint
ALTER TABLE "answers" ADD COLUMN "graded_by" uuid;--> statement-breakpoint
ALTER TABLE "answers" ADD COLUMN "graded_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "exam_sessions" ADD COLUMN "score_released_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "questions" ADD COLUMN "correct_options" jsonb;--> statement-breakpoint
ALTER TABLE "questions" ADD COLUMN "numeric_answer" double precision;--> statement-breakpoint
ALTER TABLE "questions" ADD COLUMN "numeric_tolerance" double precision;--> statement-breakpoint
ALTER TABLE "answers" ADD CONSTRAINT "answers_graded_by_users_id_fk" FOREIGN KEY ("graded_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
-- Hand-written: multiple choice had exactly one right option before; that is single choice now.
UPDATE "questions" SET "kind" = 'single_choice' WHERE "kind" = 'multiple_choice';--> statement-breakpoint
ALTER TABLE "questions" ADD CONSTRAINT "questions_kind_check" CHECK ("questions"."kind" in ('single_choice','multiple_choice','true_false','numeric','short_text','essay'));