"""Demo data: seven cities, their officers, a dozen smart-city pilots and pledges in progress, a
matching fund in Porto, Manchester's departments and a PCP call evaluated and awarded in three
phases (its pilot co-funded by two departments), a Dublin PPI call open for proposals, and two
investment offers open for commitments (a Stavanger community bond and a Porto benefit share),
and two pilots funded with investment: a Stavanger bond held by five citizens, and a Porto benefit
share whose agreement every party signed, with an approved benefit report and its distribution
(the community fund's share topping up Porto's matching fund).

Everything is loaded through the real use cases, so the demo's event log is one a real platform
could have written. Loading is idempotent: once the demo admin exists, nothing is added.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from uuid import UUID

from adapters.bootstrap import Platform
from domain.crowdfunding.project import ALL_OR_NOTHING, KEEP_WHAT_YOU_RAISE, BudgetLine
from domain.kernel.clock import FixedClock
from domain.kernel.context import SYSTEM, Actor, acting_as, new_correlation_id
from domain.kernel.money import Money
from domain.matching.rules import parse_rules
from domain.procurement.cost_benefit import CostBenefitAnalysis, YearFlows
from web.demo_pictures import add_demo_pictures

DOMAIN = "demo.civicfund.org"
# Published demo passwords: printed by `civicfund demo`, never used outside the demo.
CITIZEN_PASSWORD = "civic-citizen"  # noqa: S105
OFFICER_PASSWORD = "civic-officer"  # noqa: S105
INVESTOR_PASSWORD = "civic-investor"  # noqa: S105
AUDITOR_PASSWORD = "civic-auditor"  # noqa: S105
PROPOSER_PASSWORD = "civic-proposer"  # noqa: S105
EVALUATOR_PASSWORD = "civic-evaluator"  # noqa: S105
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
    # Appointed to Manchester's PCP call (with the officer Kwame Mensah) and Dublin's PPI call.
    DemoAccount(f"evaluator@{DOMAIN}", "Dr Fiona Lister", "evaluator", EVALUATOR_PASSWORD),
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
    # The second proposer on Manchester's call: its proposal won the field test.
    DemoAccount(f"mobility@{DOMAIN}", "Northern Mobility Labs", "proposer", PROPOSER_PASSWORD),
    # Porto's second officer: approves the benefit reports Rita Carvalho files (four eyes).
    _officer("porto.energia", "Tiago Ferreira", "Porto"),
    # The admin comes last: its presence means the whole demo was loaded.
    DemoAccount(ADMIN_EMAIL, "Platform Admin", "admin", ADMIN_PASSWORD),
)

# What `civicfund demo` prints: one account per role first, then the other officers and citizens.
DEMO_PASSWORDS: list[tuple[str, str, str]] = [
    (account.email, account.password, account.role)
    for account in (*ACCOUNTS[:8], ACCOUNTS[-1], *ACCOUNTS[8:-1])
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
    # Funded with investment beside the crowd (issue 12): see FUNDED_OFFERS.
    DemoPilot(
        "Porto", "porto", "E-bike docks with solar canopies in Campanhã", "Campanhã",
        "Mobility", "Northern Mobility Labs",
        "Six docking stations with solar canopies and forty e-bikes linking Campanhã station to "
        "the parish's schools and markets, run on rental income after a year's trial: its "
        "measured revenue and avoided car trips are shared with the investors, the city, "
        "Porto's matching fund and the operator.",
        (("Six docking stations with solar canopies", "48000.00", True),
         ("Forty e-bikes", "36000.00", True),
         ("Booking integration with the Andante card", "6000.00", True),
         ("Cycling lessons for seniors", "5000.00", False)),
        ALL_OR_NOTHING, 40, 0.7, 10,
    ),
    DemoPilot(
        "Stavanger", "stavanger", "Heat recovery at Stavanger swimming hall", "Tasta",
        "Energy", "Stavanger Eiendom",
        "A heat exchanger recovers the warmth of the hall's waste water and ventilation air to "
        "heat the pools, cutting the hall's district-heating bill by a third.",
        (("Waste-water heat exchanger", "260000.00", True),
         ("Installation and controls", "110000.00", True),
         ("Energy monitoring", "30000.00", True),
         ("Public energy display in the foyer", "100000.00", False)),
        ALL_OR_NOTHING, 40, 0.55, 8,
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
    _start_conversations(platform, accounts)
    _add_departments(platform, cities, accounts)
    _run_calls(platform, cities, accounts)
    _add_offers(platform, cities, accounts)
    _fund_with_investment(platform, cities, accounts)
    _deliver_with_impact(platform, cities, accounts)
    platform.projections.catch_up()
    add_demo_pictures(
        platform, {(p.city, p.title): accounts[f"{p.officer}@{DOMAIN}"] for p in PILOTS},
        {f.name: accounts[f"{f.officer}@{DOMAIN}"] for f in FUNDS})
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


def _start_conversations(platform: Platform, accounts: dict[str, UUID]) -> None:
    """On the demo proposer's pilot, a citizen asks and the proposer answers; the citizen shows
    their name on backer walls. Skipped when the pilot already has its conversation."""
    owned = [p for p in platform.read.projects(include_drafts=True, limit=10_000)
             if p.delivery_owner_id == accounts[f"proposer@{DOMAIN}"]]
    if not owned or platform.read.comments(owned[0].id, moderator=True):
        return
    pilot = owned[0]
    with acting_as(_as(accounts, "citizen", "citizen"), new_correlation_id("demo")):
        question = platform.app.post_comment(
            pilot.id, kind="question",
            text="Will the readings be published for each street, or only as an average?")
        platform.app.set_conversation_preferences(on_backer_wall=True)
        platform.app.follow_project(pilot.id)
    with acting_as(_as(accounts, "proposer", "proposer"), new_correlation_id("demo")):
        platform.app.answer_comment(
            question, text="For each sensor, every minute, on the open-data portal.")
    platform.projections.catch_up()


# -- departments and co-investment calls (issue 11) ------------------------------------------

@dataclass(frozen=True)
class DemoDepartment:
    city: str
    officer: str  # email local part
    name: str
    lines: tuple[tuple[str, str], ...]  # (name, amount) for the current fiscal year


DEPARTMENTS = (
    DemoDepartment("Manchester", "manchester", "Transport",
                   (("Active travel", "250000.00"), ("Traffic signal renewal", "180000.00"))),
    DemoDepartment("Manchester", "manchester", "Environment",
                   (("Clean Air Plan", "120000.00"), ("Urban trees", "60000.00"))),
)


def _add_departments(platform: Platform, cities: dict[str, UUID],
                     accounts: dict[str, UUID]) -> None:
    year = platform.clock.now().year
    for demo in DEPARTMENTS:
        city_id = cities[demo.city]
        if any(d.name == demo.name for d in platform.app.departments_of(city_id)):
            continue
        currency = next(c.currency for c in CITIES if c.name == demo.city)
        officer = Actor(str(accounts[f"{demo.officer}@{DOMAIN}"]), "city")
        with acting_as(officer, new_correlation_id("demo")):
            department_id = platform.app.create_department(city_id=city_id, name=demo.name)
            for name, amount in demo.lines:
                platform.app.add_budget_line(department_id, name=name, fiscal_year=year,
                                             amount=Money.parse(amount, currency))
    platform.projections.catch_up()


MANCHESTER_CALL = "Cleaner air on the school run"
DUBLIN_CALL = "Zero-emission last-mile deliveries in the city centre"
MANCHESTER_CRITERIA = (
    ("Impact on exposure", "How much the solution cuts children's exposure to NO2 and PM2.5 "
     "on the way to and at school.", 40),
    ("Feasibility and delivery", "A credible team, plan and timetable; works on Manchester's "
     "streets and systems.", 25),
    ("Value for money", "The cost-benefit analysis: net present value and benefit-cost ratio.",
     20),
    ("Open data and replicability", "Open data, open interfaces, and whether other "
     "Greater Manchester boroughs can reuse it.", 15),
)
MANCHESTER_PHASES = (("Solution design", 20, 3), ("Prototype", 30, 2), ("Field test", 50, 1))


@dataclass(frozen=True)
class DemoProposal:
    key: str
    proposer: str  # email local part
    title: str
    organisation: str
    area: str
    theme: str
    summary: str
    lines: tuple[tuple[str, str, bool], ...]
    milestones: tuple[tuple[str, int], ...]  # (title, due in days)
    capex: int  # year 0 cost, whole pounds
    running: int  # yearly running cost, whole pounds
    benefits: tuple[tuple[str, int], ...]  # yearly benefits by category, whole pounds
    # Per criterion, what the evaluators wrote.
    justifications: tuple[str, str, str, str]


MANCHESTER_PROPOSALS = (
    DemoProposal(
        "signals", "mobility", "School Streets with adaptive signals and clean-air routing",
        "Northern Mobility Labs", "Ancoats and New Islington", "Mobility",
        "Adaptive signal control at the four junctions around St Anne's and New Islington "
        "schools holds idling traffic away from the school gates at drop-off and pick-up, "
        "timed School Streets keep the two school roads car-free for forty minutes twice a "
        "day, and the Bee Network app routes parents along the cleanest walking path using "
        "the Ancoats sensor network's live readings.",
        (("Adaptive signal controllers at four junctions", "62000.00", True),
         ("School Street camera enforcement", "28000.00", True),
         ("Clean-air routing in the Bee Network app", "18000.00", True),
         ("Independent evaluation with the university", "12000.00", False)),
        (("Signals commissioned at the four junctions", 90),
         ("Six-month air-quality and traffic report", 270)),
        95_000, 6_000, (("Avoided health costs", 22_000), ("Journey time savings", 9_000)),
        ("Moves queuing traffic away from both school gates at the worst times of day.",
         "Proven signal hardware; the junctions are already on the council's UTC system.",
         "Positive net present value over five years with a benefit-cost ratio above 1.",
         "Signal timings and routing data are published under the Open Government Licence."),
    ),
    DemoProposal(
        "routes", "proposer", "Clean-air walking routes for parents",
        "Ancoats Clean Air Group", "Ancoats", "Air quality",
        "Thirty more sensors along the side streets, a simple app that shows parents the "
        "cleanest way to walk to school that morning, and parent ambassadors who lead "
        "walking buses on the worst days.",
        (("30 additional air-quality sensors", "14000.00", True),
         ("Walking-route app", "22000.00", True),
         ("Parent ambassador programme", "12000.00", False)),
        (("Sensors live on the side streets", 60), ("Walking buses at both schools", 150)),
        48_000, 4_000, (("Avoided health costs", 11_000), ("Fewer car school runs", 4_000)),
        ("Changes where children walk, but not the traffic that pollutes the main roads.",
         "A small, committed team that already runs the Ancoats sensor network.",
         "Cheap to run; the benefits rest on how many families change their route.",
         "Everything open source, and built on data the neighbourhood already publishes."),
    ),
)

# phase -> proposal key -> evaluator (email local part) -> scores in MANCHESTER_CRITERIA order
MANCHESTER_SCORES: dict[int, dict[str, dict[str, tuple[int, int, int, int]]]] = {
    1: {"signals": {"evaluator": (8, 7, 7, 8), "mcr.digital": (7, 8, 7, 9)},
        "routes": {"evaluator": (7, 8, 8, 9), "mcr.digital": (6, 8, 7, 8)}},
    2: {"signals": {"evaluator": (8, 8, 7, 8), "mcr.digital": (8, 7, 8, 8)},
        "routes": {"evaluator": (6, 7, 7, 8), "mcr.digital": (6, 6, 7, 8)}},
    3: {"signals": {"evaluator": (9, 8, 8, 8), "mcr.digital": (8, 8, 8, 9)}},
}
MANCHESTER_EVALUATORS = (("evaluator", "evaluator"), ("mcr.digital", "city"))
# Kept after each phase (by proposal key); the field test's award becomes the pilot.
MANCHESTER_KEPT = {1: ("signals", "routes"), 2: ("signals",)}
MANCHESTER_AWARD = ("signals", "120000.00",
                    "Best weighted score in every phase; the prototype kept idling traffic "
                    "away from both school gates.")
# The award's pilot, co-funded by two departments: (department, line, amount, conditional).
MANCHESTER_COMMITMENTS = (
    ("Transport", "Active travel", "40000.00", False),
    ("Environment", "Clean Air Plan", "25000.00", True),
)


def _cba(proposal: DemoProposal, currency: str) -> CostBenefitAnalysis:
    pence = 100
    years = [YearFlows(0, {"Equipment and installation": proposal.capex * pence}, {})]
    years += [
        YearFlows(year, {"Running costs": proposal.running * pence},
                  {name: amount * pence for name, amount in proposal.benefits})
        for year in range(1, 6)
    ]
    # HM Treasury's Green Book discount rate.
    return CostBenefitAnalysis(currency, Decimal("0.035"), tuple(years))


def _run_calls(platform: Platform, cities: dict[str, UUID], accounts: dict[str, UUID]) -> None:
    """Each step checks what is already recorded, so a run interrupted half-way through a call
    is completed by the next one."""
    _manchester_call(platform, cities["Manchester"], accounts)
    _dublin_call(platform, cities["Dublin"], accounts)
    platform.projections.catch_up()


def _as(accounts: dict[str, UUID], local: str, role: str) -> Actor:
    return Actor(str(accounts[f"{local}@{DOMAIN}"]), role)


def _existing_call(platform: Platform, city_id: UUID, title: str) -> UUID | None:
    platform.projections.catch_up()
    return next((c.id for c in platform.read.calls(city_id=city_id, public_only=False)
                 if c.title == title), None)


def _manchester_call(platform: Platform, city_id: UUID, accounts: dict[str, UUID]) -> None:
    """A PCP call taken through its three phases: proposals from two proposers, scored by two
    evaluators in each phase, one proposal kept for the field test and awarded; its pilot is
    co-funded by Transport and Environment and opens its campaign."""
    app = platform.app
    now = platform.clock.now()
    officer = _as(accounts, "manchester", "city")
    criteria = [{"name": n, "description": d, "weight": w} for n, d, w in MANCHESTER_CRITERIA]
    call_id = _existing_call(platform, city_id, MANCHESTER_CALL)
    with acting_as(officer, new_correlation_id("demo")):
        if call_id is None:
            call_id = app.draft_call(
                city_id=city_id, title=MANCHESTER_CALL,
                challenge="Children walking to Ancoats' two primary schools breathe some of the "
                          "city's worst NO2 at drop-off and pick-up. We are looking for "
                          "solutions that cut their exposure measurably within a school year, "
                          "designed, prototyped and field-tested with us in three phases.",
                route="pcp", budget=Money.parse("300000.00", "GBP"),
                capital_stack={"city": 60, "matching": 0, "crowd": 20, "investors": 20},
                opens_at=now, closes_at=now + timedelta(days=21), areas=[],
                themes=["Air quality", "Mobility"], criteria=criteria,
                phases=[{"name": n, "budget_percent": p, "max_suppliers": m}
                        for n, p, m in MANCHESTER_PHASES],
            )
        if app.get_call(call_id).status == "draft":
            app.open_call(call_id)
        for local, _ in MANCHESTER_EVALUATORS:
            if accounts[f"{local}@{DOMAIN}"] not in app.get_call(call_id).evaluators:
                app.appoint_evaluator(call_id, accounts[f"{local}@{DOMAIN}"])
    proposal_ids: dict[str, UUID] = {}
    recorded = [app.get_proposal(p) for p in app.get_call(call_id).proposals]
    for proposal in MANCHESTER_PROPOSALS:
        proposer_id = accounts[f"{proposal.proposer}@{DOMAIN}"]
        found = next((p for p in recorded if p.proposer_id == proposer_id
                      and p.title == proposal.title), None)
        with acting_as(_as(accounts, proposal.proposer, "proposer"), new_correlation_id("demo")):
            proposal_ids[proposal.key] = found.id if found else app.draft_proposal(call_id, {
                "title": proposal.title, "summary": proposal.summary, "area": proposal.area,
                "theme": proposal.theme, "organisation": proposal.organisation,
                "budget_lines": [BudgetLine(label, Money.parse(amount, "GBP"), required)
                                 for label, amount, required in proposal.lines],
                "milestones": [{"title": title, "due": now + timedelta(days=days)}
                               for title, days in proposal.milestones],
                "capital_stack": {"city": 60, "matching": 0, "crowd": 20, "investors": 20},
                "cba": _cba(proposal, "GBP"),
            })
            if app.get_proposal(proposal_ids[proposal.key]).status == "draft":
                app.submit_proposal(proposal_ids[proposal.key])
    # The demo's clock does not move, so the officer ends the window early (the supported way
    # for a call to stop taking proposals before its closing date): evaluation starts.
    if app.get_call(call_id).status == "open":
        with acting_as(officer, new_correlation_id("demo")):
            app.close_call(call_id)
    _score_manchester_call(platform, call_id, proposal_ids, accounts)
    key, amount, reason = MANCHESTER_AWARD
    with acting_as(officer, new_correlation_id("demo")):
        awards = app.get_call(call_id).awards
        project_id = awards[-1][4] if awards else app.award(
            call_id, proposal_ids[key], amount=Money.parse(amount, "GBP"), reason=reason)
        departments = {d.name: d for d in app.departments_of(city_id)}
        for name, line, committed, conditional in MANCHESTER_COMMITMENTS:
            department = departments[name]
            if department.commitments_to(project_id):
                continue
            line_id = next(i for i, bl in department.lines.items() if bl.name == line)
            app.commit_to_project(project_id, budget_line_id=line_id,
                                  amount=Money.parse(committed, "GBP"), conditional=conditional)
        if app.get_project(project_id).status == "draft":
            app.open_campaign(project_id)


def _score_manchester_call(platform: Platform, call_id: UUID, proposal_ids: dict[str, UUID],
                           accounts: dict[str, UUID]) -> None:
    """Both evaluators score each phase's proposals; the officer keeps the best for the next."""
    app = platform.app
    by_key = {p.key: p for p in MANCHESTER_PROPOSALS}
    names = [n for n, _, _ in MANCHESTER_CRITERIA]
    for phase, sheets in MANCHESTER_SCORES.items():
        if app.get_call(call_id).phase > phase:
            continue  # scored and advanced by an earlier run
        phase_name = MANCHESTER_PHASES[phase - 1][0]
        for key, by_evaluator in sheets.items():
            for local, role in MANCHESTER_EVALUATORS:
                if accounts[f"{local}@{DOMAIN}"] in app.get_proposal(
                        proposal_ids[key]).scored_by(phase):
                    continue
                scores = [
                    {"criterion": name, "score": score,
                     "justification": f"{phase_name}: {by_key[key].justifications[i]}"}
                    for i, (name, score) in enumerate(zip(names, by_evaluator[local],
                                                          strict=True))
                ]
                with acting_as(_as(accounts, local, role), new_correlation_id("demo")):
                    app.score_proposal(proposal_ids[key], conflict_of_interest=False,
                                       scores=scores)
        if phase in MANCHESTER_KEPT:
            with acting_as(_as(accounts, "manchester", "city"), new_correlation_id("demo")):
                app.advance_phase(call_id, phase,
                                  [proposal_ids[k] for k in MANCHESTER_KEPT[phase]])


