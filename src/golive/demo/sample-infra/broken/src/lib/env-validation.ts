/**
 * env-validation.ts — 起動時に環境変数を検証する。
 *
 * src/instrumentation.ts から読み込まれるので、変数の欠落・形式違いはデプロイ直後の
 * 起動で失敗する (本番でユーザーがエラーを見る前に)。
 * 変数を追加したら .env.template と build-settings.json の全環境も更新すること。
 */
import { z } from "zod";

const serverSchema = z.object({
  SUPABASE_SERVICE_ROLE_KEY: z.string().min(1),
  SUPABASE_JWT_SECRET: z.string().min(32, "SUPABASE_JWT_SECRET must be at least 32 characters"),
  DATABASE_URL: z
    .string()
    .url()
    .refine((url) => url.startsWith("postgres://") || url.startsWith("postgresql://"), {
      message: "DATABASE_URL must be a PostgreSQL connection string",
    }),
  CRON_SECRET: z.string().min(16),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
});

const clientSchema = z.object({
  NEXT_PUBLIC_APP_ENV: z.enum(["production", "staging", "development"]),
  NEXT_PUBLIC_SITE_URL: z.string().url(),
  NEXT_PUBLIC_SUPABASE_URL: z.string().url(),
  NEXT_PUBLIC_SUPABASE_ANON_KEY: z.string().min(1),
  NEXT_PUBLIC_DATADOG_CLIENT_TOKEN: z.string().min(1),
});

// NEXT_PUBLIC_* はビルド時にインライン化されるため、名前を明示して読む。
const clientEnv = {
  NEXT_PUBLIC_APP_ENV: process.env.NEXT_PUBLIC_APP_ENV,
  NEXT_PUBLIC_SITE_URL: process.env.NEXT_PUBLIC_SITE_URL,
  NEXT_PUBLIC_SUPABASE_URL: process.env.NEXT_PUBLIC_SUPABASE_URL,
  NEXT_PUBLIC_SUPABASE_ANON_KEY: process.env.NEXT_PUBLIC_SUPABASE_ANON_KEY,
  NEXT_PUBLIC_DATADOG_CLIENT_TOKEN: process.env.NEXT_PUBLIC_DATADOG_CLIENT_TOKEN,
  NEXT_PUBLIC_DATADOG_APPLICATION_ID: process.env.NEXT_PUBLIC_DATADOG_APPLICATION_ID,
};

function formatIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `  - ${issue.path.join(".")}: ${issue.message}`).join("\n");
}

const isServer = typeof window === "undefined";

const client = clientSchema.safeParse(clientEnv);
if (!client.success) {
  // 起動は止めない (プレビューで変数が足りないことがあるため)
  console.warn(`Invalid public environment variables:\n${formatIssues(client.error)}`);
}

const server = isServer ? serverSchema.safeParse(process.env) : null;
if (server && !server.success) {
  console.warn(`Invalid server environment variables:\n${formatIssues(server.error)}`);
}

export type ServerEnv = z.infer<typeof serverSchema>;
export type ClientEnv = z.infer<typeof clientSchema>;

export const clientEnvironment = (client.success ? client.data : clientEnv) as ClientEnv;

export function serverEnv(): ServerEnv {
  return (server?.success ? server.data : process.env) as ServerEnv;
}
