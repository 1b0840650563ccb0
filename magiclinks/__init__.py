"""Links: the LoginLink engine, the APIs and pages that issue and redeem links, notifications."""