def _dublin_call(platform: Platform, city_id: UUID, accounts: dict[str, UUID]) -> None:
    """A PPI call open for proposals, with the demo evaluator appointed."""
    now = platform.clock.now()
    app = platform.app
    evaluator_id = accounts[f"evaluator@{DOMAIN}"]
    call_id = _existing_call(platform, city_id, DUBLIN_CALL)
    with acting_as(_as(accounts, "dublin", "city"), new_correlation_id("demo")):
        if call_id is None:
            call_id = app.draft_call(
                city_id=city_id, title=DUBLIN_CALL,
                challenge="Vans delivering parcels fill the loading bays of the north inner "
                          "city from dawn. Dublin City Council will buy, with private investors "
                          "and the crowd, a ready solution that moves the last mile to "
                          "zero-emission vehicles: micro-hubs, cargo bikes, electric vans or a "
                          "mix.",
                route="ppi", budget=Money.parse("500000.00", "EUR"),
                capital_stack={"city": 30, "matching": 0, "crowd": 20, "investors": 50},
                opens_at=now, closes_at=now + timedelta(days=45), areas=[],
                themes=["Mobility", "Air quality"],
                criteria=[
                    {"name": "Emissions avoided", "description": "Tonnes of CO2 and NOx a year.",
                     "weight": 35},
                    {"name": "Commercial model", "description": "Who pays after the pilot.",
                     "weight": 30},
                    {"name": "Deliverability", "description": "Live within six months.",
                     "weight": 20},
                    {"name": "Community benefit", "description": "Kerb space and safer streets "
                     "given back to residents.", "weight": 15},
                ],
                phases=[],
            )
        if app.get_call(call_id).status == "draft":
            app.open_call(call_id)
        if evaluator_id not in app.get_call(call_id).evaluators:
            app.appoint_evaluator(call_id, evaluator_id)


