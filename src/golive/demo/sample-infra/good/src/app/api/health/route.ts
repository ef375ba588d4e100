import { NextResponse } from "next/server";

import { createServiceClient } from "@/lib/supabase/server";

export const dynamic = "force-dynamic";

/** デプロイ後のスモークテストと監視 (Datadog Synthetics) が叩くヘルスチェック */
export async function GET() {
  const started = Date.now();
  const { error } = await createServiceClient().from("profiles").select("id", { head: true, count: "exact" });
  const body = {
    status: error ? "degraded" : "ok",
    env: process.env.NEXT_PUBLIC_APP_ENV,
    commit: process.env.VERCEL_GIT_COMMIT_SHA ?? "local",
    dbLatencyMs: Date.now() - started,
  };
  return NextResponse.json(body, { status: error ? 503 : 200, headers: { "Cache-Control": "no-store" } });
}
