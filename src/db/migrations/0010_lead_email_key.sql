DROP INDEX "leads_account_email_idx";--> statement-breakpoint
ALTER TABLE "leads" ADD COLUMN "email_key" text GENERATED ALWAYS AS (lower(email::text)) STORED;--> statement-breakpoint
CREATE INDEX "leads_account_email_key_idx" ON "leads" USING btree ("account_id","email_key");