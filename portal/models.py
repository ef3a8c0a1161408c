"""Every model, imported in one place so the metadata (and Alembic) sees them all.

``tests/test_architecture.py`` fails if a feature's models module is missing here.
"""

from portal.accounts.models import Membership, User  # noqa: F401
from portal.audit.models import AuditEvent  # noqa: F401
from portal.boards import models as boards  # noqa: F401
from portal.host.models import HostService  # noqa: F401
from portal.imports.models import ParticipantImport  # noqa: F401
from portal.jobs.models import JobRun, OutboxMessage  # noqa: F401
from portal.mail.models import MailMessage  # noqa: F401
from portal.notifications.models import Notification  # noqa: F401
from portal.placements.models import Placement, PlacementEvent  # noqa: F401
from portal.programme import models as programme  # noqa: F401
from portal.sessions import models as sessions  # noqa: F401
from portal.tenants.models import Cohort, Tenant  # noqa: F401
