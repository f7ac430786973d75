"""Write order_history.csv: a year of orders of three companies, the notebook's data.

The history is made up but shaped like a shop export: one row per order,
with the company's name and time zone, the buyer, the order total, its
status, and the day the invoice was paid (empty while it is open). The seed
is fixed, so running the script again writes the very same file.

Run: python examples/notebooks/make_order_history.py [OUTPUT]
(default: order_history.csv next to this script)
"""

import csv
import pathlib
import random
import sys
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

SEED = 20250101
YEAR = 2025
AS_OF = date(YEAR, 12, 31)
"""Payments after this day are not known yet: their invoices are still open."""
COLUMNS = [
    "order_id",
    "company_id",
    "company_name",
    "time_zone",
    "buyer_id",
    "placed_at",
    "total",
    "currency",
    "status",
    "paid_on",
]

# (id, name, time zone, buyers, orders a month, typical order in EUR, days to pay)
COMPANIES = [
    ("acme", "ACME GmbH", "Europe/Berlin", ("bob", "uta"), 9, 700, (20, 35)),
    ("bolt", "Bolt Industrie SARL", "Europe/Paris", ("ines", "marc", "zoe"), 5, 1900, (25, 95)),
    ("cato", "Cato Bau AG", "Europe/Vienna", ("karl",), 3, 2600, (30, 220)),
]
BUSY_MONTHS = {3: 1.4, 9: 1.6, 10: 1.3, 12: 0.6}
"""Seasonal factors on the number of orders (spring and autumn projects)."""


def orders_of_company(rng: random.Random, company: tuple) -> list[dict[str, str]]:
    """Return one company's orders of the year, as CSV rows."""
    company_id, name, zone_name, buyers, per_month, typical, pay_days = company
    zone = ZoneInfo(zone_name)
    rows = []
    for month in range(1, 13):
        count = round(per_month * BUSY_MONTHS.get(month, 1.0) * rng.uniform(0.7, 1.3))
        for _ in range(count):
            day = date(YEAR, month, rng.randint(1, 28))
            local = datetime.combine(day, time(rng.randint(7, 17), rng.randint(0, 59)), zone)
            total = Decimal(round(rng.lognormvariate(0, 0.6) * typical * 100)) / 100
            status = "cancelled" if rng.random() < 0.04 else "placed"
            paid = day + timedelta(days=rng.randint(*pay_days))
            rows.append(
                {
                    "company_id": company_id,
                    "company_name": name,
                    "time_zone": zone_name,
                    "buyer_id": rng.choice(buyers),
                    "placed_at": local.astimezone(ZoneInfo("UTC")).isoformat(),
                    "total": f"{total:.2f}",
                    "currency": "EUR",
                    "status": status,
                    "paid_on": paid.isoformat() if status == "placed" and paid <= AS_OF else "",
                }
            )
    return rows


def order_history(seed: int = SEED) -> list[dict[str, str]]:
    """Return every order of the year, oldest first, numbered in that order."""
    rng = random.Random(seed)
    rows = [row for company in COMPANIES for row in orders_of_company(rng, company)]
    rows.sort(key=lambda row: (row["placed_at"], row["company_id"]))
    return [{"order_id": f"SO-{number:05d}", **row} for number, row in enumerate(rows, start=1)]


def write(path: pathlib.Path) -> int:
    """Write the history to ``path`` as CSV; return how many orders were written."""
    rows = order_history()
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return len(rows)


if __name__ == "__main__":
    target = (
        pathlib.Path(sys.argv[1])
        if len(sys.argv) > 1
        else pathlib.Path(__file__).with_name("order_history.csv")
    )
    print(f"wrote {write(target)} orders to {target}")
