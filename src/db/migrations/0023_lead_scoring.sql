ALTER TABLE "leads" ADD COLUMN "ai_version" text;--> statement-breakpoint
ALTER TABLE "leads" ADD COLUMN "ai_scored_at" timestamp with time zone;