CREATE TABLE "provider_credentials" (
	"account_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"provider" text NOT NULL,
	"key_name" text NOT NULL,
	"ciphertext" "bytea" NOT NULL,
	"wrapped_key" "bytea" NOT NULL,
	"key_version" integer NOT NULL,
	"last4" text,
	"verified_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "provider_credentials_pkey" PRIMARY KEY("account_id","id"),
	CONSTRAINT "provider_credentials_account_key" UNIQUE("account_id","provider","key_name"),
	CONSTRAINT "provider_credentials_provider_check" CHECK (provider in ('openai', 'brevo', 'sendgrid', 'twilio', 'vapi', 'cloudflare', 'google_ads', 'batchdata')),
	CONSTRAINT "provider_credentials_key_name_check" CHECK (key_name ~ '^[a-z][a-z0-9_]{0,39}$'),
	CONSTRAINT "provider_credentials_key_version_check" CHECK (key_version > 0)
);
--> statement-breakpoint
ALTER TABLE "provider_credentials" ADD CONSTRAINT "provider_credentials_account_fkey" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;