# -- investment offers (issue 12) ------------------------------------------------------------

@dataclass(frozen=True)
class DemoOffer:
    city: str
    officer: str  # email local part
    pilot: str  # the pilot's title
    kind: str
    target: str
    minimum: str
    maximum: str
    min_ticket: str
    closes_in_days: int
    terms: dict
    # (email local part, role, amount): who passed the appropriateness check and committed.
    commitments: tuple[tuple[str, str, str], ...]


# The answers of the appropriateness quiz (domain/investment/offer.py QUIZ) a demo investor gave.
_RIGHT_ANSWERS = {"capital_at_risk": "yes", "deposit_guarantee": "no",
                  "unfunded_pilot": "released"}
STAVANGER_BOND = "EV charging hub in Jorenholmen car park"
PORTO_BENEFIT_SHARE = "Smart street lighting retrofit in Bonfim"
OFFERS = (
    DemoOffer(
        "Stavanger", "stavanger", STAVANGER_BOND, "community_bond",
        "250000.00", "100000.00", "300000.00", "1000.00", 30,
        {"rate": "0.045", "term_years": 5, "payments_per_year": 2, "repayment": "amortising"},
        (("ingrid", "citizen", "50000.00"), ("citizen", "citizen", "20000.00"),
         ("tom", "citizen", "15000.00"), ("priya", "citizen", "25000.00")),
    ),
    DemoOffer(
        "Porto", "porto", PORTO_BENEFIT_SHARE, "benefit_share",
        "20000.00", "10000.00", "25000.00", "250.00", 35,
        # The community fund's id is Porto's matching fund's, filled in when loading.
        {"agreement": {"preferred_rate": "0.05", "residual": {
            "city": "40", "investors": "35", "community_fund": "15", "proposer": "10"}}},
        (("joao", "citizen", "1500.00"), ("maria", "citizen", "750.00"),
         ("investor", "investor", "12000.00")),
    ),
)


