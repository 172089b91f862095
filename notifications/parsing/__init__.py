"""Pure parsers for owners' replies, linear and bounded: inbound mail (mail: MIME via mime, HTML
via html_text, quoted text via quotes), dates and times read with their certainty (when: tokens in
when_tokens, calendar in when_days, words in when_words), and intent."""
