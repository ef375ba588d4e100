-- ローカル/CI/デモ用シードデータ (冪等: 2 回流しても増えない)。パスワードは持たない
-- (利用者のパスワードは環境ごとに別途設定する)。
insert into auth.users (id, email, role)
values
  ('00000000-0000-4000-8000-000000000001', 'alice@example.com', 'user'),
  ('00000000-0000-4000-8000-000000000002', 'bob@example.com', 'user'),
  ('00000000-0000-4000-8000-0000000000ad', 'admin@example.com', 'admin')
on conflict (id) do nothing;

insert into public.profiles (id, email, display_name)
values
  ('00000000-0000-4000-8000-000000000001', 'alice@example.com', 'Alice'),
  ('00000000-0000-4000-8000-000000000002', 'bob@example.com', 'Bob'),
  ('00000000-0000-4000-8000-0000000000ad', 'admin@example.com', 'Admin')
on conflict (id) do nothing;

insert into public.projects (owner_id, name, visibility)
values
  ('00000000-0000-4000-8000-000000000001', 'status-page', 'public'),
  ('00000000-0000-4000-8000-000000000001', 'billing-migration', 'private'),
  ('00000000-0000-4000-8000-000000000002', 'docs-site', 'public'),
  ('00000000-0000-4000-8000-000000000002', 'payroll-export', 'private'),
  ('00000000-0000-4000-8000-0000000000ad', 'infra-runbooks', 'private')
on conflict (owner_id, name) do nothing;

-- 参照データ: 料金プラン
insert into public.plans (id, name, max_projects, price_jpy)
values
  ('free', 'Free', 3, 0),
  ('team', 'Team', 50, 9800),
  ('enterprise', 'Enterprise', 1000, 98000)
on conflict (id) do nothing;

insert into public.audit_log (actor_id, action, detail)
select v.actor_id::uuid, v.action, v.detail::jsonb
from (values
  ('00000000-0000-4000-8000-0000000000ad', 'seed', '{"source": "supabase/seed.sql"}'),
  ('00000000-0000-4000-8000-000000000001', 'project.create', '{"name": "status-page"}')
) as v (actor_id, action, detail)
where not exists (select 1 from public.audit_log);
