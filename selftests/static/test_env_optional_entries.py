"""Env templates as teams keep them: optional variables commented out (``#SMTP_USER=``,
``# SMTP_PORT=587``) are listed; prose comments are not; a plain-text ``env.example.txt``
is a template, and one kept beside ``.env.example`` documents variables too."""

from __future__ import annotations

from pathlib import Path

from golive.rules import envfiles

from ._helpers import text_of, write

TEMPLATE = """# Application
NEXT_PUBLIC_APP_URL=http://localhost:3000

# SMTP (optional: mail is disabled without it)
#SMTP_SENDER_EMAIL=noreply@example.com
#SMTP_SENDER_NAME=
# SMTP_HOST=smtp.example.com
# export SMTP_PORT=587
"""

MAILER = """export const mailer = {
  host: process.env.SMTP_HOST,
  port: Number(process.env.SMTP_PORT),
  from: `${process.env.SMTP_SENDER_NAME} <${process.env.SMTP_SENDER_EMAIL}>`,
  url: process.env.NEXT_PUBLIC_APP_URL,
};
"""


def test_commented_assignments_are_listed(tmp_path: Path) -> None:
    write(tmp_path, ".env.example", TEMPLATE)
    write(tmp_path, "lib/mailer.ts", MAILER)
    assert envfiles.env_template_findings(tmp_path) == []


def test_a_variable_in_no_entry_at_all_is_still_missing(tmp_path: Path) -> None:
    write(tmp_path, ".env.example", TEMPLATE)
    write(tmp_path, "lib/mailer.ts", MAILER + "export const pass = process.env.SMTP_PASSWORD;\n")
    (found,) = envfiles.env_template_findings(tmp_path)
    assert found.file == "lib/mailer.ts"
    assert "process.env.SMTP_PASSWORD is used here but .env.example does not list it" in str(found)


def test_prose_comments_are_not_entries(tmp_path: Path) -> None:
    # the variable's name appears in comments, but no comment assigns it
    write(tmp_path, ".env.example",
          "NEXT_PUBLIC_APP_URL=http://localhost:3000\n"
          "# see the docs for SMTP_PASSWORD\n"
          "# Note: set SMTP_PASSWORD in the Vercel dashboard\n"
          "# smtp_password=lower-case is not a variable name\n"
          "# FORMAT: SMTP_PASSWORD == the app password\n"
          "# SMTP_PASSWORD is required in production\n")
    write(tmp_path, "lib/mailer.ts", "export const p = process.env.SMTP_PASSWORD;\n")
    found = text_of(envfiles.env_template_findings(tmp_path))
    assert "process.env.SMTP_PASSWORD is used here but .env.example does not list it" in found


def test_parser_marks_commented_entries() -> None:
    entries, problems = envfiles.parse_dotenv(TEMPLATE + "# see the docs\n#==\n")
    assert problems == []
    shown = [(e.name, e.value, e.line, e.commented) for e in entries]
    assert shown == [
        ("NEXT_PUBLIC_APP_URL", "http://localhost:3000", 2, False),
        ("SMTP_SENDER_EMAIL", "noreply@example.com", 5, True),
        ("SMTP_SENDER_NAME", "", 6, True),
        ("SMTP_HOST", "smtp.example.com", 7, True),
        ("SMTP_PORT", "587", 8, True),
    ]


def test_optional_entries_are_not_required_everywhere_nor_duplicates(tmp_path: Path) -> None:
    # '#DATABASE_URL=<local>' beside 'DATABASE_URL=' shows an alternative, not a duplicate
    write(tmp_path, ".env.example",
          "#DATABASE_URL=postgres://localhost:5432/app\nDATABASE_URL=\n#SMTP_HOST=\n")
    write(tmp_path, "src/db.ts", "process.env.DATABASE_URL; process.env.SMTP_HOST;\n")
    assert envfiles.env_template_findings(tmp_path) == []
    template, _ = envfiles.read_template(tmp_path)
    assert template is not None
    assert set(template.names()) == {"DATABASE_URL", "SMTP_HOST"}
    assert not template.names()["DATABASE_URL"].commented
    # only active entries are what every environment must define
    assert set(template.names(platform_only=True)) == {"DATABASE_URL"}
    # a real duplicate is still one
    write(tmp_path, ".env.example", "DATABASE_URL=\nDATABASE_URL=x\n")
    assert "DATABASE_URL listed twice" in text_of(envfiles.env_template_findings(tmp_path))


PLAIN_TEXT = """Environment variables for this app
==================================

Copy the lines below into .env.local.

NEXT_PUBLIC_SUPABASE_URL=https://your-project.supabase.co
NEXT_PUBLIC_SUPABASE_ANON_KEY=your-anon-key
"""


def test_plain_text_template_when_it_is_the_only_one(tmp_path: Path) -> None:
    reads = "process.env.NEXT_PUBLIC_SUPABASE_URL; process.env.NEXT_PUBLIC_SUPABASE_ANON_KEY;\n"
    write(tmp_path / "a", "env.example.txt", PLAIN_TEXT)
    write(tmp_path / "a", "lib/supabase.ts", reads)
    # its notes are not 'not a NAME=value line' problems
    assert envfiles.env_template_findings(tmp_path / "a") == []
    write(tmp_path / "b", "env.example.txt", PLAIN_TEXT)
    write(tmp_path / "b", "lib/supabase.ts", reads + "process.env.SUPABASE_SERVICE_ROLE_KEY;\n")
    (found,) = envfiles.env_template_findings(tmp_path / "b")
    assert "SUPABASE_SERVICE_ROLE_KEY is used here but env.example.txt does not list it" in str(
        found)


def _beside(root: Path, extra: str = "") -> Path:
    write(root, ".env.example", "NEXT_PUBLIC_SUPABASE_URL=\n")
    write(root, "vercel-env-variables.example.txt", PLAIN_TEXT + "OPENAI_API_KEY=\n")
    write(root, "lib/ai.ts",
          "process.env.OPENAI_API_KEY; process.env.NEXT_PUBLIC_SUPABASE_URL;\n" + extra)
    return root


def test_plain_text_templates_beside_the_template_document_variables(tmp_path: Path) -> None:
    assert envfiles.env_template_findings(_beside(tmp_path / "a")) == []
    # a variable in neither names both
    (found,) = envfiles.env_template_findings(
        _beside(tmp_path / "b", "process.env.ETHERSCAN_API_KEY;\n"))
    assert ("but .env.example (with vercel-env-variables.example.txt) does not list it"
            in found.message)
    # a text file that is not named as an env template is not read
    repo = _beside(tmp_path / "c", "process.env.ETHERSCAN_API_KEY;\n")
    write(repo, "notes.txt", "ETHERSCAN_API_KEY=\n")
    write(repo, "docs/example.txt", "ETHERSCAN_API_KEY=\n")
    assert len(envfiles.env_template_findings(repo)) == 1
