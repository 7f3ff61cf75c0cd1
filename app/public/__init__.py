"""What a resident does without logging in: submitting, tracking, completing, answering."""
