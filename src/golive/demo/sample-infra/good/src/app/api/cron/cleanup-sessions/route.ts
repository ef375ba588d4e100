import { NextResponse, type NextRequest } from "next/server";

import { createServiceClient } from "@/lib/supabase/server";

/** Vercel Cron (vercel.json の crons) から毎日呼ばれる: 期限切れセッションの削除 */
export async function GET(request: NextRequest) {
  if (request.headers.get("authorization") !== `Bearer ${process.env.CRON_SECRET}`) {
    return NextResponse.json({ error: "unauthorized" }, { status: 401 });
  }
  const { error, count } = await createServiceClient()
    .from("sessions")
    .delete({ count: "exact" })
    .lt("expires_at", new Date().toISOString());
  if (error) {
    return NextResponse.json({ error: error.message }, { status: 500 });
  }
  return NextResponse.json({ deleted: count ?? 0 });
}
