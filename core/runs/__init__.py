"""What happens to a finished run: saved, reopened, curated, assigned, exported, audited."""
