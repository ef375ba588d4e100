-- ローカル/CI 用シードデータ (冪等: 2 回流しても増えない)。パスワードは持たない。
insert into auth.users (id, email, aud, role)
values
  ('00000000-0000-4000-8000-000000000001', 'alice@example.com', 'authenticated', 'authenticated'),
  ('00000000-0000-4000-8000-000000000002', 'bob@example.com', 'authenticated', 'authenticated')
on conflict (id) do nothing;

insert into public.profiles (id, email, display_name)
values
  ('00000000-0000-4000-8000-000000000001', 'alice@example.com', 'Alice'),
  ('00000000-0000-4000-8000-000000000002', 'bob@example.com', 'Bob')
on conflict (id) do nothing;

insert into public.projects (owner_id, name, visibility)
values
  ('00000000-0000-4000-8000-000000000001', 'status-page', 'public'),
  ('00000000-0000-4000-8000-000000000001', 'billing-migration', 'private'),
  ('00000000-0000-4000-8000-000000000002', 'docs-site', 'public')
on conflict (owner_id, name) do nothing;
