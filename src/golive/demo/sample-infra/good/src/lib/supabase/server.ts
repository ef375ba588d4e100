import { createClient } from "@supabase/supabase-js";

import { clientEnvironment, serverEnv } from "../env-validation";

/** service_role で接続するサーバー専用クライアント (RLS をバイパスする: Route Handler 内だけで使う) */
export function createServiceClient() {
  return createClient(clientEnvironment.NEXT_PUBLIC_SUPABASE_URL, serverEnv().SUPABASE_SERVICE_ROLE_KEY, {
    auth: { persistSession: false, autoRefreshToken: false },
  });
}
