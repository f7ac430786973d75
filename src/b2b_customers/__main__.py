"""``python -m b2b_customers``: the command line."""

from b2b_customers.cli import main

raise SystemExit(main())