def _add_offers(platform: Platform, cities: dict[str, UUID], accounts: dict[str, UUID],
                offers: tuple[DemoOffer, ...] = OFFERS) -> None:
    """Officers add an offer to a Stavanger and a Porto pilot; demo citizens and the demo investor
    pass the appropriateness check and commit. Each step checks what is already recorded."""
    app = platform.app
    now = platform.clock.now()
    platform.projections.catch_up()
    projects = {(p.city_name, p.title): p for p in platform.read.projects(include_drafts=True,
                                                                          limit=10_000)}
    for demo in offers:
        project = projects.get((demo.city, demo.pilot))
        if project is None or project.status != "open":
            continue
        currency = project.currency
        found = next((o for o in app.offers_of(project.id) if o.kind == demo.kind), None)
        if found is None:
            terms = demo.terms
            if "agreement" in terms:
                fund_id = app.matching_funds_of(cities[demo.city])[0]
                terms = {"agreement": {**terms["agreement"], "community_fund_id": str(fund_id)}}
            with acting_as(_as(accounts, demo.officer, "city"), new_correlation_id("demo")):
                offer_id = app.add_offer(
                    project.id, kind=demo.kind, currency=currency,
                    target=Money.parse(demo.target, currency),
                    minimum=Money.parse(demo.minimum, currency),
                    maximum=Money.parse(demo.maximum, currency),
                    min_ticket=Money.parse(demo.min_ticket, currency),
                    opens_at=now, closes_at=now + timedelta(days=demo.closes_in_days),
                    terms=terms,
                )
        else:
            offer_id = found.id
        for local, role, amount in demo.commitments:
            investor_id = accounts[f"{local}@{DOMAIN}"]
            if any(c.investor_id == investor_id
                   for c in app.get_offer(offer_id).commitments.values()):
                continue
            with acting_as(_as(accounts, local, role), new_correlation_id("demo")):
                app.pass_appropriateness(answers=_RIGHT_ANSWERS, risk_warning_accepted=True)
                app.commit_to_offer(offer_id, amount=Money.parse(amount, currency),
                                    payment_method="pm_card_visa")
    platform.projections.catch_up()


