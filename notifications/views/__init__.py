"""Staff portal pages that read across apps (Today, timeline, event mail, results, reminders)."""
