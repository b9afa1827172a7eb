CREATE TABLE "dev_outbox" (
	"id" uuid PRIMARY KEY NOT NULL,
	"idempotency_key" text NOT NULL,
	"channel" text NOT NULL,
	"to" "citext" NOT NULL,
	"from" text NOT NULL,
	"subject" text,
	"body" text NOT NULL,
	"account_id" uuid,
	"lead_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "dev_outbox_idempotency_key" UNIQUE("idempotency_key")
);
--> statement-breakpoint
CREATE INDEX "dev_outbox_created_idx" ON "dev_outbox" USING btree ("created_at" DESC NULLS FIRST);