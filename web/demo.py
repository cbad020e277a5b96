"""Demo data: seven cities, their officers, a dozen smart-city pilots and pledges in progress, and
a matching fund in Porto.

Everything is loaded through the real use cases, so the demo's event log is one a real platform
could have written. Loading is idempotent: once the demo admin exists, nothing is added.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID

from adapters.bootstrap import Platform
from domain.crowdfunding.project import ALL_OR_NOTHING, KEEP_WHAT_YOU_RAISE, BudgetLine
from domain.kernel.context import SYSTEM, Actor, acting_as, new_correlation_id
from domain.kernel.money import Money
from domain.matching.rules import parse_rules

DOMAIN = "demo.civicfund.org"
# Published demo passwords: printed by `civicfund demo`, never used outside the demo.
CITIZEN_PASSWORD = "civic-citizen"  # noqa: S105
OFFICER_PASSWORD = "civic-officer"  # noqa: S105
INVESTOR_PASSWORD = "civic-investor"  # noqa: S105
AUDITOR_PASSWORD = "civic-auditor"  # noqa: S105
PROPOSER_PASSWORD = "civic-proposer"  # noqa: S105
ADMIN_PASSWORD = "civic-administrator"  # noqa: S105

ADMIN_EMAIL = f"admin@{DOMAIN}"


@dataclass(frozen=True)
class DemoCity:
    name: str
    currency: str
    country: str
    timezone: str


CITIES = (
    DemoCity("Manchester", "GBP", "GB", "Europe/London"),
    DemoCity("Dublin", "EUR", "IE", "Europe/Dublin"),
    DemoCity("Porto", "EUR", "PT", "Europe/Lisbon"),
    DemoCity("Eindhoven", "EUR", "NL", "Europe/Amsterdam"),
    DemoCity("Stavanger", "NOK", "NO", "Europe/Oslo"),
    DemoCity("Zagreb", "EUR", "HR", "Europe/Zagreb"),
    DemoCity("Miskolc", "HUF", "HU", "Europe/Budapest"),
)


@dataclass(frozen=True)
class DemoAccount:
    email: str
    name: str
    role: str
    password: str
    city: str | None = None


def _officer(local: str, name: str, city: str) -> DemoAccount:
    return DemoAccount(f"{local}@{DOMAIN}", name, "city", OFFICER_PASSWORD, city)


def _citizen(local: str, name: str) -> DemoAccount:
    return DemoAccount(f"{local}@{DOMAIN}", name, "citizen", CITIZEN_PASSWORD)


ACCOUNTS = (
    _citizen("citizen", "Sam Okafor"),
    _officer("porto", "Rita Carvalho", "Porto"),
    _officer("manchester", "Helen Ashworth", "Manchester"),
    _officer("mcr.digital", "Kwame Mensah", "Manchester"),
    DemoAccount(f"investor@{DOMAIN}", "Northbridge Impact Partners", "investor",
                INVESTOR_PASSWORD),
    DemoAccount(f"auditor@{DOMAIN}", "Lena Brandt", "auditor", AUDITOR_PASSWORD),
    DemoAccount(f"proposer@{DOMAIN}", "Ancoats Clean Air Group", "proposer", PROPOSER_PASSWORD),
    _officer("dublin", "Niamh Gallagher", "Dublin"),
    _officer("eindhoven", "Daan Verhoeven", "Eindhoven"),
    _officer("stavanger", "Kari Haugland", "Stavanger"),
    _officer("zagreb", "Marko Babić", "Zagreb"),
    _officer("miskolc", "Eszter Nagy", "Miskolc"),
    _citizen("maria", "Maria Silva"),
    _citizen("aoife", "Aoife Byrne"),
    _citizen("tom", "Tom Whitworth"),
    _citizen("sanne", "Sanne de Vries"),
    _citizen("ingrid", "Ingrid Solberg"),
    _citizen("ivana", "Ivana Horvat"),
    _citizen("zsofia", "Zsófia Kovács"),
    _citizen("joao", "João Pereira"),
    _citizen("priya", "Priya Shah"),
    # The admin comes last: its presence means the whole demo was loaded.
    DemoAccount(ADMIN_EMAIL, "Platform Admin", "admin", ADMIN_PASSWORD),
)

# What `civicfund demo` prints: one account per role first, then the other officers and citizens.
DEMO_PASSWORDS: list[tuple[str, str, str]] = [
    (account.email, account.password, account.role)
    for account in (*ACCOUNTS[:7], ACCOUNTS[-1], *ACCOUNTS[7:-1])
]

CITIZENS = tuple(a.email for a in ACCOUNTS if a.role == "citizen")


@dataclass(frozen=True)
class DemoPilot:
    city: str
    officer: str  # email local part
    title: str
    area: str
    theme: str
    proposer: str
    summary: str
    lines: tuple[tuple[str, str, bool], ...]
    funding_model: str
    # The demo's campaigns open when it is loaded (no campaign opens in the past).
    closes_in_days: int
    # Share of the minimum pledged so far, and by how many citizens; 0 for drafts.
    pledged_share: float = 0.0
    backers: int = 0
    draft: bool = False
    # A campaign window of minutes, so a demo visitor sees it close and settle by itself.
    closes_in_minutes: int = 0
    # The proposer account (email local part) the officer makes delivery owner, with its first
    # update as (title, body).
    delivery_owner: str | None = None
    first_update: tuple[str, str] | None = None


PILOTS = (
    DemoPilot(
        "Zagreb", "zagreb", "Solar bench with phone charging on Zrinjevac", "Donji grad",
        "Energy", "Zrinjevac Neighbourhood Council",
        "One solar-powered bench with two USB charging points and a free Wi-Fi hotspot, as a "
        "one-month trial before the city decides on twenty more. This campaign closes a few "
        "minutes after the demo starts: watch it close and settle by itself.",
        (("Solar bench with battery", "2400.00", True),
         ("Installation and foundation", "600.00", True),
         ("Usage counter and report", "300.00", False)),
        ALL_OR_NOTHING, 0, 1.08, 6, closes_in_minutes=3,
    ),
    DemoPilot(
        "Manchester", "manchester", "Air-quality sensor network for Ancoats", "Ancoats",
        "Air quality", "Ancoats Clean Air Group",
        "Forty low-cost PM2.5 and NO2 sensors on lamp columns around the school run, calibrated "
        "against the Piccadilly reference station, with live readings on an open dashboard so "
        "parents and the council can see where and when the air is worst.",
        (("40 PM2.5/NO2 sensor units", "18400.00", True),
         ("Installation on lamp columns", "6200.00", True),
         ("Calibration against the reference station", "3500.00", True),
         ("Open data dashboard", "4800.00", False),
         ("Air-quality kits for three primary schools", "1900.00", False)),
        ALL_OR_NOTHING, 24, 0.46, 7,
        delivery_owner="proposer",
        first_update=("Sensor sites chosen",
                      "With parents from St Anne's and New Islington schools we walked the school "
                      "run and chose the forty lamp columns. The site map is on our website."),
    ),
    DemoPilot(
        "Manchester", "mcr.digital", "Bike-lane counters on Oxford Road", "Oxford Road corridor",
        "Mobility", "Bee Network Cycling Forum",
        "Six permanent counters on the Oxford Road cycleway, with a public display totem by "
        "the university, to show how many people ride and make the case for the next "
        "protected lanes.",
        (("Six induction-loop counters", "9600.00", True),
         ("Ground works and installation", "5400.00", True),
         ("Public display totem", "7800.00", False)),
        KEEP_WHAT_YOU_RAISE, 16, 0.71, 6,
    ),
    DemoPilot(
        "Manchester", "mcr.digital", "Smart bins for Piccadilly Gardens", "City centre",
        "Waste", "Manchester Digital Streets",
        "Fill-level sensors in 60 litter bins and a collection route that only visits bins "
        "that need emptying.",
        (("Fill-level sensors for 60 bins", "7200.00", True),
         ("Route-planning software, first year", "4300.00", True),
         ("Solar compacting bins at two hot spots", "8600.00", False)),
        ALL_OR_NOTHING, 45, draft=True,
    ),
    DemoPilot(
        "Dublin", "dublin", "Flood sensors along the River Dodder", "Ringsend to Donnybrook",
        "Climate resilience", "Dodder Action",
        "Twelve river-level sensors on a LoRaWAN network send alerts to residents and the "
        "council's flood team before the Dodder breaks its banks, with trained volunteer "
        "flood wardens on each stretch.",
        (("12 ultrasonic river-level sensors", "14400.00", True),
         ("Three LoRaWAN gateways", "4500.00", True),
         ("Alerting service set-up", "6000.00", True),
         ("Flood-warden training", "2800.00", False)),
        ALL_OR_NOTHING, 31, 0.38, 8,
    ),
    DemoPilot(
        "Dublin", "dublin", "E-cargo bike library in Smithfield", "Smithfield",
        "Mobility", "Dublin Cycling Campaign",
        "Four electric cargo bikes that neighbours book by the hour from an app, for the "
        "weekly shop, the school run or moving a sofa — instead of a second car.",
        (("Four electric cargo bikes", "24800.00", True),
         ("Smart locks and booking system", "5600.00", True),
         ("Insurance and maintenance, first year", "4200.00", True),
         ("Rain covers and child seats", "1900.00", False)),
        KEEP_WHAT_YOU_RAISE, 19, 0.27, 6,
    ),
    DemoPilot(
        "Porto", "porto", "Smart street lighting retrofit in Bonfim", "Bonfim",
        "Energy", "Junta de Freguesia do Bonfim",
        "120 sodium street lights replaced with dimmable LED luminaires on a central "
        "management system: brighter where people walk, dimmer after midnight, and an "
        "expected 60% cut in the parish's lighting bill.",
        (("120 LED luminaires with dimming nodes", "42000.00", True),
         ("Central management system licence", "8500.00", True),
         ("Installation", "12000.00", True),
         ("Light-level study before and after", "3500.00", False)),
        ALL_OR_NOTHING, 36, 0.21, 9,
    ),
    DemoPilot(
        "Porto", "porto", "Noise monitoring in Ribeira", "Ribeira",
        "Environment", "Associação de Moradores da Ribeira",
        "Ten class-1 noise monitors where nightlife meets homes, publishing a live noise map "
        "so residents, bars and the council argue from the same numbers.",
        (("Ten class-1 noise monitors", "22000.00", True),
         ("Solar power and mounting", "3200.00", True),
         ("Public noise map", "4500.00", False)),
        KEEP_WHAT_YOU_RAISE, 14, 1.08, 9,
    ),
    DemoPilot(
        "Eindhoven", "eindhoven", "Community solar roof on De Tempel school", "Woensel-Noord",
        "Energy", "Energiecoöperatie Woensel",
        "96 solar panels on the roof of a primary school, owned by a neighbourhood energy "
        "co-operative: the school gets cheaper power, the pupils a classroom energy dashboard.",
        (("96 PV panels", "38400.00", True),
         ("Inverters and monitoring", "7200.00", True),
         ("Structural roof survey", "2600.00", True),
         ("Classroom energy dashboard", "3100.00", False)),
        ALL_OR_NOTHING, 28, 0.55, 8,
    ),
    DemoPilot(
        "Eindhoven", "eindhoven", "Smart bins on Stratumseind", "Stratumseind",
        "Waste", "Stratumseind Living Lab",
        "Fill-level sensors in the bins of Eindhoven's busiest nightlife street, so crews "
        "empty them before they overflow on Saturday nights and skip them on quiet Mondays.",
        (("Fill-level sensors for 45 bins", "9000.00", True),
         ("Route-optimisation software, first year", "6500.00", True),
         ("Two solar compacting bins", "7400.00", False)),
        KEEP_WHAT_YOU_RAISE, 40, 0.33, 5,
    ),
    DemoPilot(
        "Stavanger", "stavanger", "EV charging hub in Jorenholmen car park", "Sentrum",
        "Mobility", "Stavanger Elbilforening",
        "Twelve 22 kW chargers with load balancing in the city-centre car park, with an "
        "optional solar canopy over the top deck.",
        (("Twelve 22 kW chargers", "540000.00", True),
         ("Grid connection upgrade", "380000.00", True),
         ("Load-balancing software", "95000.00", True),
         ("Solar canopy on the top deck", "420000.00", False)),
        ALL_OR_NOTHING, 33, 0.17, 7,
    ),
    DemoPilot(
        "Zagreb", "zagreb", "Heat-pump pilot for social housing in Sesvete", "Sesvete",
        "Energy", "Zelena Akcija Sesvete",
        "Eight air-to-water heat pumps replace gas boilers in a municipal housing block, with "
        "metering to show tenants' bills and emissions before and after.",
        (("Eight air-to-water heat pumps", "96000.00", True),
         ("Installation and radiator upgrades", "34000.00", True),
         ("Metering and monitoring", "6500.00", True),
         ("Energy advice for residents", "4000.00", False)),
        ALL_OR_NOTHING, 41, 0.12, 6,
    ),
    DemoPilot(
        "Miskolc", "miskolc", "Open data portal for Miskolc", "Belváros",
        "Open data", "Miskolci Civil Tech Egyesület",
        "A public portal with thirty cleaned city datasets — bus punctuality, air quality, "
        "budgets, permits — and a weekend hackathon to build the first apps on them.",
        (("Portal platform and hosting, two years", "4800000.00", True),
         ("Cleaning and publishing 30 datasets", "3200000.00", True),
         ("Hackathon weekend", "1200000.00", False)),
        KEEP_WHAT_YOU_RAISE, 22, 0.44, 7,
    ),
    DemoPilot(
        "Miskolc", "miskolc", "Soil-moisture sensors for street trees in Avas", "Avas",
        "Climate resilience", "Avasi Zöld Kör",
        "Sensors under 150 young street trees tell the watering crews which trees are "
        "thirsty during summer heatwaves.",
        (("150 soil-moisture sensors", "2600000.00", True),
         ("LoRaWAN gateway and data platform", "900000.00", True),
         ("Volunteer tree-care training", "350000.00", False)),
        ALL_OR_NOTHING, 50, draft=True,
    ),
)

# Smallest step of a demo pledge amount in each currency, in major units.
_PLEDGE_STEP = {"NOK": 50, "HUF": 1000}
_WEIGHTS = (5, 2, 8, 1, 3, 6, 2, 4, 1, 3)


def pledge_amounts(minimum: Money, share: float, backers: int) -> list[Money]:
    """Split `share` of the minimum among `backers` in uneven, round amounts."""
    step = _PLEDGE_STEP.get(minimum.currency, 5) * 10**minimum.exponent
    target = Money(int(minimum.minor * share), minimum.currency)
    weights = [_WEIGHTS[i % len(_WEIGHTS)] for i in range(backers)]
    return [
        Money(max(step, part.minor // step * step), minimum.currency)
        for part in target.allocate(weights)
    ]


def demo_loaded(platform: Platform) -> bool:
    return platform.accounts.by_email(ADMIN_EMAIL) is not None


def load_demo(platform: Platform) -> bool:
    """Load the demo once. Returns False, adding nothing, when it is already there.

    Each step reuses what a previous, interrupted run left behind, so a second run completes it.
    """
    if demo_loaded(platform):
        return False
    cities = _add_cities(platform)
    accounts = _register_accounts(platform, cities)
    # Before the pilots, so the demo's pledges are matched as citizens' would be.
    _add_funds(platform, cities, accounts)
    _post_pilots(platform, cities, accounts)
    platform.projections.catch_up()
    _assign_delivery_owners(platform, accounts)
    # Last, so an interrupted load is finished by the next run.
    admin = next(a for a in ACCOUNTS if a.role == "admin")
    with acting_as(SYSTEM, new_correlation_id("demo")):
        platform.register(email=admin.email, name=admin.name, password=admin.password,
                          role=admin.role, verified=True)
    platform.projections.catch_up()
    return True


def _add_cities(platform: Platform) -> dict[str, UUID]:
    ids: dict[str, UUID] = {}
    with acting_as(SYSTEM, new_correlation_id("demo")):
        for city in CITIES:
            found = platform.read.city_named(city.name)
            ids[city.name] = found.id if found else platform.app.add_city(
                city.name, currency=city.currency, country=city.country, timezone=city.timezone
            )
    platform.projections.catch_up()
    return ids


def _register_accounts(platform: Platform, cities: dict[str, UUID]) -> dict[str, UUID]:
    ids: dict[str, UUID] = {}
    with acting_as(SYSTEM, new_correlation_id("demo")):
        for account in ACCOUNTS:
            if account.role == "admin":
                continue
            found = platform.accounts.by_email(account.email)
            ids[account.email] = found.id if found else platform.register(
                email=account.email, name=account.name, password=account.password,
                role=account.role, city_id=cities[account.city] if account.city else None,
                verified=True,
            )
    return ids


@dataclass(frozen=True)
class DemoFund:
    city: str
    officer: str  # email local part
    name: str
    sponsor: str
    pool: str
    themes: tuple[str, ...]
    rules: dict


FUNDS = (
    DemoFund(
        "Porto", "porto", "Porto Clean Energy Match", "Câmara Municipal do Porto — Ambiente",
        "20000.00", ("Energy", "Environment"),
        {"kind": "ratio", "factor": "1", "cap_per_pledge": "100.00",
         "cap_per_project_percent": "20", "one_per_backer": True},
    ),
)


def _add_funds(platform: Platform, cities: dict[str, UUID], accounts: dict[str, UUID]) -> None:
    now = platform.clock.now()
    for fund in FUNDS:
        city_id = cities[fund.city]
        if platform.app.matching_funds_of(city_id):
            continue
        currency = next(c.currency for c in CITIES if c.name == fund.city)
        officer = Actor(str(accounts[f"{fund.officer}@{DOMAIN}"]), "city")
        with acting_as(officer, new_correlation_id("demo")):
            platform.app.create_matching_fund(
                city_id=city_id, name=fund.name, sponsor=fund.sponsor, currency=currency,
                pool=Money.parse(fund.pool, currency), opens_at=now,
                closes_at=now + timedelta(days=60), themes=list(fund.themes), areas=[],
                rules=parse_rules(fund.rules, currency),
            )
    platform.projections.catch_up()


def _post_pilots(platform: Platform, cities: dict[str, UUID], accounts: dict[str, UUID]) -> None:
    now = platform.clock.now()
    existing = {(p.city_name, p.title) for p in platform.read.projects(include_drafts=True,
                                                                        limit=10_000)}
    citizens = [accounts[email] for email in CITIZENS]
    for number, pilot in enumerate(PILOTS):
        if (pilot.city, pilot.title) in existing:
            continue
        currency = next(c.currency for c in CITIES if c.name == pilot.city)
        officer = Actor(str(accounts[f"{pilot.officer}@{DOMAIN}"]), "city")
        if pilot.draft:
            opens_at = now + timedelta(days=7)
            closes_at = opens_at + timedelta(days=pilot.closes_in_days)
        else:
            opens_at = now
            closes_at = now + (timedelta(minutes=pilot.closes_in_minutes)
                               if pilot.closes_in_minutes else timedelta(days=pilot.closes_in_days))
        with acting_as(officer, new_correlation_id("demo")):
            project_id = platform.app.draft_project(
                city_id=cities[pilot.city], area=pilot.area, theme=pilot.theme,
                title=pilot.title, summary=pilot.summary, proposer=pilot.proposer,
                budget_lines=[BudgetLine(label, Money.parse(amount, currency), required)
                              for label, amount, required in pilot.lines],
                funding_model=pilot.funding_model, opens_at=opens_at, closes_at=closes_at,
            )
            if pilot.draft:
                continue
            platform.app.open_campaign(project_id)
        minimum = platform.app.get_project(project_id).minimum
        # A different, rotating set of citizens backs each pilot.
        backers = [citizens[(number + i) % len(citizens)] for i in range(pilot.backers)]
        for citizen_id, amount in zip(
            backers, pledge_amounts(minimum, pilot.pledged_share, pilot.backers), strict=True
        ):
            with acting_as(Actor(str(citizen_id), "citizen"), new_correlation_id("demo")):
                platform.app.make_pledge(project_id=project_id, citizen_id=citizen_id,
                                         amount=amount, payment_method="pm_card_visa")


def _assign_delivery_owners(platform: Platform, accounts: dict[str, UUID]) -> None:
    """Officers make the demo proposer the delivery owner of their pilot, who then reports."""
    projects = {(p.city_name, p.title): p for p in platform.read.projects(include_drafts=True,
                                                                          limit=10_000)}
    for pilot in PILOTS:
        project = projects.get((pilot.city, pilot.title))
        if pilot.delivery_owner is None or project is None or project.delivery_owner_id:
            continue
        owner_id = accounts[f"{pilot.delivery_owner}@{DOMAIN}"]
        officer = Actor(str(accounts[f"{pilot.officer}@{DOMAIN}"]), "city")
        with acting_as(officer, new_correlation_id("demo")):
            platform.app.assign_delivery_owner(project.id, owner_id)
        if pilot.first_update:
            title, body = pilot.first_update
            with acting_as(Actor(str(owner_id), "proposer"), new_correlation_id("demo")):
                platform.app.post_update(project.id, title=title, body=body)
    platform.projections.catch_up()
