"""Demo data for the demo tenant (made-up people), written once: running it again changes nothing."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from frontdoor_common.auth import Principal
from frontdoor_common.logging import get_logger
from frontdoor_common.settings import DEMO_TENANT_ID, demo_department_id
from frontdoor_members.context import MembersContext
from frontdoor_members.courses.schemas import CourseCreate
from frontdoor_members.courses.service import create_course
from frontdoor_members.dossier import service as dossier
from frontdoor_members.identity.national_id import fodselsnummer_for
from frontdoor_members.members import invoices, repository
from frontdoor_members.members import service as members
from frontdoor_members.members.schemas import Address, InvoiceCreate, MemberCreate, PhoneCreate
from frontdoor_members.messages import mailboxes
from frontdoor_members.messages import repository as messages_repo
from frontdoor_members.messages.schemas import MailboxPut
from frontdoor_members.tenants import repository as tenant_repo
from frontdoor_members.tenants import service as tenants
from frontdoor_members.tenants.schemas import DepartmentCreate, TenantSettingsUpdate

log = get_logger(__name__)

DEPARTMENTS = [
    DepartmentCreate(
        code="avd-1",
        name="Avdeling 1 Oslo",
        email="saksbehandler.oslo@avdeling.example.org",
        workplaces=["Nordli Bygg AS", "Fjordbetong AS"],
    ),
    DepartmentCreate(
        code="avd-2",
        name="Avdeling 2 Bergen",
        email="saksbehandler.bergen@avdeling.example.org",
        workplaces=["Kaiservice Vest AS"],
    ),
    DepartmentCreate(
        code="avd-3",
        name="Avdeling 3 Trondheim",
        email="saksbehandler.trondheim@avdeling.example.org",
        workplaces=["Nidaros Renhold AS"],
    ),
]

FAMILY_NUMBER = "22 33 44 55"


def _members() -> list[MemberCreate]:
    return [
        MemberCreate(
            member_number="1000017",
            first_name="Ingrid",
            last_name="Solbakken",
            national_id=fodselsnummer_for("150385"),
            phones=[PhoneCreate(number="412 34 567")],
            email="ingrid.solbakken@example.org",
            address=Address(line1="Granittveien 4", postal_code="0580", city="Oslo", country="NO"),
            workplace="Nordli Bygg AS",
            employer="Nordli Bygg AS",
            insurances=["group_life", "legal_aid"],
            shop_steward_name="Leif Aasmundstad",
        ),
        MemberCreate(
            member_number="1000025",
            first_name="Tor",
            last_name="Haugland",
            national_id=fodselsnummer_for("020270"),
            phones=[PhoneCreate(number="934 56 781"), PhoneCreate(number=FAMILY_NUMBER, kind="home")],
            email="tor.haugland@example.org",
            address=Address(line1="Kaiveien 12", postal_code="5003", city="Bergen", country="NO"),
            workplace="Kaiservice Vest AS",
            employer="Kaiservice Vest AS",
            is_shop_steward=True,
        ),
        MemberCreate(
            member_number="1000033",
            first_name="Kari",
            last_name="Haugland",
            national_id=fodselsnummer_for("110972"),
            phones=[PhoneCreate(number=FAMILY_NUMBER, kind="home")],
            email="kari.haugland@example.org",
            address=Address(line1="Kaiveien 12", postal_code="5003", city="Bergen", country="NO"),
            workplace="Kaiservice Vest AS",
            category="reduced_dues",
        ),
        MemberCreate(
            member_number="1000041",
            first_name="Eirik",
            last_name="Haugland",
            national_id=fodselsnummer_for("230604"),
            phones=[PhoneCreate(number=FAMILY_NUMBER, kind="home")],
            address=Address(line1="Kaiveien 12", postal_code="5003", city="Bergen", country="NO"),
            status="student",
            category="student",
        ),
        MemberCreate(
            member_number="1000058",
            first_name="Nils",
            last_name="Brekkevold",
            national_id="00100",  # a placeholder, to be replaced
            phones=[PhoneCreate(number="456 78 912")],
            email="nils.brekkevold@example.org",
            workplace="Nidaros Renhold AS",
        ),
        MemberCreate(
            member_number="1000066",
            first_name="Marte",
            last_name="Lindqvist",
            national_id=fodselsnummer_for("300891"),
            phones=[PhoneCreate(number="978 65 432")],
            address=Address(line1="Gamle Kongevei 7", postal_code="7014", city="Trondheim", country="NO"),
            returned_mail=True,  # and no email: two checks
            workplace="Nidaros Renhold AS",
            status="unemployed",
        ),
        MemberCreate(
            member_number="1000074",
            first_name="Aleksander",
            last_name="Wierzbowski",
            national_id=fodselsnummer_for("440688"),  # a D-number
            phones=[PhoneCreate(number="+48 512 345 678")],
            email="a.wierzbowski@example.org",
            workplace="Fjordbetong AS",
        ),
    ]


async def seed(ctx: MembersContext) -> None:
    """Create the demo tenant's settings, departments, members, invoices and some history."""
    tenant = DEMO_TENANT_ID
    principal = Principal(subject="seed", tenant_id=tenant, scopes=frozenset({"all"}))
    notifier = ctx.notifier
    now = ctx.clock.now()
    created = 0
    async with ctx.db.transaction() as session:
        if await tenant_repo.settings(session, tenant) is None:
            await tenants.configure(session, notifier, tenant, TenantSettingsUpdate(country="NO"), now=now)
        else:  # announced on every start, so a service that lost its mirror gets the list again
            await notifier.reasons_changed(session, tenant, (await tenants.rules(session, tenant)).reasons)
        for department in DEPARTMENTS:
            if await tenant_repo.department_by_code(session, tenant, department.code) is None:
                fixed = demo_department_id(department.code)  # the agents seed's counsellors point at it
                await tenants.create_department(session, tenant, department, now=now, department_id=fixed)
        # the demo's intake mailbox: mail to it (make run's SMTP intake) becomes a task in the queues
        if await messages_repo.mailbox(session, tenant, "kontakt") is None:
            address = MailboxPut(address="kontakt@fagforbund.example.org")
            await mailboxes.put(session, tenant, "kontakt", address, now=now, default_country="NO")
        rules = await tenants.rules(session, tenant)
        today = now.date()
        for body in _members():
            if await repository.by_number(session, tenant, body.member_number) is not None:
                continue
            member, _ = await members.create(session, principal, notifier, ctx.vault, body, now=now)
            created += 1
            await invoices.add(
                session,
                rules,
                member,
                InvoiceCreate(
                    amount=Decimal("545.00"),
                    due_date=today - timedelta(days=40),
                    paid=True,
                    paid_on=today - timedelta(days=45),
                ),
                now=now,
            )
            await invoices.add(
                session,
                rules,
                member,
                InvoiceCreate(amount=Decimal("545.00"), due_date=today + timedelta(days=10)),
                now=now,
            )
            for weeks_ago, reason in ((3, "dues_invoice"), (1, "member_data_change"), (0, "dues_invoice")):
                await dossier.add(
                    session,
                    notifier,
                    member,
                    now=now,
                    kind="log",
                    author="seed",
                    summary="Demo history entry.",
                    channel="phone",
                    reason=reason,
                    outcome="resolved_first_line",
                    occurred_at=now - timedelta(weeks=weeks_ago),
                )
        if created:  # with the members, once: a demo course (issue 16: signed up for from the console's desk)
            starts = (now + timedelta(days=21)).replace(hour=8, minute=0, second=0, microsecond=0)
            course = CourseCreate(
                title="CV workshop: applying for work",
                starts_at=starts,
                ends_at=starts + timedelta(hours=3),
                place="Folkets hus, Oslo",
                seats=12,
                signup_deadline=starts - timedelta(days=2),
            )
            await create_course(session, tenant, course, now=now)
    if created:
        log.info("demo members seeded", tenant=tenant, members=created)
