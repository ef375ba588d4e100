-- Demo seed data. Idempotent: applying it twice inserts nothing the second time.
-- Passwords are not here: the stack sets a random one per user at start-up.
INSERT INTO auth.users (id, email, role) VALUES
    ('00000000-0000-4000-8000-000000000001', 'alice@example.com', 'user'),
    ('00000000-0000-4000-8000-000000000002', 'bob@example.com', 'user'),
    ('00000000-0000-4000-8000-0000000000ad', 'admin@example.com', 'admin')
ON CONFLICT (id) DO NOTHING;

INSERT INTO public.profiles (id, email, display_name) VALUES
    ('00000000-0000-4000-8000-000000000001', 'alice@example.com', 'Alice'),
    ('00000000-0000-4000-8000-000000000002', 'bob@example.com', 'Bob'),
    ('00000000-0000-4000-8000-0000000000ad', 'admin@example.com', 'Admin')
ON CONFLICT (id) DO NOTHING;

INSERT INTO public.projects (owner_id, name, visibility) VALUES
    ('00000000-0000-4000-8000-000000000001', 'status-page', 'public'),
    ('00000000-0000-4000-8000-000000000001', 'billing-migration', 'private'),
    ('00000000-0000-4000-8000-000000000002', 'docs-site', 'public'),
    ('00000000-0000-4000-8000-000000000002', 'payroll-export', 'private'),
    ('00000000-0000-4000-8000-0000000000ad', 'infra-runbooks', 'private')
ON CONFLICT (owner_id, name) DO NOTHING;

INSERT INTO public.audit_log (actor_id, action, detail)
SELECT v.actor_id::uuid, v.action, v.detail::jsonb
FROM (VALUES
    ('00000000-0000-4000-8000-0000000000ad', 'seed', '{"source": "seed.sql"}'),
    ('00000000-0000-4000-8000-000000000001', 'project.create', '{"name": "status-page"}')
) AS v (actor_id, action, detail)
WHERE NOT EXISTS (SELECT 1 FROM public.audit_log);
