ALTER TABLE "templates" DROP CONSTRAINT "templates_account_use_key";--> statement-breakpoint
ALTER TABLE "templates" DROP CONSTRAINT "templates_kind_check";--> statement-breakpoint
ALTER TABLE "templates" ADD COLUMN "name" text;--> statement-breakpoint
ALTER TABLE "templates" ADD CONSTRAINT "templates_account_use_key" UNIQUE NULLS NOT DISTINCT("account_id","channel","kind","page_kind","name");--> statement-breakpoint
ALTER TABLE "templates" ADD CONSTRAINT "templates_name_check" CHECK ((kind = 'saved_reply') = (name is not null) and (name is null or char_length(name) between 1 and 80));--> statement-breakpoint
ALTER TABLE "templates" ADD CONSTRAINT "templates_kind_check" CHECK (kind in ('autoresponder', 'missed_call_text_back', 'saved_reply'));