"""Credit: payment terms, instalments, aging of open items, and the credit account."""
