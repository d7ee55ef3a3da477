"""What drivers plugs in at start-up (imported by DriversConfig.ready): the token
authorization that stations asks at a session start, and the API's driver role. Registries let a lower layer use a higher one's knowledge without importing it
(docs/architecture.md)."""

from config.api import roles
from drivers.selectors.accounts import driver_of_user
from drivers.selectors.tokens import token_authorization
from stations import authorization

authorization.authorizer_register(token_authorization)
roles.role_register("driver", driver_of_user)
