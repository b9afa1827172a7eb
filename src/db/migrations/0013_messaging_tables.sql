CREATE TABLE "messages" (
	"account_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"lead_id" uuid,
	"channel" text NOT NULL,
	"direction" text DEFAULT 'outbound' NOT NULL,
	"kind" text NOT NULL,
	"to_address" text NOT NULL,
	"from_address" text NOT NULL,
	"subject" text,
	"body" text NOT NULL,
	"template_id" uuid,
	"status" text NOT NULL,
	"provider" text,
	"provider_message_id" text,
	"error" text,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_attempt_at" timestamp with time zone,
	"sent_at" timestamp with time zone,
	"idempotency_key" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "messages_pkey" PRIMARY KEY("account_id","id"),
	CONSTRAINT "messages_account_idempotency_key" UNIQUE("account_id","idempotency_key"),
	CONSTRAINT "messages_channel_check" CHECK (channel in ('email', 'sms')),
	CONSTRAINT "messages_direction_check" CHECK (direction in ('outbound', 'inbound')),
	CONSTRAINT "messages_kind_check" CHECK (kind in ('agent_alert', 'autoresponder', 'manual', 'missed_call_text_back', 'reply')),
	CONSTRAINT "messages_status_check" CHECK (status in ('queued', 'sending', 'sent', 'failed', 'suppressed', 'over_limit', 'received'))
);
--> statement-breakpoint
CREATE TABLE "suppressions" (
	"account_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"channel" text NOT NULL,
	"address" text NOT NULL,
	"reason" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "suppressions_pkey" PRIMARY KEY("account_id","id"),
	CONSTRAINT "suppressions_account_address_key" UNIQUE("account_id","channel","address"),
	CONSTRAINT "suppressions_channel_check" CHECK (channel in ('email', 'sms')),
	CONSTRAINT "suppressions_reason_check" CHECK (reason in ('unsubscribe', 'stop', 'bounce', 'complaint', 'manual'))
);
--> statement-breakpoint
CREATE TABLE "templates" (
	"account_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"channel" text NOT NULL,
	"kind" text NOT NULL,
	"page_kind" text,
	"subject" text,
	"body" text NOT NULL,
	"is_active" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "templates_pkey" PRIMARY KEY("account_id","id"),
	CONSTRAINT "templates_account_use_key" UNIQUE NULLS NOT DISTINCT("account_id","channel","kind","page_kind"),
	CONSTRAINT "templates_channel_check" CHECK (channel in ('email', 'sms')),
	CONSTRAINT "templates_kind_check" CHECK (kind in ('agent_alert', 'autoresponder', 'manual', 'missed_call_text_back', 'reply')),
	CONSTRAINT "templates_page_kind_check" CHECK (page_kind is null or page_kind in ('home_valuation', 'buyer_interest', 'contact', 'custom'))
);
--> statement-breakpoint
ALTER TABLE "messages" ADD CONSTRAINT "messages_account_fkey" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "messages" ADD CONSTRAINT "messages_lead_fkey" FOREIGN KEY ("account_id","lead_id") REFERENCES "public"."leads"("account_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "messages" ADD CONSTRAINT "messages_template_fkey" FOREIGN KEY ("account_id","template_id") REFERENCES "public"."templates"("account_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "suppressions" ADD CONSTRAINT "suppressions_account_fkey" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "templates" ADD CONSTRAINT "templates_account_fkey" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "messages_account_lead_idx" ON "messages" USING btree ("account_id","lead_id","created_at");