# -- pilots funded with investment (issue 12) ---------------------------------------------------

STAVANGER_FUNDED_BOND = "Heat recovery at Stavanger swimming hall"
PORTO_FUNDED_SHARE = "E-bike docks with solar canopies in Campanhã"
FUNDED_OFFERS = (
    DemoOffer(
        "Stavanger", "stavanger", STAVANGER_FUNDED_BOND, "community_bond",
        "300000.00", "200000.00", "350000.00", "1000.00", 39,
        {"rate": "0.045", "term_years": 5, "payments_per_year": 2, "repayment": "amortising"},
        (("ingrid", "citizen", "90000.00"), ("citizen", "citizen", "60000.00"),
         ("tom", "citizen", "50000.00"), ("priya", "citizen", "70000.00"),
         ("ivana", "citizen", "30000.00")),
    ),
    DemoOffer(
        "Porto", "porto", PORTO_FUNDED_SHARE, "benefit_share",
        "35000.00", "30000.00", "40000.00", "250.00", 39,
        {"agreement": {"preferred_rate": "0.05", "residual": {
            "city": "40", "investors": "35", "community_fund": "15", "proposer": "10"},
            "projected_benefits": {"annual": "40000.00"}}},
        (("investor", "investor", "25000.00"), ("joao", "citizen", "6000.00"),
         ("maria", "citizen", "4000.00")),
    ),
)
# The delivery owner (email local part) of the Porto pilot, who signs for the proposer.
PORTO_OPERATOR = "mobility"
# Its first year's measured benefit: (amount, category, evidence). The period is the year
# before the demo's day (the trial's year, before the campaign scaled it up).
PORTO_BENEFIT = ("41500.00", "rental revenue and avoided car trips",
                 "Rental revenue from the trial's docks (EUR 29,800, from the booking system's "
                 "statements) and the avoided car trips valued at the city's published rate "
                 "(EUR 11,700, from the trip survey).")


