"""What is said to the owner and what they answer, on top of dealers and vehicles: notices and
their reminder schedules, the daily run, deliveries per channel and the e-mail outbox, dealer
event mail and consent refusal, replies (app, navi, mail) and their parsing, inquiries, and the
staff pages that read across apps (Today, a car's timeline, results, appointments)."""
