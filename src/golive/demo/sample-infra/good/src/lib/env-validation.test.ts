/**
 * env-validation.ts のユニットテスト: 必須の環境変数が欠けている・形式が違うときに
 * 起動時のエラーになること (値そのものはメッセージに含めないこと) を確認する。
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

const validClient = {
  NEXT_PUBLIC_APP_ENV: "staging",
  NEXT_PUBLIC_SITE_URL: "https://staging.example-app.jp",
  NEXT_PUBLIC_SUPABASE_URL: "https://project.supabase.co",
  NEXT_PUBLIC_SUPABASE_ANON_KEY: "anon-key-for-tests",
  NEXT_PUBLIC_DATADOG_CLIENT_TOKEN: "client-token-for-tests",
  NEXT_PUBLIC_DATADOG_APPLICATION_ID: "00000000-0000-4000-8000-000000000000",
};

const validServer = {
  SUPABASE_SERVICE_ROLE_KEY: "service-role-key-for-tests",
  SUPABASE_JWT_SECRET: "j".repeat(32),
  DATABASE_URL: "postgresql://127.0.0.1:5432/postgres",
  CRON_SECRET: "c".repeat(16),
};

async function load(env: Record<string, string | undefined>) {
  vi.resetModules();
  for (const [key, value] of Object.entries(env)) {
    vi.stubEnv(key, value as string);
  }
  return import("./env-validation");
}

describe("env-validation", () => {
  beforeEach(() => {
    vi.unstubAllEnvs();
  });
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it("accepts a complete environment", async () => {
    const module = await load({ ...validClient, ...validServer });
    expect(module.serverEnv().LOG_LEVEL).toBe("info");
    expect(module.clientEnvironment.NEXT_PUBLIC_APP_ENV).toBe("staging");
  });

  it("rejects a short JWT secret without printing it", async () => {
    const tooShort = "x".repeat(8);
    await expect(load({ ...validClient, ...validServer, SUPABASE_JWT_SECRET: tooShort })).rejects.toThrow(
      /SUPABASE_JWT_SECRET/,
    );
    await expect(load({ ...validClient, ...validServer, SUPABASE_JWT_SECRET: tooShort })).rejects.not.toThrow(
      tooShort,
    );
  });

  it("rejects a DATABASE_URL that is not PostgreSQL", async () => {
    await expect(
      load({ ...validClient, ...validServer, DATABASE_URL: "mysql://127.0.0.1/app" }),
    ).rejects.toThrow(/PostgreSQL connection string/);
  });

  it("rejects an unknown app environment", async () => {
    await expect(load({ ...validClient, ...validServer, NEXT_PUBLIC_APP_ENV: "prod" })).rejects.toThrow(
      /NEXT_PUBLIC_APP_ENV/,
    );
  });
});