def _fund_with_investment(platform: Platform, cities: dict[str, UUID],
                          accounts: dict[str, UUID]) -> None:
    """Officers add an offer to two more pilots, citizens and the investor commit, the
    pilots' totals (pledges plus investment) reach their optimum and the officers close them
    early: funded, settled, investors called to pay in. Porto's agreement is then signed by
    every party, Rita reports the trial year's benefit and Tiago approves it (four eyes): it is
    distributed through the waterfall and the community fund's share tops up Porto's matching
    fund. Each step checks what is already recorded."""
    _add_offers(platform, cities, accounts, FUNDED_OFFERS)
    app = platform.app
    projects = {(p.city_name, p.title): p for p in platform.read.projects(include_drafts=True,
                                                                          limit=10_000)}
    for demo in FUNDED_OFFERS:
        project = projects.get((demo.city, demo.pilot))
        if project is not None and project.status == "open":
            with acting_as(_as(accounts, demo.officer, "city"), new_correlation_id("demo")):
                app.close_campaign_early(project.id)
    platform.projections.catch_up()
    project = projects.get(("Porto", PORTO_FUNDED_SHARE))
    if project is not None:
        _share_benefits(platform, project.id, accounts)
    platform.projections.catch_up()


def _share_benefits(platform: Platform, project_id: UUID, accounts: dict[str, UUID]) -> None:
    app = platform.app
    if app.get_project(project_id).status != "funded":
        return
    officer, second = _as(accounts, "porto", "city"), _as(accounts, "porto.energia", "city")
    operator = _as(accounts, PORTO_OPERATOR, "proposer")
    if app.get_project(project_id).delivery_owner_id is None:
        with acting_as(officer, new_correlation_id("demo")):
            app.assign_delivery_owner(project_id, accounts[f"{PORTO_OPERATOR}@{DOMAIN}"])
    for party, actor in (("city", officer), ("proposer", operator), ("community_fund", officer)):
        platform.projections.catch_up()
        signed = platform.read.agreement(project_id)
        if signed is not None and party not in signed.missing(signed.latest):
            continue
        with acting_as(actor, new_correlation_id("demo")):
            app.sign_agreement(project_id, party=party, version=1)
    reports = app.benefit_reports_of(project_id)
    if not reports:
        today = platform.clock.now().date()
        amount, category, evidence = PORTO_BENEFIT
        with acting_as(officer, new_correlation_id("demo")):
            report_id = app.report_benefit(
                project_id, period_start=today - timedelta(days=365),
                period_end=today - timedelta(days=1), amount=Money.parse(amount, "EUR"),
                category=category, evidence=evidence,
                links=["https://www.cm-porto.pt/mobilidade"])
    else:
        report_id = reports[0].id
    if app.get_benefit_report(report_id).status == "pending":
        with acting_as(second, new_correlation_id("demo")):
            app.approve_benefit_report(report_id)


