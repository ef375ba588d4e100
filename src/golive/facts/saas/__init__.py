"""Third-party SaaS history (GitHub Actions, Vercel, Datadog) from APIs or exports."""
