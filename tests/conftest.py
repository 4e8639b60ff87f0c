import pytest

from jiuzhu.kit.testing import BASE, merge  # noqa: F401


@pytest.fixture
def case_dict():
    return merge(BASE, {})


# -- the settlement ledger: each test gets an empty database on SQLite and on PostgreSQL ---------

import itertools  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).parent))
_PG_DBS = itertools.count()


@pytest.fixture(scope="session")
def pg_server():
    from store_support import pg_admin_url
    return pg_admin_url()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    """An empty, migrated ledger database URL."""
    from jiuzhu.store import Store
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'jiuzhu.db'}"
    else:
        import os
        import sqlalchemy as sa
        admin = request.getfixturevalue("pg_server")
        name = f"jz_{os.getpid()}_{next(_PG_DBS)}"
        eng = sa.create_engine(admin, isolation_level="AUTOCOMMIT")
        with eng.connect() as c:
            c.exec_driver_sql(f'CREATE DATABASE "{name}"')
        eng.dispose()
        url = sa.make_url(admin).set(database=name).render_as_string(hide_password=False)
    Store.open(url, upgrade=True).close()
    yield url
    if request.param == "postgresql":
        eng = sa.create_engine(admin, isolation_level="AUTOCOMMIT")
        with eng.connect() as c:
            c.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        eng.dispose()