# -- a pilot delivered months ago, with its impact measured ------------------------------------

IMPACT_PILOT = DemoPilot(
    "Eindhoven", "eindhoven", "Dimmable LED street lights in Strijp-S", "Strijp-S", "Energy",
    "Strijp-S Bewonersvereniging",
    "One hundred and twenty sodium street lights replaced by dimmable LED lanterns that "
    "brighten when someone walks or cycles by, with a public dashboard of the power they use.",
    (("120 dimmable LED lanterns", "14400.00", True),
     ("Motion sensors and controllers", "4800.00", True),
     ("Public energy dashboard", "1800.00", False)),
    ALL_OR_NOTHING, 14, 1.1, 9,
)
# The campaign opened this many days before the demo's day (it closed 14 days later, funded).
IMPACT_OPENED_DAYS_AGO = 150
# (name, unit, target, direction, money benefit, values: (days after funding, value, evidence))
IMPACT_INDICATORS = (
    ("LED lanterns switched on", "lanterns", "120", "higher", False, (
        (20, "36", "Installer's commissioning sheets, week 3"),
        (50, "84", "Installer's commissioning sheets, week 7"),
        (80, "112", "Commissioning sheets; 8 lanterns wait for new poles"),
        (110, "120", "All lanterns commissioned, checked on the night walk"))),
    ("Electricity used per month", "kWh", "3500", "lower", False, (
        (50, "7900", "Meter readings of the Strijp-S lighting circuits"),
        (80, "5200", "Meter readings of the Strijp-S lighting circuits"),
        (110, "3650", "Meter readings of the Strijp-S lighting circuits"),
        (130, "3420", "Meter readings of the Strijp-S lighting circuits"))),
    ("Energy cost saved", "EUR", "1200.00", "higher", True, (
        (80, "610.00", "Energy supplier's invoices against the same months last year"),
        (110, "1080.00", "Energy supplier's invoices against the same months last year"),
        (130, "1190.00", "Energy supplier's invoices against the same months last year"))),
)


def _deliver_with_impact(platform: Platform, cities: dict[str, UUID],
                         accounts: dict[str, UUID]) -> None:
    """A pilot whose campaign ran months ago (drafted, opened and backed on a clock set back),
    closed funded and delivered, with indicators measured since. Each step checks what is
    already recorded."""
    app = platform.app
    pilot = IMPACT_PILOT
    officer = _as(accounts, pilot.officer, "city")
    found = [p for p in platform.read.projects(include_drafts=True, limit=10_000)
             if (p.city_name, p.title) == (pilot.city, pilot.title)]
    if found:
        project_id = found[0].id
    else:
        real = app.clock
        app.clock = FixedClock(real.now() - timedelta(days=IMPACT_OPENED_DAYS_AGO))
        try:
            project_id = _open_back_then(platform, cities, accounts, pilot)
        finally:
            app.clock = real
    with acting_as(SYSTEM, new_correlation_id("demo")):
        app.settle(project_id)
    if app.get_project(project_id).status == "funded":
        with acting_as(officer, new_correlation_id("demo")):
            app.start_delivery(project_id)
    platform.projections.catch_up()
    impact = app.impact_of(project_id)
    funded_on = app.funded_on(app.get_project(project_id))
    for number, (name, unit, target, direction, money, values) in enumerate(
            IMPACT_INDICATORS, start=1):
        if impact is None or len(impact.indicators) < number:
            with acting_as(officer, new_correlation_id("demo")):
                app.define_indicator(project_id, name=name, unit=unit, target=target,
                                     direction=direction, money_benefit=money)
        measured = {m.on for m in (impact.measurements if impact else [])
                    if m.indicator == number}
        for days, value, evidence in values:
            on: date = funded_on + timedelta(days=days)
            if on in measured:
                continue
            with acting_as(officer, new_correlation_id("demo")):
                report_id = app.report_indicator_value(project_id, indicator=number, on=on,
                                                       value=value)
            platform.read.keep_evidence(report_id, evidence,
                                        ["https://data.eindhoven.nl/strijp-s-verlichting"])
    platform.projections.catch_up()


def _open_back_then(platform: Platform, cities: dict[str, UUID], accounts: dict[str, UUID],
                    pilot: DemoPilot) -> UUID:
    app = platform.app
    now = app.clock.now()
    currency = next(c.currency for c in CITIES if c.name == pilot.city)
    with acting_as(_as(accounts, pilot.officer, "city"), new_correlation_id("demo")):
        project_id = app.draft_project(
            city_id=cities[pilot.city], area=pilot.area, theme=pilot.theme, title=pilot.title,
            summary=pilot.summary, proposer=pilot.proposer,
            budget_lines=[BudgetLine(label, Money.parse(amount, currency), required)
                          for label, amount, required in pilot.lines],
            funding_model=pilot.funding_model, opens_at=now,
            closes_at=now + timedelta(days=pilot.closes_in_days))
        app.open_campaign(project_id)
    minimum = app.get_project(project_id).minimum
    citizens = [accounts[email] for email in CITIZENS][:pilot.backers]
    for citizen_id, amount in zip(citizens, pledge_amounts(minimum, pilot.pledged_share,
                                                           pilot.backers), strict=True):
        with acting_as(Actor(str(citizen_id), "citizen"), new_correlation_id("demo")):
            app.make_pledge(project_id=project_id, citizen_id=citizen_id, amount=amount,
                            payment_method="pm_card_visa")
    return project_id
